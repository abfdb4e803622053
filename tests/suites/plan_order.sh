#!/usr/bin/env bash
# The plan is what runs: for every example recipe (and variants of the demo for the other prepare
# methods), `qrc plan` lists the passes in the order `qrc build --trace-passes` shows them run; cle
# runs where the plan puts it, seen by its effect (the layer pairs it finds with BatchNorm folded or
# not); a plan that runs a prepare pass after the quantizers exist is refused.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
. tests/suites/cli_checks.bash

plan_passes() { # plan listing -> one pass name per line
    sed -n '/^passes$/,$p' | sed -nE 's/^ +[0-9]+\. ([a-z_]+).*/\1/p'
}
# same_order NAME RECIPE|PLAN [build options]: builds it with a stage log and compares with `qrc plan`
same_order() {
    local name=$1 src=$2; shift 2
    "$QRC" plan "$src" 2>"$tmp/err" | plan_passes >"$tmp/$name.planned"
    if ! "$QRC" build --quiet --trace-passes "$tmp/$name.trace" "$src" "$@" >"$tmp/$name.out" 2>"$tmp/err"; then
        bad "$name: build failed: $(head -c 300 "$tmp/err")"
        return
    fi
    cut -f1 "$tmp/$name.trace" >"$tmp/$name.ran"
    if [ -s "$tmp/$name.planned" ] && diff "$tmp/$name.planned" "$tmp/$name.ran" >"$tmp/diff"; then ok; else
        bad "$name: passes run differ from the plan: $(tr '\n' ' ' <"$tmp/diff")"; fi
    # every line of the log is a pass and a time in seconds
    if awk -F'\t' 'NF != 2 || $2 !~ /^[0-9]+\.[0-9]+$/ { exit 1 }' "$tmp/$name.trace"; then ok; else
        bad "$name: malformed stage log: $(head -3 "$tmp/$name.trace")"; fi
}

# the example recipes; demo first, cnn_reuse_encodings reads its encodings
same_order demo recipes/demo.q
for r in recipes/*.q; do
    [ "$r" = recipes/demo.q ] || same_order "$(basename "$r" .q)" "$r"
done

# the demo under the other prepare methods, and with cle, in a scratch copy (paths stay relative)
for d in models data configs base; do ln -s "$PWD/recipes/$d" "$tmp/$d"; done
variant() { # NAME SED-EXPRESSION: the demo edited, exporting into the scratch directory
    sed -E "$2; s#\"\\.\\./out/demo\"#\"$tmp/out_$1\"#" recipes/demo.q >"$tmp/$1.q"
}
variant eager 's#method symbolic;#method eager; rewrite fold_bn, fuse;#'
variant jit 's#method symbolic;#method jit;#'
variant cle 's#^export \{#passes { cle { high_bias_absorption false; } }\nexport {#'
for v in eager jit cle; do same_order "$v" "$tmp/$v.q"; done
grep -qx require_static "$tmp/demo.ran" && ok || bad "symbolic: no require_static pass ran"
[ "$(grep -c '^fold$' "$tmp/jit.ran")" -eq 2 ] && grep -A1 '^trace$' "$tmp/jit.ran" | grep -qx fold && ok ||
    bad "jit: expected fold, trace, fold: $(tr '\n' ' ' <"$tmp/jit.ran")"
[ "$(tr '\n' ' ' <"$tmp/eager.ran")" = "bind name fold_bn fuse exclude place_quantizers calibrate compute_encodings evaluate convert_opset export " ] &&
    ok || bad "eager: ran $(tr '\n' ' ' <"$tmp/eager.ran")"

# cle where the plan says: after fold_bn it sees every Conv pair; moved before fold_bn, a BatchNorm
# stands between the layers and fewer pairs are found
pairs() { sed -nE 's/^  cle +([0-9]+) layer pairs.*/\1/p' "$1"; }
"$QRC" compile "$tmp/cle.q" -o "$tmp/cle.qp" >/dev/null 2>&1 || bad "compile cle variant"
"$BUILD/tools/plan_move" "$tmp/cle.qp" cle before fold_bn "$tmp/cle_early.qp" || bad "plan_move"
same_order cle_early "$tmp/cle_early.qp"
grep -A1 '^cle$' "$tmp/cle_early.ran" | grep -qx fold_bn && ok || bad "cle_early: cle did not run before fold_bn"
late=$(pairs "$tmp/cle.out") early=$(pairs "$tmp/cle_early.out")
[ -n "$late" ] && [ -n "$early" ] && [ "$late" -gt "$early" ] && ok ||
    bad "cle pairs: after fold_bn '$late', before fold_bn '$early' (expected more after)"
# the summary follows the plan: prepare's line before cle's when cle comes after the rewrites
[ "$(grep -nE '^  (prepare|cle) ' "$tmp/cle.out" | cut -d' ' -f3 | tr '\n' ' ')" = "prepare cle " ] && ok ||
    bad "cle summary order: $(grep -E '^  (prepare|cle) ' "$tmp/cle.out")"

# a prepare pass after the quantizers exist would invalidate them: refused, nothing exported
"$BUILD/tools/plan_move" "$tmp/cle.qp" fuse after place_quantizers "$tmp/late_fuse.qp" || bad "plan_move fuse"
rm -rf "$tmp/out_cle"
expect 3 "prepare pass after place_quantizers" "$QRC" build --quiet "$tmp/late_fuse.qp"
grep -q "prepare pass fuse after place_quantizers" "$tmp/err" && [ ! -e "$tmp/out_cle" ] && ok ||
    bad "late fuse: $(head -c 300 "$tmp/err")"

# an unwritable stage log is a usage-level runtime error, not a crash
expect 3 "stage log in a missing directory" "$QRC" build --quiet --trace-passes "$tmp/none/trace" "$tmp/eager.q"

echo "$pass passed, $fail failed"
