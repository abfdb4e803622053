#!/usr/bin/env bash
# The ONNX backend test data through the opset converter: every runnable test model below the target
# opset (13, then 21) is converted and must still pass in qrc's runtime; the converted models are then
# loaded in ONNX Runtime, which must give the expected outputs wherever it does on the original model.
# The graphs test_opset converts, one or more per adapter, must give the same outputs in ONNX Runtime
# before and after (skipped where ONNX Runtime rejects the original). Prints the per-source-opset tables
# and ends with "N passed, N failed" (converted tests passing in qrc's runtime plus converted models
# agreeing in ONNX Runtime, over both targets, plus the adapter graphs).
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
echo "== the adapter graphs of test_opset: ONNX Runtime before and after"
mkdir -p "$tmp/unit"
QRC_OPSET_DUMP="$tmp/unit" "$BUILD/tests/test_opset" >/dev/null 2>&1 || { echo "FAIL test_opset"; failed=$((failed + 1)); }
p=0 f=0 s=0
for a in "$tmp/unit"/*_a.onnx; do
    [ -f "$a" ] || continue
    b=${a%_a.onnx}_b.onnx
    if node tests/ort/same_outputs.js "$a" "$b" 1 >"$tmp/pair.log" 2>&1; then
        p=$((p + 1))
    elif ! node tests/ort/same_outputs.js "$a" "$a" 1 >/dev/null 2>&1; then
        s=$((s + 1))
    else
        f=$((f + 1)); echo "FAIL $(basename "$a" _a.onnx): $(grep -v '^$' "$tmp/pair.log" | tail -1)"
    fi
done
echo "adapter graphs: $p identical, $f differ, $s skipped (ONNX Runtime rejects the original)"
passed=$((passed + p)); failed=$((failed + f))
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
