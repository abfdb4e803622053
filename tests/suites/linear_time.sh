#!/usr/bin/env bash
# Linear time on huge input, without a timed test: every reader that input can make large is run on a
# size n and on 10n, and the CPU time (user + system, best of 3) of the larger may be at most MAX_RATIO
# times that of the smaller, counted as at least FLOOR_MS (times are measured in 10 ms steps, and a
# quadratic run at 10n takes seconds). Linear work gives about 10 (less, with process start-up in both),
# quadratic work about 100. Cases: recipes of 10,000 and 100,000 lines (compile and fmt), one line of 20,000 and
# 200,000 terms, models with chains of 10,000 and 100,000 Identity or Dropout nodes (check and run).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build} MAX_RATIO=${MAX_RATIO:-20} FLOOR_MS=${FLOOR_MS:-50}
QRC=$BUILD/qrc pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# cpu_ms CMD...: the least CPU time of three runs of CMD, in ms (at least 1); fails the case on a non-zero exit.
cpu_ms() {
    local best="" t
    for _ in 1 2 3; do
        if ! /usr/bin/time -o "$tmp/time" -f '%U %S' "$@" >/dev/null 2>"$tmp/stderr"; then
            echo "FAILED: $* : $(head -c 300 "$tmp/stderr")" >&2
            echo -1; return
        fi
        t=$(awk '{ printf "%d\n", ($1 + $2) * 1000 }' "$tmp/time")
        if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
    done
    echo $((best > 0 ? best : 1))
}

# grows NAME SMALL_CMD -- LARGE_CMD: the large command may take at most MAX_RATIO times the small one's CPU
# (or FLOOR_MS, whichever is more).
grows() {
    local name=$1 small=() large=()
    shift
    while [ "$1" != "--" ]; do small+=("$1"); shift; done
    shift
    large=("$@")
    local a b
    a=$(cpu_ms "${small[@]}")
    b=$(cpu_ms "${large[@]}")
    if [ "$a" -lt 0 ] || [ "$b" -lt 0 ]; then
        fail=$((fail + 1)); echo "FAIL $name: a run failed"
    elif [ "$b" -gt $(((a > FLOOR_MS ? a : FLOOR_MS) * MAX_RATIO)) ]; then
        fail=$((fail + 1)); echo "FAIL $name: ${a} ms at n, ${b} ms at 10n (more than ${MAX_RATIO}x)"
    else
        pass=$((pass + 1)); echo "ok   $name: ${a} ms at n, ${b} ms at 10n"
    fi
}

bench/gen_recipe.sh 10000 >"$tmp/r10k.q"
bench/gen_recipe.sh 100000 >"$tmp/r100k.q"
grows "compile, 10k -> 100k lines" "$QRC" compile "$tmp/r10k.q" -o "$tmp/a.qp" -- \
    "$QRC" compile "$tmp/r100k.q" -o "$tmp/b.qp"
grows "fmt, 10k -> 100k lines" "$QRC" fmt "$tmp/r10k.q" -- "$QRC" fmt "$tmp/r100k.q"
grows "plan, 10k -> 100k lines" "$QRC" plan "$tmp/r10k.q" -- "$QRC" plan "$tmp/r100k.q"

line() { # N: a recipe whose exclude list is one line of N terms
    awk -v n="$1" 'BEGIN { printf "model \"m.onnx\";\nprepare { exclude modules ";
        for (i = 0; i < n; i++) printf "%s\"m%d\"", i ? ", " : "", i; printf "; }\ncalibrate { data x = \"c.npy\"; }\n" }'
}
line 20000 >"$tmp/l20k.q"
line 200000 >"$tmp/l200k.q"
grows "compile, one line of 20k -> 200k terms" "$QRC" compile "$tmp/l20k.q" -o "$tmp/a.qp" -- \
    "$QRC" compile "$tmp/l200k.q" -o "$tmp/b.qp"
grows "fmt, one line of 20k -> 200k terms" "$QRC" fmt "$tmp/l20k.q" -- "$QRC" fmt "$tmp/l200k.q"

mkdir -p "$tmp/m10k" "$tmp/m100k"
if "$BUILD/tools/hostile_models" "$tmp/m10k" 10000 && "$BUILD/tools/hostile_models" "$tmp/m100k" 100000; then
    for c in identity_chain dropout_chain; do
        grows "check, $c of 10k -> 100k nodes" "$QRC" check "$tmp/m10k/$c.onnx" -- "$QRC" check "$tmp/m100k/$c.onnx"
        grows "run, $c of 10k -> 100k nodes" \
            "$QRC" run "$tmp/m10k/$c.onnx" --input "x=$tmp/m10k/$c.x.npy" --output "$tmp/o.npy" -- \
            "$QRC" run "$tmp/m100k/$c.onnx" --input "x=$tmp/m100k/$c.x.npy" --output "$tmp/o.npy"
    done
else
    fail=$((fail + 1)); echo "FAIL hostile_models could not write the chains"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
