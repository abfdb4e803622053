#!/usr/bin/env bash
# The ONNX backend test data through the opset converter: every runnable test model below the target
# opset (13, then 21) is converted and must still pass in qrc's runtime; the converted models are then
# loaded in ONNX Runtime, which must give the expected outputs wherever it does on the original model.
# Prints the per-source-opset tables and ends with "N passed, N failed" (converted tests passing in qrc's
# runtime plus converted models agreeing in ONNX Runtime, over both targets).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
data=/usr/share/libonnx-testdata/data
if [ ! -d "$data" ]; then
    echo "conformance_upgrade: $data is missing (make deps installs libonnx-testdata)"
    echo "0 passed, 1 failed"; exit 1
fi
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
# sums the "P passed, F failed" pairs of the lines matching $1 in file $2 into p and f
count() {
    p=$(grep -E "$1" "$2" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{s+=$1} END {print s+0}')
    f=$(grep -E "$1" "$2" | sed -E 's/.* ([0-9]+) failed.*/\1/' | awk '{s+=$1} END {print s+0}')
}
for target in 13 21; do
    out="$tmp/$target"; mkdir -p "$out"
    echo "== to opset $target: qrc's runtime"
    "$BUILD/tools/conformance" --upgrade "$target" --save "$out" "$data" >"$tmp/qrc.log" 2>&1
    rc=$?
    grep -E '^(FAIL|converted|  opset|  not saved|conformance:)' "$tmp/qrc.log"
    count '^  opset' "$tmp/qrc.log"
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)); failed=$((failed + f))
    echo "== to opset $target: ONNX Runtime"
    node tests/ort/opset_check.js "$out" >"$tmp/ort.log" 2>&1
    rc=$?
    cat "$tmp/ort.log"
    count '^ort:' "$tmp/ort.log"
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
    passed=$((passed + p)); failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
