#!/usr/bin/env bash
# The artifacts of `qrc build`: two builds are byte-identical (timings aside), a resumed build equals a
# calibrated one, loaded encodings round-trip exactly, the encodings file holds every quantizer and
# nothing else, and every example recipe's QDQ model runs in ONNX Runtime and agrees with qrc's own
# simulation (top-1 >= 99.5 %, SQNR > 30 dB; a disagreement names the first tensor that differs).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition result (0 = ok), detail
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi

# The report without its timings, keys in order: what must not change between builds.
report_sans_timings() {
    node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])); delete r.timings;
             console.log(JSON.stringify(r, null, 1));' "$1"
}
same_artifacts() { # dir1 dir2 prefix -> 0 when every artifact matches
    local a=$1 b=$2 p=$3 f
    for f in "$p.onnx" "$p.encodings" "${p}_float.onnx"; do cmp -s "$a/$f" "$b/$f" || { echo "$f differs"; return 1; }; done
    diff <(report_sans_timings "$a/$p.report.json") <(report_sans_timings "$b/$p.report.json") >/dev/null ||
        { echo "$p.report.json differs beyond timings"; return 1; }
}

demo=out/demo/fmnist_cnn_w8a8
"$QRC" build --quiet --list recipes/demo.q --checkpoint "$tmp/demo.qck" >"$tmp/first.out" 2>"$tmp/err"
check "demo builds with a checkpoint" $? "$(tail -2 "$tmp/err")"
cp -r out/demo "$tmp/first"
"$QRC" build --quiet recipes/demo.q >/dev/null 2>"$tmp/err"
msg=$(same_artifacts "$tmp/first" out/demo fmnist_cnn_w8a8)
check "two builds give identical artifacts" $? "$msg"
"$QRC" build --quiet recipes/demo.q --resume "$tmp/demo.qck" >"$tmp/resume.out" 2>"$tmp/err"
msg=$(same_artifacts "$tmp/first" out/demo fmnist_cnn_w8a8 2>&1 | grep -v report)
grep -q '^  resume ' "$tmp/resume.out" && ! grep -q '^  calibrate ' "$tmp/resume.out" && [ -z "$msg" ]
check "a resumed build skips calibration and exports the same model and encodings" $? "$msg $(tail -2 "$tmp/err")"

# Every quantizer of the listing appears in the encodings file, and nothing else does.
awk '/^[0-9]+ +[^ ]+ +(input|activation|weight|bias) /{print $2}' "$tmp/first.out" | sort >"$tmp/listed"
node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1]));
         for (const x of [...e.activation_encodings, ...e.param_encodings]) console.log(x.name);' \
    "$demo.encodings" | sort >"$tmp/encoded"
[ -s "$tmp/listed" ] && diff "$tmp/listed" "$tmp/encoded" >"$tmp/d"
check "the encodings hold exactly the $(wc -l <"$tmp/listed") listed quantizers" $? "$(head -5 "$tmp/d")"

# Encodings loaded back are frozen as they were: the re-exported file is the same bytes.
"$QRC" build --quiet recipes/cnn_reuse_encodings.q >"$tmp/reuse.out" 2>"$tmp/err" &&
    cmp -s out/reuse/fmnist_cnn_reused.encodings "$demo.encodings" &&
    [ "$(grep agreement "$tmp/reuse.out")" = "$(grep agreement "$tmp/first.out")" ]
check "encodings loaded from a file round-trip exactly" $? "$(tail -2 "$tmp/err")"

# Encodings 2.0.0: the format does not change the QDQ model; a build loading them freezes the same
# encodings (the same QDQ bytes as the calibrated demo) and writes them back byte for byte.
cat >"$tmp/v2.q" <<EOF
import "$PWD/recipes/demo.q";
export { dir "$tmp/v2"; encodings "2.0.0"; }
EOF
cat >"$tmp/v2_reuse.q" <<EOF
import "$PWD/recipes/demo.q";
calibrate { encodings "$tmp/v2/fmnist_cnn_w8a8.encodings"; }
export { dir "$tmp/v2_reuse"; encodings "2.0.0"; }
EOF
"$QRC" build --quiet "$tmp/v2.q" >/dev/null 2>"$tmp/err" &&
    "$QRC" build --quiet "$tmp/v2_reuse.q" >"$tmp/v2_reuse.out" 2>>"$tmp/err" &&
    grep -q '"version": "2.0.0"' "$tmp/v2/fmnist_cnn_w8a8.encodings" &&
    cmp -s "$tmp/v2/fmnist_cnn_w8a8.onnx" "$demo.onnx" &&
    cmp -s "$tmp/v2_reuse/fmnist_cnn_w8a8.onnx" "$demo.onnx" &&
    cmp -s "$tmp/v2_reuse/fmnist_cnn_w8a8.encodings" "$tmp/v2/fmnist_cnn_w8a8.encodings"
check "encodings 2.0.0 load back to the identical QDQ model" $? "$(tail -2 "$tmp/err")"

# Ranking sensitivity places the quantizers again: AdaRound's frozen weight encodings stay where the
# format is unchanged. With loaded encodings nothing is ranked, and the warning says so.
cat >"$tmp/ada_sens.q" <<EOF
import "$PWD/recipes/demo.q";
qconfig { most_sensitive 30%: weight int16 symmetric; }
passes { adaround { iterations 20; } }
export { dir "$tmp/ada_sens"; }
EOF
"$QRC" build --quiet "$tmp/ada_sens.q" >"$tmp/ada.out" 2>"$tmp/err" &&
    grep -Eq '^  encodings +[0-9]+ computed, [1-9][0-9]* kept \(frozen\)' "$tmp/ada.out"
check "adaround's weight encodings survive sensitivity ranking" $? "$(grep encodings "$tmp/ada.out") $(tail -2 "$tmp/err")"
cat >"$tmp/reuse_sens.q" <<EOF
import "$PWD/recipes/cnn_reuse_encodings.q";
qconfig { most_sensitive 30%: weight int16 symmetric; }
export { dir "$tmp/reuse_sens"; }
EOF
"$QRC" build --quiet "$tmp/reuse_sens.q" >/dev/null 2>"$tmp/err" &&
    grep -q "reuse_sens.q:2:11: warning: nothing was ranked (encodings loaded, not calibrated)" "$tmp/err"
check "most_sensitive with loaded encodings warns that nothing was ranked" $? "$(tail -2 "$tmp/err")"

# bias int32: every Conv/Gemm bias of the CNN becomes an int32 DequantizeLinear (fc1's input carries
# an encoding through MaxPool and Flatten), and ONNX Runtime agrees with the simulation (below).
cat >"$tmp/bias_int32.q" <<EOF
import "$PWD/recipes/demo.q";
export { dir "$tmp/bias32"; bias int32; }
EOF
"$QRC" build --quiet "$tmp/bias_int32.q" >/dev/null 2>"$tmp/err"
missing=""
for layer in conv1 conv2 conv3 fc1 fc2; do
    grep -aq "$layer.bias_zero_point" "$tmp/bias32/fmnist_cnn_w8a8.onnx" 2>/dev/null || missing="$missing $layer"
done
[ -z "$missing" ]
check "bias int32 quantizes all five biases" $? "float biases:$missing $(tail -2 "$tmp/err")"

# Interop: recipe, exported QDQ model, evaluation rows (the ViT recipe evaluates 1984 rows in batches of 32).
node -e 'const npy = require("./tests/ort/npy"); const a = npy.read(process.argv[1]);
         npy.write(process.argv[2], npy.sliceRows(a, 0, 1984));' recipes/data/test_2000.npy "$tmp/test_1984.npy"
interop() {
    local recipe=$1 model=$2 input=$3 so=$tmp/so_$(basename "$1" .q)
    shift 3
    if ! "$QRC" build --quiet "$recipe" --save-outputs "$so" >"$so.log" 2>&1; then
        check "interop $recipe" 1 "build failed: $(tail -2 "$so.log")"; return
    fi
    node tests/ort/interop.js "$model" --input "image=$input" --sim "$so/logits.npy" --sim-dump "$so/first_batch" \
        --min-top1 99.5 --min-sqnr 30 "$@" >"$so.interop" 2>&1
    check "interop $recipe: $(grep -o 'sqnr [0-9.]* dB top1 [0-9.]*%' "$so.interop")" $? "$(tail -2 "$so.interop")"
}
interop recipes/demo.q "$demo.onnx" recipes/data/test_2000.npy
interop recipes/cnn_w8a16.q out/fmnist_cnn_w8a16.onnx recipes/data/test_2000.npy
interop recipes/cnn_float16.q out/fp16/fmnist_cnn_fp16.onnx recipes/data/test_2000.npy
interop recipes/cnn_reuse_encodings.q out/reuse/fmnist_cnn_reused.onnx recipes/data/test_2000.npy
interop recipes/resnet_mixed.q out/fmnist_resnet_mixed.onnx recipes/data/test_2000.npy
interop recipes/cnn_adaround.q out/adaround/fmnist_cnn_w4a8.onnx recipes/data/test_2000.npy
# the simulation rounds the biases as the export stores them: ONNX Runtime agrees far closer than 30 dB
interop "$tmp/bias_int32.q" "$tmp/bias32/fmnist_cnn_w8a8.onnx" recipes/data/test_2000.npy --min-sqnr 60 --min-top1 100
interop recipes/vit_jit_strip.q out/vit/fmnist_vit_body.onnx "$tmp/test_1984.npy" --batch 32

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
