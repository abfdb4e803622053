#!/usr/bin/env bash
# Exported QDQ models run in plain ONNX Runtime and agree with qrc's own simulation of the same encodings:
# the Fashion-MNIST CNN, calibrated W8A8 and W8A16 (opset 21), on 500 test images: top-1 agreement
# >= 99.5 % and output SQNR > 30 dB. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
passed=0 failed=0
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
test_n=500
case "$BUILD" in *asan*) test_n=32 ;; esac
for bits in 8 16; do
    d="$tmp/a$bits"; mkdir -p "$d"
    if "$BUILD/tools/export_qdq_model" recipes/models/fmnist_cnn.onnx recipes/data/calib_512.npy \
            recipes/data/test_2000.npy "$d" --act-bits $bits --test-samples $test_n >"$d/log" 2>&1 &&
       node tests/ort/run.js "$d/qdq.onnx" --input "$d/x.npy" --output "$d/ort.npy" >>"$d/log" 2>&1 &&
       node tests/ort/compare.js "$d/ort.npy" "$d/sim.npy" --min-top1 99.5 --min-sqnr 30 \
            --name "fmnist_cnn W8A$bits" >>"$d/log" 2>&1; then
        passed=$((passed + 1)); echo "ok   fmnist_cnn W8A$bits: $(grep -E 'sqnr' "$d/log" | tail -1)"
    else
        failed=$((failed + 1)); echo "FAIL fmnist_cnn W8A$bits"; sed 's/^/    /' "$d/log" | tail -8
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
