#!/usr/bin/env bash
# Time to prepare (symbolic: bind, fold, name, unshare, fold_bn, fuse, exclude) the benchmark models.
# Prints a Markdown section on stdout (bench/run.sh collects it into BENCHMARKS.md). The models are
# read from ../shared/bench at bench time (QRC_SHARED overrides ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SHARED=${QRC_SHARED:-../shared}
tool=$BUILD/tools/prepare_time
[ -x "$tool" ] || { echo "bench_prepare: $tool not built (make $tool)" >&2; exit 1; }
echo "## Prepare"
echo
echo "\`bench/bench_prepare.sh\`: \`prepare_time model.onnx symbolic 5\`, one thread; the load from disk is"
echo "shown apart. Target: well under a second per model."
echo
echo "| model | load (ms) | prepare best (ms) | prepare median (ms) | nodes before -> after |"
echo "|---|---:|---:|---:|---|"
for m in recipes/models/fmnist_vit.onnx "$SHARED/bench/mobilenet_v2.onnx" "$SHARED/bench/resnet18.onnx"; do
    [ -f "$m" ] || { echo "bench_prepare: $m not found" >&2; continue; }
    out=$("$tool" "$m" symbolic 5)
    read -r load best median before after <<<"$(sed -E 's/^load ([0-9.]+) ms, prepare best ([0-9.]+) ms median ([0-9.]+) ms \(([0-9]+) -> ([0-9]+) nodes.*/\1 \2 \3 \4 \5/' <<<"$out")"
    echo "| $(basename "$m" .onnx) | $load | $best | $median | $before -> $after |"
done
