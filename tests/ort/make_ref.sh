#!/usr/bin/env bash
# Regenerates tests/models/ort_ref: the first 64 Fashion-MNIST test images, and ONNX Runtime's
# logits for each model in recipes/models on those 64 images and on the whole 2,000-image test
# slice (1 thread, full graph optimisation).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=tests/models/ort_ref
node tests/ort/slice.js recipes/data/test_2000.npy 0 64 "$out/input_64.npy"
for m in recipes/models/*.onnx; do
    name=$(basename "$m" .onnx)
    node tests/ort/run.js "$m" --input image="$out/input_64.npy" --output "$out/$name.logits.npy" --threads 1
    node tests/ort/run.js "$m" --input image=recipes/data/test_2000.npy --output "$out/$name.test_2000.logits.npy" \
        --threads 1 --batch 250
done
ls -l "$out"
