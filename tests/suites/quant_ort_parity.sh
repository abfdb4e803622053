#!/usr/bin/env bash
# qrc's fake quantization must equal ONNX Runtime's QuantizeLinear -> DequantizeLinear (and float16
# Cast round trips) bit for bit: uint8/int8/int16/uint16, per tensor and per axis, exact rounding ties,
# under ONNX Runtime's default graph optimisations. Ends with "N passed, N failed".
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
if ! "$BUILD/tools/quant_qdq_fixture" "$tmp"; then
    echo "fixture generation failed"; echo "0 passed, 1 failed"; exit 1
fi
for model in "$tmp"/*.onnx; do
    c=$(basename "$model" .onnx)
    for opt in all; do
        if node tests/ort/run.js "$model" --input "x=$tmp/${c}_x.npy" --output "$tmp/${c}_ort.npy" --opt $opt \
                >"$tmp/log" 2>&1 &&
           node tests/ort/compare.js "$tmp/${c}_ort.npy" "$tmp/${c}_want.npy" --max-abs 0 --name "$c/$opt" \
                >>"$tmp/log" 2>&1; then
            passed=$((passed + 1))
        else
            failed=$((failed + 1)); echo "FAIL $c (ORT optimisation $opt)"; sed 's/^/    /' "$tmp/log" | tail -5
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
