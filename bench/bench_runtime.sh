#!/usr/bin/env bash
# Runtime speed and output parity of qrc against ONNX Runtime on the same inputs and thread count, for
# every torchvision classification family exportable here (random seeded weights) at batch 1 and 8, and
# the small Fashion-MNIST models of recipes/. Prints a Markdown section on stdout (bench/run.sh collects
# it into BENCHMARKS.md); progress and errors go to stderr. The torchvision models are exported at bench
# time into $BUILD/bench by bench/export_torchvision.py; they are never part of the repository.
#
# qrc and ONNX Runtime alternate, ROUNDS rounds of one process each (one warm-up run, then REPEAT timed
# runs, model loading excluded), so that both see the same load; a row's time is the median over its
# rounds of each process's median, and its ratio is qrc's over ONNX Runtime's.
#
# Environment: BUILD (default build), THREADS (default 2), ROUNDS (default 3), REPEAT (default 4),
# MODELS (space-separated torchvision names, default every family below).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QRC=${QRC:-$BUILD/qrc}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
REPEAT=${REPEAT:-4}
MODELS=${MODELS:-resnet18 resnet50 mobilenet_v2 mobilenet_v3_large efficientnet_b0 regnet_y_400mf convnext_tiny \
shufflenet_v2_x1_0 squeezenet1_1 densenet121 vit_b_16}
PARITY=1e-4   # max |qrc - ORT| over max |ORT|

die() { echo "bench_runtime: $*" >&2; exit 1; }
[ -x "$QRC" ] || die "$QRC not built (run make)"
command -v node >/dev/null && [ -d tests/ort/node_modules/onnxruntime-node ] ||
    die "node or onnxruntime-node missing (run make deps)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$BUILD/bench"
# shellcheck disable=SC2086
/usr/bin/python3 bench/export_torchvision.py "$BUILD/bench" $MODELS || echo "bench_runtime: some exports failed" >&2

# median_ms TEXT: the per-process median from a timing line ("... median 12.3 ms ...").
median_ms() { grep -Eo 'median [0-9.]+ ms' <<<"$1" | grep -Eo '[0-9.]+' | head -1 || true; }
# median_of X...: the median of numbers.
median_of() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# rel_err A.npy B.npy: max |a - b| / max |b|.
rel_err() {
    node -e 'const n = require("./tests/ort/npy"); const a = n.read(process.argv[1]).data, b = n.read(process.argv[2]).data;
        let d = 0, m = 0; for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
        console.log(a.length !== b.length ? "size-mismatch" : m > 0 ? (d / m).toExponential(1) : "zero-output");' "$1" "$2"
}

rows=() notes=()
# bench_one LABEL MODEL INPUT.npy BATCH
bench_one() {
    local label=$1 model=$2 input=$3 batch=$4
    local q="$tmp/qrc.npy" o="$tmp/ort.npy" out qs=() os=() qms oms ratio rel ok r
    echo "bench_runtime: $label batch $batch ($ROUNDS rounds of $REPEAT runs each)" >&2
    rm -f "$q" "$o"
    for ((r = 0; r < ROUNDS; r++)); do
        if ! out=$(node tests/ort/run.js "$model" --input image="$input" --output "$o" \
                   --threads "$THREADS" --repeat "$REPEAT" 2>&1); then
            rows+=("| $label | $batch | | error | | | |"); notes+=("$label batch $batch, ONNX Runtime: $(tail -1 <<<"$out")")
            return
        fi
        os+=("$(median_ms "$out")")
        if ! out=$("$QRC" run "$model" --input image="$input" --output "$q" \
                   --repeat "$REPEAT" --time --threads "$THREADS" 2>&1); then
            rows+=("| $label | $batch | error | | | | |"); notes+=("$label batch $batch, qrc: $(tail -1 <<<"$out")")
            return
        fi
        qs+=("$(median_ms "$out")")
    done
    qms=$(median_of "${qs[@]}") oms=$(median_of "${os[@]}")
    ratio=$(awk -v a="$qms" -v b="$oms" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; }')
    rel=$(rel_err "$q" "$o" 2>&1 || echo "compare failed")
    ok=$(awk -v e="$rel" -v t="$PARITY" 'BEGIN { print (e + 0 == e && e <= t) ? "yes" : "**no**" }')
    rows+=("| $label | $batch | ${qms:-?} | ${oms:-?} | ${ratio:-?} | $rel | $ok |")
}

for b in 1 8; do node bench/make_input.js "$tmp/in_$b.npy" "$b" "$b" 3 224 224; done
node tests/ort/slice.js recipes/data/test_2000.npy 0 64 "$tmp/fmnist_64.npy"

for m in $MODELS; do
    if [ ! -f "$BUILD/bench/$m.onnx" ]; then
        notes+=("$m: not exported (see export_torchvision.py's message), not timed")
        continue
    fi
    for b in 1 8; do bench_one "$m" "$BUILD/bench/$m.onnx" "$tmp/in_$b.npy" "$b"; done
done
for m in fmnist_cnn fmnist_resnet fmnist_vit; do
    bench_one "$m" "recipes/models/$m.onnx" "$tmp/fmnist_64.npy" 64
done

cat <<EOF
## Runtime: qrc against ONNX Runtime

Inference time of \`qrc run\` and ONNX Runtime $(node -p "require('./tests/ort/node_modules/onnxruntime-node/package.json').version") (onnxruntime-node, CPU execution provider), both
with $THREADS threads on the same inputs. The two alternate, $ROUNDS rounds of one process each ($REPEAT timed runs
after a warm-up, model loading excluded); a time is the median over the rounds of each process's median
run. Ratio = qrc / ONNX Runtime. Inputs: seeded standard-normal float32 [batch,3,224,224] for the
torchvision models (seeded random weights, exported by \`bench/export_torchvision.py\` at opset 17), the
first 64 Fashion-MNIST test images for the small models. Relative error = max |qrc − ORT| / max |ORT| over
the output; parity holds at most $PARITY. The machine is shared: other processes were running, so
absolute times are noisy; the ratios come from interleaved runs.

| model | batch | qrc ms | ORT ms | ratio | relative error | parity |
|---|---:|---:|---:|---:|---:|---|
EOF
printf '%s\n' "${rows[@]}"
if [ "${#notes[@]}" -gt 0 ]; then
    echo
    echo "Errors:"
    echo
    for n in "${notes[@]}"; do echo "- $n"; done
fi
cat <<EOF

Commands (per round, alternating; R = $REPEAT):

\`\`\`
node tests/ort/run.js MODEL --input image=in.npy --output ort.npy --repeat R --threads $THREADS
$QRC run MODEL --input image=in.npy --output qrc.npy --repeat R --time --threads $THREADS
\`\`\`
EOF
