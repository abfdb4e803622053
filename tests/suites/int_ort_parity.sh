#!/usr/bin/env bash
# The integer ops against ONNX Runtime's own integer kernels: each model of tests/models/int_ops (made by
# tests/models/make_int_ops.py: ConvInteger, QLinearConv per tensor and per channel, MatMulInteger,
# QLinearMatMul per tensor and per column, com.microsoft QLinearAdd and QLinearMul with broadcasting) runs
# through both on its committed input, and every output element must be identical. Ends with
# "N passed, N failed".
. "$(dirname "$0")/ort_suite.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=tests/models/int_ops
n_models=0
for m in "$dir"/*.onnx; do
    n=$(basename "$m" .onnx)
    n_models=$((n_models + 1))
    ins=(--input "x=$dir/$n.x.npy")
    [ -f "$dir/$n.b.npy" ] && ins+=(--input "b=$dir/$n.b.npy")
    if ! out=$(node tests/ort/run.js "$m" "${ins[@]}" --output "$tmp/$n.ort.npy" --threads 1 2>&1); then
        bad "$n: ONNX Runtime: $(tail -2 <<<"$out")"; continue
    fi
    if ! out=$("$qrc" run "$m" "${ins[@]}" --output "$tmp/$n.qrc.npy" 2>&1); then
        bad "$n: qrc run: $(tail -2 <<<"$out")"; continue
    fi
    if line=$("$BUILD/tools/npy_diff" "$tmp/$n.qrc.npy" "$tmp/$n.ort.npy" --max-abs 0 2>&1); then
        ok; echo "$n: ${line#*: }"
    else
        bad "$n: ${line#*: }"
    fi
done
[ "$n_models" -ge 8 ] && ok || bad "expected at least 8 models in $dir, found $n_models"
echo "$passed passed, $failed failed"
