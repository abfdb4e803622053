#!/usr/bin/env bash
# Quantization: accuracy of each scheme on the Fashion-MNIST models (2,000 test images, 512 calibration
# images, prepared with the symbolic method, per-channel weights), calibration throughput against float
# inference on resnet18 (224x224, batch 8, exported at bench time), and peak memory of
# calibration with 64 versus 4,096 samples. Prints a Markdown section on stdout; progress on stderr.
# resnet18 (seeded random weights) is exported into $BUILD/bench by bench/export_torchvision.py.
#
# Environment: BUILD (default build), THREADS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
THREADS=${THREADS:-2}
tool="$BUILD/tools/quant_eval"
die() { echo "bench_quant: $*" >&2; exit 1; }
[ -x "$tool" ] || die "$tool not built (make $tool)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
data=recipes/data

field() { sed -nE "s/.*$1 ([0-9.]+).*/\\1/p" <<<"$2" | head -1; }

echo "## Quantization"
echo
echo "\`bench/bench_quant.sh\`: \`$tool\` (prepare symbolic, per-channel symmetric int8 weights, asymmetric"
echo "activations), calibrated on \`calib_512.npy\`, evaluated on \`test_2000.npy\` against its labels."
echo
echo "| model | scheme | W/A | float top-1 | quant top-1 | loss (points) | top-1 agreement | output SQNR |"
echo "|---|---|---|---|---|---|---|---|"
for m in fmnist_cnn fmnist_resnet fmnist_vit; do
    for run in "tf 8" "tf_enhanced 8" "percentile 8" "mse 8" "tf_enhanced 16"; do
        set -- $run
        echo "bench_quant: $m $1 W8A$2" >&2
        out=$("$tool" recipes/models/$m.onnx --prepare symbolic --calib $data/calib_512.npy \
            --test $data/test_2000.npy --labels $data/test_2000_labels.npy --scheme "$1" --act-bits "$2" \
            --threads "$THREADS" 2>/dev/null | grep '^samples') || die "$m $1 failed"
        f=$(field float_top1 "$out"); q=$(field quant_top1 "$out"); a=$(field agreement "$out")
        sq=$(sed -nE 's/.*output_sqnr ([-0-9.inf]+) dB.*/\1/p' <<<"$out")
        loss=$(awk -v f="$f" -v q="$q" 'BEGIN { printf "%.2f", (f - q) * 100 }')
        printf '| %s | %s | W8A%s | %.2f%% | %.2f%% | %s | %.2f%% | %s dB |\n' "$m" "$1" "$2" \
            "$(awk -v x="$f" 'BEGIN{print x*100}')" "$(awk -v x="$q" 'BEGIN{print x*100}')" "$loss" \
            "$(awk -v x="$a" 'BEGIN{print x*100}')" "$sq"
    done
done

echo
/usr/bin/python3 bench/export_torchvision.py "$BUILD/bench" resnet18 || true
if [ -f "$BUILD/bench/resnet18.onnx" ]; then
    echo "bench_quant: resnet18 calibration throughput" >&2
    node bench/make_input.js "$tmp/r18.npy" 11 64 3 224 224
    out=$("$tool" "$BUILD/bench/resnet18.onnx" --prepare symbolic --calib "$tmp/r18.npy" --batch 8 \
        --threads "$THREADS" --throughput 2>/dev/null)
    fl=$(sed -nE 's/^float ([0-9.]+) img\/s/\1/p' <<<"$out"); ca=$(sed -nE 's/^calibration ([0-9.]+) img\/s/\1/p' <<<"$out")
    ratio=$(awk -v a="$ca" -v b="$fl" 'BEGIN { printf "%.2f", a / b }')
    echo "Calibration throughput on resnet18 (224x224, batch 8, 64 synthetic images, tf_enhanced, $THREADS threads):"
    echo "float inference $fl img/s, calibration $ca img/s, ratio **$ratio** (target at least 0.8)."
else
    echo "Calibration throughput: skipped, $BUILD/bench/resnet18.onnx could not be exported."
fi

echo
echo "bench_quant: peak memory 64 vs 4096 samples" >&2
node bench/make_input.js "$tmp/many.npy" 5 4096 1 28 28
peak() {
    "$tool" recipes/models/fmnist_resnet.onnx --prepare symbolic --calib "$tmp/many.npy" --calib-samples "$1" \
        --scheme tf_enhanced --threads "$THREADS" --calib-only 2>/dev/null | sed -nE 's/^peak_rss_kb ([0-9]+)/\1/p'
}
p64=$(peak 64); p4k=$(peak 4096)
echo "Peak memory of calibrating fmnist_resnet (tf_enhanced, batch 32, synthetic images): 64 samples $((p64 / 1024)) MiB,"
echo "4,096 samples $((p4k / 1024)) MiB ($(awk -v a="$p4k" -v b="$p64" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }'); the statistics have a fixed size)."
