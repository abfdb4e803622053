#!/usr/bin/env bash
# `qrc run`: outputs, --output-dir, timing line, exit statuses, and load/save round trips whose
# outputs must be byte-identical to the original model's when run by qrc.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
. tests/suites/cli_checks.bash
in=tests/models/ort_ref/input_64.npy

for m in recipes/models/*.onnx; do
    b=$(basename "$m" .onnx)
    expect 0 "run $b" "$QRC" run "$m" --input image=$in --output "$tmp/$b.npy"
    "$BUILD/tools/onnx_roundtrip" "$m" "$tmp/$b.rt.onnx" || bad "round trip $b"
    expect 0 "run round-tripped $b" "$QRC" run "$tmp/$b.rt.onnx" --input $in --output "$tmp/$b.rt.npy" --threads 1
    if cmp -s "$tmp/$b.npy" "$tmp/$b.rt.npy"; then ok; else bad "$b: round-tripped model gives different outputs"; fi
done

expect 0 "output dir" "$QRC" run recipes/models/fmnist_cnn.onnx --input image=$in --output-dir "$tmp/od"
[ -f "$tmp/od/logits.npy" ] && cmp -s "$tmp/od/logits.npy" "$tmp/fmnist_cnn.npy" && ok || bad "--output-dir logits.npy"
"$QRC" run recipes/models/fmnist_cnn.onnx --input image=$in --repeat 3 --time >/dev/null 2>"$tmp/time"
grep -Eq '^qrc run: 3 runs, 2 threads: best [0-9.]+ ms, median [0-9.]+ ms$' "$tmp/time" && ok || bad "timing line: $(cat "$tmp/time")"

# usage errors: 2
expect 2 "no model" "$QRC" run
expect 2 "unknown option" "$QRC" run recipes/models/fmnist_cnn.onnx --frobnicate
expect 2 "bad threads" "$QRC" run recipes/models/fmnist_cnn.onnx --input $in --threads zero
expect 2 "output count" "$QRC" run recipes/models/fmnist_cnn.onnx --input $in --output a.npy --output b.npy
# model and data errors: 3
expect 3 "missing model" "$QRC" run "$tmp/nope.onnx" --input $in
expect 3 "npy as model" "$QRC" run $in --input $in
grep -q "not an ONNX model" "$tmp/err" && ok || bad "npy as model: message $(cat "$tmp/err")"
expect 3 "missing input file" "$QRC" run recipes/models/fmnist_cnn.onnx --input image="$tmp/none.npy"
expect 3 "wrong input name" "$QRC" run recipes/models/fmnist_cnn.onnx --input picture=$in
grep -q "no input called 'picture'" "$tmp/err" && ok || bad "wrong input name message: $(cat "$tmp/err")"
expect 3 "wrong input shape" "$QRC" run recipes/models/fmnist_cnn.onnx --input image=tests/models/ort_ref/fmnist_cnn.logits.npy
grep -q "input 'image'" "$tmp/err" && ok || bad "wrong input shape message: $(cat "$tmp/err")"
expect 3 "input not given" "$QRC" run recipes/models/fmnist_cnn.onnx
# an output that cannot be written: 1, and no partial file
expect 1 "unwritable output" "$QRC" run recipes/models/fmnist_cnn.onnx --input $in --output "$tmp/no/such/dir/x.npy"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
