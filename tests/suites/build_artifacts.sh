#!/usr/bin/env bash
# The artifacts of `qrc build`: two builds are byte-identical (timings aside), a resumed build equals a
# calibrated one, loaded encodings round-trip exactly, the encodings file holds every quantizer and
# nothing else, and every example recipe's QDQ model runs in ONNX Runtime and agrees with qrc's own
# simulation (top-1 >= 99.5 %, SQNR > 30 dB; a disagreement names the first tensor that differs), also for
# a Softmax over a non-last axis.
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

# The ranking goes to the report; a later build reads it back instead of measuring (same encodings), and
# a ranking naming an op the model does not have is an error at the rule's line.
cat >"$tmp/rank.q" <<EOF
import "$PWD/recipes/demo.q";
qconfig { most_sensitive 30%: act int16; }
export { dir "$tmp/rank"; }
EOF
"$QRC" build --quiet "$tmp/rank.q" >"$tmp/rank.out" 2>"$tmp/err"
rep=$(ls "$tmp"/rank/*.report.json 2>/dev/null | head -1)
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1])).sensitivity;
         process.exit(r.length > 0 && r.every((x, i) => typeof x.op == "string" && (i == 0 || x.sqnr_db >= r[i - 1].sqnr_db)) ? 0 : 1)' "$rep" 2>/dev/null
check "the report lists the sensitivity ranking, most sensitive first" $? "$(tail -2 "$tmp/err")"
cat >"$tmp/rank_from.q" <<EOF
import "$PWD/recipes/demo.q";
qconfig { most_sensitive 30% from "$rep": act int16; }
export { dir "$tmp/rank_from"; }
EOF
"$QRC" build "$tmp/rank_from.q" >"$tmp/from.out" 2>"$tmp/err" &&
    grep -q "ranked as" "$tmp/from.out" && cmp -s "$tmp"/rank/*.encodings "$tmp"/rank_from/*.encodings
check "most_sensitive from a saved report gives the same encodings" $? "$(tail -2 "$tmp/err")"
# --list analyses the worst ops: each quantizer alone, range and clipped fraction (the CNN's convolutions
# lose through their 8-bit weights only: their outputs sit inside Conv+Relu supergroups).
"$QRC" build --list "$tmp/rank.q" >"$tmp/list.out" 2>"$tmp/err"
grep -q "^worst ops, each quantized alone" "$tmp/list.out" &&
    grep -Eq '^  /conv1/Conv +[0-9.]+ dB +[0-9.]+ dB +inf dB +weight ' "$tmp/list.out" &&
    grep -Eq '^  /Relu +[0-9.]+ dB +inf dB +[0-9.]+ dB +activation +\[' "$tmp/list.out"
check "--list names the quantizer a layer loses through" $? "$(grep -A4 '^worst ops' "$tmp/list.out") $(tail -n 2 "$tmp/err")"
sed 's|"op": "[^"]*"|"op": "/renamed/Conv"|' "$rep" >"$tmp/renamed.json"
cat >"$tmp/rank_bad.q" <<EOF
import "$PWD/recipes/demo.q";
qconfig { most_sensitive 30% from "$tmp/renamed.json": act int16; }
export { dir "$tmp/rank_bad"; }
EOF
"$QRC" build --quiet "$tmp/rank_bad.q" >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "rank_bad.q:2:11: error: .*'/renamed/Conv'" "$tmp/err" && grep -q '\^' "$tmp/err" && [ -z "$(ls "$tmp/rank_bad" 2>/dev/null)" ]
check "a ranking naming an unknown op is an error at the rule" $? "$(tail -2 "$tmp/err")"

# A Softmax over a non-last axis (pattern_models' softmax_axis1: Softmax(axis=1) on [N, 4, 16]): ONNX
# Runtime's 8-bit QLinearSoftmax fusion is known to compute such an axis wrongly, so its output gets 16
# bits even where a rule says 8, check and build warn, and ONNX Runtime with every graph optimisation
# agrees with the simulation.
mkdir -p "$tmp/pm" && "$BUILD/tools/pattern_models" "$tmp/pm"
check "pattern_models writes its fixtures" $? ""

"$QRC" check "$tmp/pm/softmax_axis1.onnx" >"$tmp/sm_check.out" 2>&1
grep -q "warning Softmax over a non-last axis" "$tmp/sm_check.out"
check "qrc check warns about a Softmax over axis 1" $? "$(tail -n 5 "$tmp/sm_check.out")"

cat >"$tmp/sm_axis.q" <<EOF
model "$tmp/pm/softmax_axis1.onnx" { input x: float32[N, 4, 16]; }
qconfig { op Softmax: act uint8; default: act uint8 asymmetric; }
calibrate { data x = "$tmp/pm/softmax_axis1.x.npy"; batch 16; }
evaluate { data x = "$tmp/pm/softmax_axis1.x.npy"; batch 16; }
export { dir "$tmp/sm_out"; prefix "sm"; }
EOF
"$QRC" build --list "$tmp/sm_axis.q" --save-outputs "$tmp/sm_so" >"$tmp/sm_build.out" 2>"$tmp/sm_build.err"
grep -q "'/softmax/Softmax' is a Softmax over a non-last axis" "$tmp/sm_build.err"
check "qrc build warns about it" $? "$(tail -n 3 "$tmp/sm_build.err")"
node -e 'const e = JSON.parse(require("fs").readFileSync(process.argv[1])).activation_encodings;
         process.exit(e.p && e.p[0].bitwidth == 16 && e.s && e.s[0].bitwidth == 8 ? 0 : 1)' "$tmp/sm_out/sm.encodings"
check "its output gets 16 bits though the rule says uint8 (its input keeps 8)" $? "$(grep -E '^ *[0-9]+ +[ps] ' "$tmp/sm_build.out")"
node tests/ort/interop.js "$tmp/sm_out/sm.onnx" --input "x=$tmp/pm/softmax_axis1.x.npy" --sim "$tmp/sm_so/y.npy" --min-sqnr 40 \
    >"$tmp/sm_ort.out" 2>&1
check "ONNX Runtime (all graph optimisations) agrees with the simulation" $? "$(tail -n 3 "$tmp/sm_ort.out")"

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
