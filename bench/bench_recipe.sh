#!/usr/bin/env bash
# Compile time of a generated 1,000-line recipe (best of 10 runs of `qrc compile`).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
r=$tmp/big.q
{
    echo 'model "m.onnx" { input image: float32[N, 3, 224, 224]; }'
    echo 'prepare {'
    echo '  method symbolic;'
    for i in $(seq 1 300); do echo "  exclude modules \"block$i.conv\", re\"block$i\\\\.down\\\\..*\";"; done
    echo '}'
    echo 'qconfig {'
    for i in $(seq 1 600); do echo "  module \"layer$i.*\": act int16, weight int8 symmetric per_channel;  # rule $i"; done
    echo '  default: act uint8 asymmetric, weight int8 symmetric per_channel;'
    echo '}'
    echo 'quantsim { scheme tf_enhanced; rounding nearest; }'
    echo 'calibrate {'
    for i in $(seq 1 88); do echo "  # calibration note $i"; done
    echo '  data image = "calib_*.npy";'
    echo '}'
} >"$r"
lines=$(wc -l <"$r")
# In-process: the compiler alone (read, parse, check, build the plan, serialize round trip).
inproc=$("$BUILD/tools/bench_compile" "$r" 10)
# Whole process: `qrc compile` including start-up (dynamic loading of the runtime's libraries) and writing.
best_us() {
    local best="" s e t
    for _ in $(seq 1 10); do
        s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
        t=$(( (e - s) / 1000 ))
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo "$best"
}
proc=$(best_us "$QRC" compile "$r" -o "$tmp/big.qp")
startup=$(best_us "$QRC" version)
ms() { printf '%d.%03d ms' $(($1 / 1000)) $(($1 % 1000)); }
echo "## Recipe compiler"
echo
echo "\`bench/bench_recipe.sh\`: a generated $lines-line recipe (300 exclude lines with globs and regexes,"
echo "600 qconfig rules with comments), best of 10 runs each."
echo
echo "| what | best time |"
echo "|---|---|"
echo "| \`compile_recipe\` in-process (\`build/tools/bench_compile\`) | $(ms "$inproc") |"
echo "| \`qrc compile\` whole process, start-up included | $(ms "$proc") |"
echo "| \`qrc version\` (process start-up alone, for reference) | $(ms "$startup") |"
