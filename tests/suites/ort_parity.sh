#!/usr/bin/env bash
# qrc's runtime against ONNX Runtime's outputs on the Fashion-MNIST models (references made by
# tests/ort/make_ref.sh and committed in tests/models/ort_ref; tests/suites/ort_tools.sh checks
# that ONNX Runtime still reproduces them). Needs no Node.js:
#  1. `qrc run` on the first 64 test images;
#  2. `qrc run` on the whole 2,000-image test slice, in chunks of $CHUNK images.
# Each requires top-1 agreement 100% and max |logit difference| <= 1e-3. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
DIFF=$BUILD/tools/npy_diff
ROWS=$BUILD/tools/npy_rows
TOL=1e-3
CHUNK=500
passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref=tests/models/ort_ref
data=recipes/data/test_2000.npy
models="fmnist_cnn fmnist_resnet fmnist_vit"

# run_qrc MODEL INPUT OUTPUT: qrc run, printing its error on failure.
run_qrc() {
    local out
    if ! out=$("$QRC" run "$1" --input image="$2" --output "$3" 2>&1); then
        echo "    qrc run $(basename "$1") $(basename "$2"): $(tail -3 <<<"$out")"
        return 1
    fi
}

# check LABEL RESULT REFERENCE
check() {
    local line
    if line=$("$DIFF" "$2" "$3" --max-abs $TOL --min-top1 100 2>&1); then
        ok; echo "$1: ${line#*: }"
    else
        bad "$1: ${line#*: }"
    fi
}

for m in $models; do
    if run_qrc recipes/models/$m.onnx $ref/input_64.npy "$tmp/$m.64.npy"; then
        check "$m, 64 images" "$tmp/$m.64.npy" $ref/$m.logits.npy
    else
        bad "$m, 64 images: qrc run failed"
    fi
done

chunks=()
for s in $(seq 0 $CHUNK 1999); do
    "$ROWS" slice $data "$s" $((s + CHUNK)) "$tmp/in_$s.npy" && chunks+=("$s") || bad "slicing $data"
done
for m in $models; do
    outs=() good=1
    for s in "${chunks[@]}"; do
        run_qrc recipes/models/$m.onnx "$tmp/in_$s.npy" "$tmp/$m.q_$s.npy" || { good=0; break; }
        outs+=("$tmp/$m.q_$s.npy")
    done
    if [ "$good" -eq 1 ] && "$ROWS" cat "$tmp/$m.qrc.npy" "${outs[@]}"; then
        check "$m, 2000 images" "$tmp/$m.qrc.npy" $ref/$m.test_2000.logits.npy
    else
        bad "$m, 2000 images: qrc run failed"
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
