#!/usr/bin/env bash
# PaddleOCR's PP-OCRv4 recognizer and detector and the v2 direction classifier (paddle2onnx exports,
# fetched by tests/models/fetch_ocr.sh): their activations and norms written out op by op are found as
# units. For each model, `qrc check` lists the units, its fix: lines (symbolic dims named
# "p2o.DynamicDimension.N") pasted into a recipe prepare the model, and the prepared float model gives ONNX Runtime's
# outputs on the original model within 1e-4 (max abs), run by ONNX Runtime and by `qrc run`. A W8A8
# build of each places no quantizer on a tensor inside a unit, and the recognizer's quantizer count is
# the one the README gives (the result is evaluated in qrc's simulation).
# Ends with "N passed, N failed".
# shellcheck source=tests/suites/ort_suite.sh
. "$(dirname "$0")/ort_suite.sh"
if ! models=$(tests/models/fetch_ocr.sh 2>&1); then
    echo "could not fetch the PaddleOCR models: $models"
    echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# inputs FILE SHAPE LO HI: a float32 .npy of shape N,C,H,W (comma-separated) holding a synthetic line
# of text: vertical strokes (HI) across the middle third of the rows on a background (LO), plus seeded
# noise, so that the detector finds text and the recognizer's activations are far from zero.
inputs() {
    node -e 'const npy = require(process.cwd() + "/tests/ort/npy.js");
             const shape = process.argv[2].split(",").map(Number), lo = +process.argv[3], hi = +process.argv[4];
             const [n, c, h, w] = shape, data = new Float32Array(n * c * h * w);
             let s = 12345, i = 0;
             for (let b = 0; b < n; b++) for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
                 s = (s * 1103515245 + 12345) % 2147483648;
                 const ink = 3 * y >= h && 3 * y < 2 * h && ((x + 3 * b) >> 2) % 2 === 0;
                 data[i++] = (ink ? hi : lo) + 0.2 * (hi - lo) * (s / 2147483648 - 0.5);
             }
             npy.write(process.argv[1], { dtype: "float32", shape, data });' "$@"
}

# model NAME FILE SHAPE LO HI "UNIT LINE"...: check lists the units, prepared equals ORT's original.
model() {
    local name=$1 file=$models/$2 shape=$3 lo=$4 hi=$5; shift 5
    inputs "$tmp/$name.x.npy" "$shape" "$lo" "$hi"
    local out
    if ! out=$("$qrc" check "$file" --save "$tmp/$name.prep.onnx" 2>&1); then
        bad "$name: qrc check failed"; sed 's/^/    /' <<<"$out" | tail -5; return
    fi
    local want
    for want in "$@"; do
        grep -qF "$want" <<<"$out" && ok || bad "$name: check lacks '$want'"
    done
    # its fixes pasted into a recipe (each <size> the test shape's size of that symbolic dim) compile and
    # prepare the model
    local pasted dims shp sizes=() i
    pasted=$(grep -E '^ +fix: ' <<<"$out" | grep -o '`[^`]*`' | tr -d '`')
    IFS=, read -ra dims <<<"$(grep -m1 '^inputs:' <<<"$out" | sed 's/.*\[\(.*\)\]/\1/')"
    IFS=, read -ra shp <<<"$shape"
    for i in "${!dims[@]}"; do [[ ${dims[i]} =~ ^[0-9]+$ ]] || sizes+=("${shp[i]}"); done
    for i in "${sizes[@]}"; do pasted=${pasted/<size>/$i}; done
    printf 'model "%s";\nprepare {\n%s\n}\ncalibrate { data x = "c.npy"; }\n' "$file" "$pasted" >"$tmp/$name.q"
    if [ ${#sizes[@]} -gt 0 ] && "$qrc" check --recipe "$tmp/$name.q" >"$tmp/check.out" 2>&1; then ok; else
        bad "$name: check's fixes pasted into a recipe do not prepare"; cat "$tmp/$name.q"; tail -5 "$tmp/check.out"
    fi
    node tests/ort/run.js "$file" --input "x=$tmp/$name.x.npy" --output "$tmp/$name.ref.npy" --threads 2 \
        >/dev/null 2>"$tmp/err" || { bad "$name: ONNX Runtime could not run the original"; tail -3 "$tmp/err"; return; }
    node tests/ort/run.js "$tmp/$name.prep.onnx" --input "x=$tmp/$name.x.npy" --output "$tmp/$name.ort.npy" \
        --threads 2 >/dev/null 2>"$tmp/err" || { bad "$name: ONNX Runtime could not run the prepared model"; tail -3 "$tmp/err"; }
    "$qrc" run "$tmp/$name.prep.onnx" --input "x=$tmp/$name.x.npy" --output "$tmp/$name.qrc.npy" \
        >/dev/null 2>"$tmp/err" || { bad "$name: qrc run failed on the prepared model"; tail -3 "$tmp/err"; }
    local rt
    for rt in ort qrc; do
        [ -f "$tmp/$name.$rt.npy" ] || continue
        if out=$(node tests/ort/compare.js "$tmp/$name.$rt.npy" "$tmp/$name.ref.npy" --max-abs 1e-4 \
                 --name "$name prepared/$rt vs original/ort" 2>&1); then ok; echo "$out"; else
            bad "$name prepared/$rt: outputs differ from ONNX Runtime's on the original"; echo "$out"
        fi
    done
}

model rec ch_PP-OCRv4_rec_infer.onnx 1,3,48,160 -1 1 \
    "HardSwish: 28 units" "LayerNorm: 5 units" "Swish: 7 units"
model det ch_PP-OCRv4_det_infer.onnx 1,3,64,64 -2 2 "HardSwish: 24 units"
model cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1,3,48,192 -1 1 "HardSwish: 18 units"

# w8a8 NAME FILE SHAPE LO HI: a W8A8 build (per-channel weights), calibrated and evaluated in qrc's
# simulation on synthetic inputs, places no quantizer on a tensor inside a unit; its build output is
# left in $tmp/NAME.build.
w8a8() {
    local name=$1 file=$2 shape=$3
    local n rest
    IFS=, read -r n rest <<<"$shape"
    inputs "$tmp/calib.npy" "4,$rest" "$4" "$5"
    inputs "$tmp/test.npy" "2,$rest" "$4" "$5"
    cat >"$tmp/${name}_w8a8.q" <<EOF
model "$models/$file";
prepare { method symbolic; }
qconfig { default: act uint8 asymmetric, weight int8 symmetric per_channel; }
quantsim { scheme tf; rounding nearest; }
calibrate { data x = "calib.npy"; samples 4; batch 2; seed 7; }
evaluate { data x = "test.npy"; }
export { dir "out"; prefix "${name}_w8a8"; artifacts encodings, report; }
EOF
    if "$qrc" build --quiet --list "$tmp/${name}_w8a8.q" >"$tmp/$name.build" 2>"$tmp/err"; then ok; else
        bad "$name W8A8 build failed"; tail -5 "$tmp/err"; return
    fi
    "$qrc" check --recipe "$tmp/${name}_w8a8.q" --json "$tmp/$name.json" >/dev/null 2>&1
    awk '/^[0-9]+ +[^ ]+ +(input|activation|weight|bias) /{print $2}' "$tmp/$name.build" | sort >"$tmp/listed"
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
             for (const it of r.sections.units.items) for (const t of it.inner_tensors) console.log(t);' \
        "$tmp/$name.json" | sort >"$tmp/inner"
    local inside
    inside=$(comm -12 "$tmp/listed" "$tmp/inner")
    [ -s "$tmp/inner" ] && [ -s "$tmp/listed" ] && [ -z "$inside" ] && ok ||
        bad "$name W8A8: quantizers inside units ($(wc -l <"$tmp/inner") inner tensors): $(head -5 <<<"$inside")"
}

w8a8 rec ch_PP-OCRv4_rec_infer.onnx 1,3,48,160 -1 1
w8a8 det ch_PP-OCRv4_det_infer.onnx 1,3,64,64 -2 2
w8a8 cls ch_ppocr_mobile_v2.0_cls_infer.onnx 1,3,48,192 -1 1
line=$(grep -E '^  quantizers ' "$tmp/rec.build")
echo "rec W8A8:$line"
grep -E '^  agreement ' "$tmp/rec.build"
grep -qE '^  quantizers +268: 1 inputs, 220 activations, 47 weights, 0 biases$' <<<"$line" && ok ||
    bad "rec W8A8: quantizer count changed (README, Prepare): $line"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
