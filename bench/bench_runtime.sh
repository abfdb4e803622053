#!/usr/bin/env bash
# Runtime speed and output parity of qrc against ONNX Runtime on the same inputs and thread count.
# Prints a Markdown section on stdout (bench/run.sh collects it into BENCHMARKS.md); progress and
# errors go to stderr. The large models are read from ../shared/bench at bench time (QRC_SHARED
# overrides ../shared); they are never part of the repository.
#
# Environment: BUILD (default build), QRC_SHARED (default ../shared), THREADS (default 2),
# REPEAT_SCALE (multiplies the repeat counts; default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QRC=${QRC:-$BUILD/qrc}
SHARED=${QRC_SHARED:-../shared}
THREADS=${THREADS:-2}
SCALE=${REPEAT_SCALE:-1}

die() { echo "bench_runtime: $*" >&2; exit 1; }
[ -f "$SHARED/bench/resnet18.onnx" ] && [ -f "$SHARED/bench/mobilenet_v2.onnx" ] ||
    die "$SHARED/bench/{resnet18,mobilenet_v2}.onnx not found: the benchmark models live in ../shared/bench (set QRC_SHARED to the directory holding bench/)"
[ -x "$QRC" ] || die "$QRC not built (run make)"
command -v node >/dev/null && [ -d tests/ort/node_modules/onnxruntime-node ] ||
    die "node or onnxruntime-node missing (run make deps)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# best_ms TEXT: the best-of-N time in ms from a timing line ("best 12.3 ms ..."), else the first "N ms".
best_ms() {
    local t
    t=$(grep -Eo 'best[ :=]+[0-9.]+ ?ms' <<<"$1" | grep -Eo '[0-9.]+' | head -1 || true)
    [ -n "$t" ] || t=$(grep -Eo '[0-9]+(\.[0-9]+)? ?ms' <<<"$1" | grep -Eo '[0-9.]+' | head -1 || true)
    echo "${t:-}"
}

rows=() notes=()
# bench_one LABEL MODEL INPUT.npy BATCH REPEAT
bench_one() {
    local label=$1 model=$2 input=$3 batch=$4 repeat=$(( $5 * SCALE ))
    local q="$tmp/qrc.npy" o="$tmp/ort.npy" qout oout qms oms ratio cmp maxabs top1 sqnr
    echo "bench_runtime: $label batch $batch ($repeat runs each)" >&2
    rm -f "$q" "$o"
    if ! oout=$(node tests/ort/run.js "$model" --input image="$input" --output "$o" \
                --threads "$THREADS" --repeat "$repeat" 2>&1); then
        rows+=("| $label | $batch | | error | | | |"); notes+=("$label batch $batch, ONNX Runtime: $(tail -1 <<<"$oout")")
        return
    fi
    oms=$(best_ms "$oout")
    if ! qout=$("$QRC" run "$model" --input image="$input" --output "$q" \
                --repeat "$repeat" --time --threads "$THREADS" 2>&1); then
        rows+=("| $label | $batch | error | $oms | | | |"); notes+=("$label batch $batch, qrc: $(tail -1 <<<"$qout")")
        return
    fi
    qms=$(best_ms "$qout")
    ratio=$(awk -v a="$qms" -v b="$oms" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; }')
    cmp=$(node tests/ort/compare.js "$q" "$o" 2>&1 || true)
    maxabs=$(grep -Eo 'max_abs [^ ]+' <<<"$cmp" | cut -d' ' -f2 || true)
    sqnr=$(grep -Eo 'sqnr [^ ]+' <<<"$cmp" | cut -d' ' -f2 || true)
    top1=$(grep -Eo 'top1 [^ ]+ \([0-9/]+\)' <<<"$cmp" | cut -d' ' -f2- || true)
    [ -n "$maxabs" ] || notes+=("$label batch $batch, compare: $(tail -1 <<<"$cmp")")
    rows+=("| $label | $batch | ${qms:-?} | ${oms:-?} | ${ratio:-?} | ${maxabs:-?} | ${sqnr:-?} | ${top1:-?} |")
}

for b in 1 8; do node bench/make_input.js "$tmp/in_$b.npy" "$b" "$b" 3 224 224; done
node tests/ort/slice.js recipes/data/test_2000.npy 0 64 "$tmp/fmnist_64.npy"

bench_one resnet18 "$SHARED/bench/resnet18.onnx" "$tmp/in_1.npy" 1 20
bench_one resnet18 "$SHARED/bench/resnet18.onnx" "$tmp/in_8.npy" 8 10
bench_one mobilenet_v2 "$SHARED/bench/mobilenet_v2.onnx" "$tmp/in_1.npy" 1 20
bench_one mobilenet_v2 "$SHARED/bench/mobilenet_v2.onnx" "$tmp/in_8.npy" 8 10
if [ -f "$SHARED/bench/efficientnet_b0.onnx" ]; then
    bench_one efficientnet_b0 "$SHARED/bench/efficientnet_b0.onnx" "$tmp/in_1.npy" 1 20
    bench_one efficientnet_b0 "$SHARED/bench/efficientnet_b0.onnx" "$tmp/in_8.npy" 8 10
else
    notes+=("efficientnet_b0: $SHARED/bench/efficientnet_b0.onnx not found, not timed")
fi
for m in fmnist_cnn fmnist_resnet fmnist_vit; do
    bench_one "$m" "recipes/models/$m.onnx" "$tmp/fmnist_64.npy" 64 20
done

cat <<EOF
## Runtime: qrc against ONNX Runtime

Inference time of \`qrc run\` and ONNX Runtime $(node -p "require('./tests/ort/node_modules/onnxruntime-node/package.json').version") (onnxruntime-node, CPU execution provider), both
with $THREADS threads on the same inputs: best of N runs after a warm-up, model loading excluded. Ratio =
qrc / ONNX Runtime (the target is at most 1.5). Inputs: seeded standard-normal float32 [batch,3,224,224]
for the ImageNet-shaped models (random weights, from ../shared/bench), the first 64 Fashion-MNIST test
images for the small models. The last three columns compare qrc's output with ONNX Runtime's: max
absolute difference, SQNR of qrc against ONNX Runtime, and top-1 agreement.

| model | batch | qrc ms | ORT ms | ratio | max abs diff | SQNR dB | top-1 agreement |
|---|---:|---:|---:|---:|---:|---:|---:|
EOF
printf '%s\n' "${rows[@]}"
if [ "${#notes[@]}" -gt 0 ]; then
    echo
    echo "Errors:"
    echo
    for n in "${notes[@]}"; do echo "- $n"; done
fi
cat <<EOF

Commands (per row; R = 20 at batch 1 and 64, 10 at batch 8):

\`\`\`
$QRC run MODEL --input image=in.npy --output qrc.npy --repeat R --time --threads $THREADS
node tests/ort/run.js MODEL --input image=in.npy --output ort.npy --repeat R --threads $THREADS
node tests/ort/compare.js qrc.npy ort.npy
\`\`\`
EOF
