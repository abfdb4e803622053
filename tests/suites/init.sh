#!/usr/bin/env bash
# qrc init: on every model of recipes/models/ the starter recipe is canonical (fmt --check), and builds
# without edits from the .npy folder and from a folder of class-sorted PNGs; without data it compiles;
# an existing file is kept unless --force; bad models and data folders fail saying why.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$PWD/$BUILD/qrc
. tests/suites/named_checks.bash

for model in recipes/models/*.onnx; do
    m=$(basename "$model" .onnx)
    "$QRC" init "$model" --data recipes/data -o "$tmp/$m.q" >/dev/null 2>"$tmp/err" &&
        "$QRC" fmt --check "$tmp/$m.q" 2>>"$tmp/err" &&
        grep -q '^  input image: float32\[N, 1, 28, 28\];' "$tmp/$m.q" &&
        grep -q '^  default: act uint8 asymmetric, weight int8 symmetric per_channel;' "$tmp/$m.q" &&
        (cd "$tmp" && "$QRC" build --quiet "$m.q" >"$m.out" 2>>"$tmp/err") &&
        grep -Eq '^  accuracy +float top-1 [89][0-9]\.[0-9]+ %' "$tmp/$m.out"
    check "init $m --data recipes/data: canonical, builds ($(grep accuracy "$tmp/$m.out" 2>/dev/null | sed 's/^ *accuracy *//'))" \
        $? "$(tail -3 "$tmp/err")"
    "$QRC" init "$model" --data recipes/data/fmnist_png/test -o "$tmp/img_$m.q" >/dev/null 2>"$tmp/err" &&
        "$QRC" fmt --check "$tmp/img_$m.q" 2>>"$tmp/err" &&
        grep -q '^preprocess image {' "$tmp/img_$m.q" && grep -q '^  color gray;' "$tmp/img_$m.q" &&
        grep -q '^  resize exact 28, 28;' "$tmp/img_$m.q" && grep -q '^  labels folders;' "$tmp/img_$m.q" &&
        (cd "$tmp" && "$QRC" build --quiet "img_$m.q" >"img_$m.out" 2>>"$tmp/err") &&
        grep -Eq '^  accuracy +float top-1 [89][0-9]\.[0-9]+ %' "$tmp/img_$m.out"
    check "init $m --data (PNG class folders): preprocess guessed, builds ($(grep accuracy "$tmp/img_$m.out" 2>/dev/null | sed 's/^ *accuracy *//'))" \
        $? "$(tail -3 "$tmp/err")"
done

"$QRC" init recipes/models/fmnist_cnn.onnx -o "$tmp/nodata.q" >"$tmp/init.out" 2>"$tmp/err" &&
    "$QRC" fmt --check "$tmp/nodata.q" && "$QRC" compile "$tmp/nodata.q" -o "$tmp/nodata.qp" 2>>"$tmp/err" &&
    grep -q 'set the calibration data' "$tmp/init.out"
check "init without data: canonical and compiles" $? "$(tail -3 "$tmp/err")"
(cd "$tmp" && "$QRC" build --quiet nodata.q >/dev/null 2>"$tmp/err")
[ $? -eq 3 ] && grep -q 'no file matches' "$tmp/err"
check "its placeholder data fail the build saying so" $? "$(tail -2 "$tmp/err")"

cp "$tmp/nodata.q" "$tmp/keep.q"
"$QRC" init recipes/models/fmnist_cnn.onnx -o "$tmp/nodata.q" --data recipes/data >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && grep -q 'exists; pass --force' "$tmp/err" && cmp -s "$tmp/nodata.q" "$tmp/keep.q"
check "an existing recipe is kept without --force" $? "$(tail -2 "$tmp/err")"
"$QRC" init recipes/models/fmnist_cnn.onnx -o "$tmp/nodata.q" --data recipes/data --force >/dev/null 2>"$tmp/err" &&
    ! cmp -s "$tmp/nodata.q" "$tmp/keep.q"
check "--force replaces it" $? "$(tail -2 "$tmp/err")"

mkdir -p "$tmp/empty"
"$QRC" init recipes/models/fmnist_cnn.onnx --data "$tmp/empty" -o "$tmp/e.q" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && grep -q "empty: no .png, .jpg or .npy files" "$tmp/err" && [ ! -e "$tmp/e.q" ]
check "a data folder without data fails saying so" $? "$(tail -2 "$tmp/err")"
"$QRC" init "$tmp/missing.onnx" -o "$tmp/m.q" >/dev/null 2>"$tmp/err"
[ $? -eq 3 ] && grep -q "missing.onnx" "$tmp/err" && [ ! -e "$tmp/m.q" ]
check "a missing model fails naming it" $? "$(tail -2 "$tmp/err")"
"$QRC" init >/dev/null 2>&1
check "no model is a usage error" $([ $? -eq 2 ]; echo $?) ""

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
