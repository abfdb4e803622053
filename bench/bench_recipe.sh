#!/usr/bin/env bash
# Compile time of a generated 1,000-line recipe (best of 10 runs of `qrc compile`), and compile and fmt
# time of the same recipe grown to 100,000 lines (the front end must stay linear).
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
# The same shape at 100,000 lines: a third exclude lines, two thirds qconfig rules.
huge=$tmp/huge.q
bench/gen_recipe.sh 100002 >"$huge"
huge_lines=$(wc -l <"$huge")
# Best of 3 of wall time and of CPU time (user + system, which a busy machine inflates less), in ms.
best3() {
    local wall="" cpu="" w c
    for _ in 1 2 3; do
        /usr/bin/time -o "$tmp/time" -f '%e %U %S' "$@" >/dev/null 2>&1
        read -r w c < <(awk '{ printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000 }' "$tmp/time")
        if [ -z "$wall" ] || [ "$w" -lt "$wall" ]; then wall=$w; fi
        if [ -z "$cpu" ] || [ "$c" -lt "$cpu" ]; then cpu=$c; fi
    done
    echo "$wall ms wall, $cpu ms CPU"
}
huge_compile=$(best3 "$QRC" compile "$huge" -o "$tmp/huge.qp")
huge_fmt=$(best3 "$QRC" fmt "$huge")
ms() { printf '%d.%03d ms' $(($1 / 1000)) $(($1 % 1000)); }
echo "## Recipe compiler"
echo
echo "\`bench/bench_recipe.sh\`: a generated $lines-line recipe (300 exclude lines with globs and regexes,"
echo "600 qconfig rules with comments), best of 10 runs each; then the same shape grown to $huge_lines lines,"
echo "best of 3, in wall time and in CPU time (user + system; a busy machine inflates wall time most)."
echo
echo "| what | best time |"
echo "|---|---|"
echo "| \`compile_recipe\` in-process (\`build/tools/bench_compile\`) | $(ms "$inproc") |"
echo "| \`qrc compile\` whole process, start-up included | $(ms "$proc") |"
echo "| \`qrc version\` (process start-up alone, for reference) | $(ms "$startup") |"
echo "| \`qrc compile\` of the same recipe grown to $huge_lines lines (best of 3) | $huge_compile |"
echo "| \`qrc fmt\` of the $huge_lines-line recipe (best of 3) | $huge_fmt |"
