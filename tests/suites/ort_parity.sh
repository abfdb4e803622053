#!/usr/bin/env bash
# qrc's runtime against ONNX Runtime on the Fashion-MNIST models:
#  1. `qrc run` on the 64 committed images against the committed ONNX Runtime logits
#     (tests/models/ort_ref; needs no Node.js);
#  2. `qrc run` and ONNX Runtime, live, on the 2,000-image test slice.
# Each requires top-1 agreement 100% and max |logit difference| <= 1e-3. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
DIFF=$BUILD/tools/npy_diff
TOL=1e-3
CHUNK=1000
passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref=tests/models/ort_ref
models="fmnist_cnn fmnist_resnet fmnist_vit"

# run_qrc MODEL INPUT OUTPUT: qrc run, printing its error on failure.
run_qrc() {
    local out
    if ! out=$("$QRC" run "$1" --input image="$2" --output "$3" 2>&1); then
        echo "    qrc run $(basename "$1") $(basename "$2"): $(tail -3 <<<"$out")"
        return 1
    fi
}

# 1. Committed references.
for m in $models; do
    if run_qrc recipes/models/$m.onnx $ref/input_64.npy "$tmp/$m.64.npy" &&
       line=$("$DIFF" "$tmp/$m.64.npy" $ref/$m.logits.npy --max-abs $TOL --min-top1 100); then
        ok; echo "$m, 64 committed references: ${line#*: }"
    else
        bad "$m against the committed ONNX Runtime logits: ${line:-qrc run failed}"
    fi
    line=
done

# 2. Live ONNX Runtime on the 2,000-image slice, qrc in chunks of $CHUNK images.
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    bad "node or onnxruntime-node missing (run make deps): live comparison not run"
else
    data=recipes/data/test_2000.npy
    parts=()
    for s in $(seq 0 $CHUNK 1999); do
        node tests/ort/slice.js $data "$s" $((s + CHUNK)) "$tmp/in_$s.npy" && parts+=("$s") || bad "slicing $data"
    done
    for m in $models; do
        outs=() good=1
        for s in "${parts[@]}"; do
            run_qrc recipes/models/$m.onnx "$tmp/in_$s.npy" "$tmp/$m.q_$s.npy" || { good=0; break; }
            outs+=("$tmp/$m.q_$s.npy")
        done
        if [ "$good" -eq 1 ] && node tests/ort/concat.js "$tmp/$m.qrc.npy" "${outs[@]}" &&
           node tests/ort/run.js recipes/models/$m.onnx --input image=$data --output "$tmp/$m.ort.npy" \
                --batch 500 --threads 2 &&
           line=$(node tests/ort/compare.js "$tmp/$m.qrc.npy" "$tmp/$m.ort.npy" --name "$m, 2000 images" \
                  --max-abs $TOL --min-top1 100); then
            ok; echo "$line"
        else
            bad "$m on the 2,000-image slice: ${line:-qrc run or ONNX Runtime failed}"
        fi
        line=
    done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
