#!/usr/bin/env bash
# `qrc build` end to end on the demo recipe, and its failures on bad input: each case states the exit
# status and a piece of the message it must print, and no case may leave an artifact behind.
set -u
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() { # name, condition result (0 = ok), detail
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}

# The demo recipe: quantized accuracy within half a point of float.
out=$("$QRC" build --quiet recipes/demo.q 2>"$tmp/err"); rc=$?
check "demo builds" $rc "exit $rc: $(cat "$tmp/err")"
read -r f q < <(sed -nE 's/.*float top-1 ([0-9.]+) %, quantized top-1 ([0-9.]+) %.*/\1 \2/p' <<<"$out")
awk -v f="${f:-0}" -v q="${q:-0}" 'BEGIN { exit !(f > 90 && f - q <= 0.5) }'
check "demo accuracy (float ${f:-?}, quantized ${q:-?})" $? "$out"

# A recipe next to copies of the demo's model and data, with one line changed: sed expression,
# expected exit status, expected message fragment.
mkdir -p "$tmp/r/models" "$tmp/r/data"
cp recipes/models/fmnist_cnn.onnx "$tmp/r/models/"
cp recipes/data/calib_512.npy recipes/data/test_2000.npy recipes/data/test_2000_labels.npy "$tmp/r/data/"
head -c 3000 recipes/data/test_2000.npy >"$tmp/r/data/truncated.npy"
printf 'not a numpy file' >"$tmp/r/data/garbage.npy"
cp recipes/data/test_2000_labels.npy "$tmp/r/data/int64.npy"
head -c 100000 recipes/models/fmnist_cnn.onnx >"$tmp/r/models/truncated.onnx"
# Encodings that do not fit the model: a tensor it does not have, and one quantizer missing.
enc=out/demo/fmnist_cnn_w8a8.encodings
sed 's#"/Relu_1_output_0"#"/Relu_9_output_0"#' "$enc" >"$tmp/r/data/renamed.encodings"
node -e 'const fs = require("fs"); const e = JSON.parse(fs.readFileSync(process.argv[1]));
e.activation_encodings = e.activation_encodings.filter((a) => a.name !== "/Relu_2_output_0");
fs.writeFileSync(process.argv[2], JSON.stringify(e));' "$enc" "$tmp/r/data/short.encodings"
printf '{"version": "1.0.0", "activation_encodings": [' >"$tmp/r/data/broken.encodings"

case_() {
    local name=$1 expr=$2 want_rc=$3 want_msg=$4
    sed -E "$expr" recipes/demo.q >"$tmp/r/case.q"
    "$QRC" build --quiet "$tmp/r/case.q" "${@:5}" >"$tmp/stdout" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want_msg" "$tmp/err"; then
        check "$name" 1 "exit $rc (want $want_rc), stderr: $(head -3 "$tmp/err")"
    elif [ -n "$(ls -A "$tmp/out/demo" 2>/dev/null)" ]; then
        check "$name" 1 "left files behind: $(ls "$tmp/out/demo")"
    else
        check "$name" 0 ""
    fi
}
case_ "missing calibration file" 's#calib_512.npy#nothere.npy#' 3 'no file matches'
case_ "glob matching nothing" 's#calib_512.npy#calib_*.npz#' 3 'no file matches'
case_ "truncated evaluation data" 's#test_2000.npy#truncated.npy#' 3 'truncated.npy'
case_ "not a .npy file" 's#calib_512.npy#garbage.npy#' 3 'garbage.npy'
case_ "calibration data of the wrong dtype" 's#calib_512.npy#int64.npy#' 3 'int64.npy'
case_ "missing model" 's#fmnist_cnn.onnx#absent.onnx#' 3 'absent.onnx'
case_ "truncated model" 's#fmnist_cnn.onnx#truncated.onnx#' 3 'truncated.onnx'
case_ "recipe error" 's#scheme tf_enhanced#scheme tf_enhancd#' 1 'error:'
case_ "excluded module that does not exist" 's#method symbolic;#method symbolic; exclude modules "fc9";#' 3 'fc9'
case_ "evaluation labels of the wrong dtype" 's#test_2000_labels.npy#test_2000.npy#' 3 'labels must be int64'
calib='s#data image = "data/calib_512.npy";#encodings "data/NAME.encodings";#'
case_ "encodings naming a tensor the model lacks" "${calib/NAME/renamed}" 3 '/Relu_9_output_0'
case_ "encodings missing a quantizer" "${calib/NAME/short}" 3 "no encoding for '/Relu_2_output_0'"
case_ "encodings file cut short" "${calib/NAME/broken}" 3 'broken.encodings'
case_ "encodings file missing" "${calib/NAME/absent}" 3 'absent.encodings'
case_ "export directory under a file" 's#"../out/demo"#"data/calib_512.npy/out"#' 3 "calib_512.npy/out': cannot create"
printf 'QRCK garbage' >"$tmp/bad.qck"
case_ "checkpoint that is not one" 's#x#x#' 3 'bad.qck' --resume "$tmp/bad.qck"
"$QRC" build --quiet recipes/cnn_w8a16.q --checkpoint "$tmp/w8a16.qck" >/dev/null 2>&1
case_ "checkpoint of another recipe" 's#x#x#' 3 'not by this recipe' --resume "$tmp/w8a16.qck"
case_ "adaround without calibration data" 's#^export \{#passes { adaround; }\nexport {#; s#data image = "data/calib_512.npy";#encodings "data/renamed.encodings";#' 3 'adaround needs calibration data'
case_ "export opset below the model's" 's#encodings "1.0.0";#encodings "1.0.0"; opset 12;#' 3 \
    "opset 12 is below the model's opset 13; models are converted only upward"

# export { opset N; } converts the model: both exported models import opset N.
sed -E 's#encodings "1.0.0";#encodings "1.0.0"; opset 17;#; s#"../out/demo"#"opset17"#' recipes/demo.q >"$tmp/r/opset17.q"
"$QRC" build --quiet "$tmp/r/opset17.q" >"$tmp/stdout" 2>"$tmp/err"
check "export { opset 17; } builds" $? "$(head -3 "$tmp/err")"
for m in fmnist_cnn_w8a8.onnx fmnist_cnn_w8a8_float.onnx; do
    got=$(node -e 'console.log(require("./tests/ort/onnx_edit").readModelOpset(require("fs").readFileSync(process.argv[1])))' \
        "$tmp/r/opset17/$m" 2>&1)
    check "export { opset 17; }: $m imports opset 17" "$([ "$got" = 17 ] && echo 0 || echo 1)" "opset $got"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
