#!/usr/bin/env bash
# Prepared models compute what the originals computed, in ONNX Runtime: every model in recipes/models
# is prepared by `qrc check --save` with each method, run by ONNX Runtime on the committed 64 test
# images, and compared with ONNX Runtime's outputs for the original model (1e-5 absolute + relative).
# Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
qrc=$BUILD/qrc
ref=tests/models/ort_ref
passed=0 failed=0
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() { # check NAME MODEL [qrc check options...]
    local name=$1 m=$2; shift 2
    local out
    if ! out=$("$qrc" check "recipes/models/$m.onnx" --quiet --save "$tmp/$name.onnx" "$@" 2>&1) ||
       ! out=$(node tests/ort/run.js "$tmp/$name.onnx" --input image=$ref/input_64.npy --output "$tmp/$name.npy" \
               --threads 1 2>&1) ||
       ! out=$(node tests/ort/compare.js "$tmp/$name.npy" "$ref/$m.logits.npy" --atol 1e-5 --rtol 1e-5 \
               --min-top1 100 --name "$name" 2>&1); then
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/    /' <<<"$out" | tail -5
    else
        passed=$((passed + 1)); echo "$out"
    fi
}
for m in fmnist_cnn fmnist_resnet fmnist_vit; do
    check "$m.symbolic" "$m"
    check "$m.jit_strip" "$m" --method jit_strip --example image=$ref/input_64.npy
    check "$m.pinned" "$m" --concrete N=64
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
