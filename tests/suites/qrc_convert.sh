#!/usr/bin/env bash
# `qrc convert`: converted models give byte-identical outputs in qrc's runtime, the output is written
# atomically, a model at the target is written unchanged, and the errors and exit statuses (usage 2;
# unreadable model, downgrade, blockers 3, each blocker named).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
. tests/suites/cli_checks.bash
data=/usr/share/libonnx-testdata/data/node
in=tests/models/ort_ref/input_64.npy

for m in recipes/models/*.onnx; do
    b=$(basename "$m" .onnx)
    mkdir -p "$tmp/$b"
    expect 0 "convert $b" "$QRC" convert "$m" --opset 21 -o "$tmp/$b/21.onnx"
    grep -Eq "^$m: opset 13 -> 21 \(IR 10\), [0-9]+ nodes? rewritten, written to $tmp/$b/21.onnx$" "$tmp/out" && ok ||
        bad "$b: summary line: $(cat "$tmp/out")"
    [ "$(ls "$tmp/$b")" = "21.onnx" ] && ok || bad "$b: files left beside the output: $(ls "$tmp/$b")"
    "$QRC" run "$m" --input "image=$in" --output "$tmp/$b/a.npy" >/dev/null 2>&1
    "$QRC" run "$tmp/$b/21.onnx" --input "image=$in" --output "$tmp/$b/b.npy" >/dev/null 2>&1
    cmp -s "$tmp/$b/a.npy" "$tmp/$b/b.npy" && ok || bad "$b: converted model gives different outputs"
done

m=recipes/models/fmnist_cnn.onnx
expect 0 "same opset" "$QRC" convert $m --opset 13 -o "$tmp/13.onnx"
grep -q "0 nodes rewritten" "$tmp/out" && ok || bad "same opset: $(cat "$tmp/out")"

# usage errors: 2
expect 2 "no arguments" "$QRC" convert
expect 2 "no output" "$QRC" convert $m --opset 21
expect 2 "no opset" "$QRC" convert $m -o "$tmp/x.onnx"
expect 2 "opset not a number" "$QRC" convert $m --opset twenty -o "$tmp/x.onnx"
expect 2 "opset too low" "$QRC" convert $m --opset 6 -o "$tmp/x.onnx"
expect 2 "opset too high" "$QRC" convert $m --opset 22 -o "$tmp/x.onnx"
expect 2 "unknown option" "$QRC" convert $m --opset 21 -o "$tmp/x.onnx" --fast

# model errors: 3, nothing written
expect 3 "missing model" "$QRC" convert "$tmp/none.onnx" --opset 21 -o "$tmp/x.onnx"
expect 3 "downgrade" "$QRC" convert $m --opset 11 -o "$tmp/x.onnx"
grep -q "converting down is not supported" "$tmp/err" && ok || bad "downgrade message: $(cat "$tmp/err")"
expect 3 "unwritable output" "$QRC" convert $m --opset 21 -o "$tmp/no/such/dir/x.onnx"
if [ -d "$data" ]; then
    expect 3 "blocker" "$QRC" convert "$data/test_lrn/model.onnx" --opset 21 -o "$tmp/x.onnx"
    grep -q "node '' (LRN): op LRN is not known to the opset converter" "$tmp/err" &&
        grep -q "1 node cannot be carried from opset 13 to 21" "$tmp/err" && ok || bad "blocker message: $(cat "$tmp/err")"
    expect 0 "opset 9 model" "$QRC" convert "$data/test_upsample_nearest/model.onnx" --opset 21 -o "$tmp/up.onnx"
    grep -q "opset 9 -> 21 (IR 10), 1 node rewritten" "$tmp/out" && ok || bad "opset 9 summary: $(cat "$tmp/out")"
else
    bad "$data is missing (make deps installs libonnx-testdata)"
fi
[ ! -e "$tmp/x.onnx" ] && ok || bad "a failed conversion wrote its output"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
