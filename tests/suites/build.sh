#!/usr/bin/env bash
# `qrc build` end to end on the demo recipe, and its failures on bad data: each case states the exit
# status and a piece of the message it must print.
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

case_() {
    local name=$1 expr=$2 want_rc=$3 want_msg=$4
    sed -E "$expr" recipes/demo.q >"$tmp/r/case.q"
    "$QRC" build --quiet "$tmp/r/case.q" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want_msg" "$tmp/err"; then
        check "$name" 1 "exit $rc (want $want_rc), stderr: $(head -3 "$tmp/err")"
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

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
