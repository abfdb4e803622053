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
best=""
for _ in $(seq 1 10); do
    s=$(date +%s%N)
    "$QRC" compile "$r" -o "$tmp/big.qp"
    e=$(date +%s%N)
    t=$(( (e - s) / 1000 ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
echo "## Recipe compiler"
echo
echo "\`bench/bench_recipe.sh\`: \`qrc compile\` of a generated $lines-line recipe (300 exclude lines with globs"
echo "and regexes, 600 qconfig rules), best of 10 runs, process start-up included:"
echo
echo "| recipe lines | best time |"
echo "|---|---|"
printf '| %d | %d.%03d ms |\n' "$lines" $((best / 1000)) $((best % 1000))
