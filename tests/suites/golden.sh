#!/usr/bin/env bash
# Golden tests of the recipe compiler, data-driven:
#   tests/golden/ok/NAME.q   must compile; `qrc plan` output must equal NAME.plan (and --json must parse)
#   tests/golden/err/NAME.q  must fail with exit status 1; stderr must equal NAME.err exactly
#   recipes/*.q              every example recipe must compile
# `tests/suites/golden.sh --update` rewrites the expected files from the current output (review the diff!).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
update=0
[ "${1:-}" = "--update" ] && update=1
passed=0 failed=0
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

fail() {
    failed=$((failed + 1))
    echo "FAIL $1: $2"
    [ -n "${3:-}" ] && diff -u "$3" "$4" | head -40
}

for q in tests/golden/ok/*.q; do
    exp=${q%.q}.plan
    "$QRC" plan "$q" >"$out" 2>"$err"
    rc=$?
    if [ $update = 1 ] && [ $rc = 0 ]; then cp "$out" "$exp"; fi
    if [ $rc != 0 ]; then fail "$q" "exit status $rc"; cat "$err"; continue; fi
    if ! cmp -s "$exp" "$out"; then fail "$q" "plan differs" "$exp" "$out"; continue; fi
    if [ -s "$err" ]; then fail "$q" "unexpected diagnostics"; cat "$err"; continue; fi
    if ! "$QRC" plan --json "$q" | node -e 'JSON.parse(require("fs").readFileSync(0, "utf8"))'; then
        fail "$q" "--json output is not JSON"; continue
    fi
    passed=$((passed + 1))
done

for q in tests/golden/err/*.q; do
    exp=${q%.q}.err
    "$QRC" plan "$q" >"$out" 2>"$err"
    rc=$?
    if [ $update = 1 ]; then cp "$err" "$exp"; fi
    if [ $rc != 1 ]; then fail "$q" "exit status $rc, expected 1"; cat "$err"; continue; fi
    if [ -s "$out" ]; then fail "$q" "printed a plan despite errors"; continue; fi
    if ! cmp -s "$exp" "$err"; then fail "$q" "diagnostics differ" "$exp" "$err"; continue; fi
    passed=$((passed + 1))
done

#   tests/golden/fmt/NAME.q  `qrc fmt` output must equal NAME.fmt, which must itself be canonical
for q in tests/golden/fmt/*.q; do
    exp=${q%.q}.fmt
    "$QRC" fmt "$q" >"$out" 2>"$err"
    rc=$?
    if [ $update = 1 ] && [ $rc = 0 ]; then cp "$out" "$exp"; fi
    if [ $rc != 0 ]; then fail "$q" "fmt exit status $rc"; cat "$err"; continue; fi
    if ! cmp -s "$exp" "$out"; then fail "$q" "fmt output differs" "$exp" "$out"; continue; fi
    if ! "$QRC" fmt --check "$exp" 2>"$err"; then fail "$exp" "fmt output is not canonical (not idempotent)"; continue; fi
    "$QRC" fmt --check "$q" 2>/dev/null
    rc=$?
    want=4; cmp -s "$q" "$exp" && want=0
    if [ $rc != $want ]; then fail "$q" "fmt --check exit status $rc, expected $want"; continue; fi
    passed=$((passed + 1))
done

# fmt is idempotent on every recipe that parses.
for q in tests/golden/ok/*.q tests/golden/ok/inc/*.q tests/golden/err/*.q tests/golden/fmt/*.q recipes/*.q recipes/*/*.q; do
    [ -f "$q" ] || continue
    "$QRC" fmt "$q" >"$out" 2>/dev/null || continue
    cp "$out" "$err"
    if ! "$QRC" fmt "$err" 2>/dev/null | cmp -s - "$out"; then fail "$q" "fmt is not idempotent"; continue; fi
    passed=$((passed + 1))
done

# Example recipes are kept in canonical form.
for q in recipes/*.q recipes/*/*.q; do
    [ -f "$q" ] || continue
    if "$QRC" fmt --check "$q"; then passed=$((passed + 1)); else fail "$q" "not in canonical form"; fi
done

for q in recipes/*.q; do
    if "$QRC" compile "$q" -o "$out" 2>"$err" && [ -s "$out" ] && "$QRC" plan "$out" >/dev/null; then
        passed=$((passed + 1))
    else
        fail "$q" "example recipe does not compile"; cat "$err"
    fi
done

echo "golden: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
