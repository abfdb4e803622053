#!/usr/bin/env bash
# Runs every test suite and prints one closing "N passed, N failed" line over all of them.
# A suite is a cmocka binary in $BUILD/tests/ or an executable tests/suites/*.sh script; each reports
# its own counts (cmocka's "[  PASSED  ] N test(s)." lines, or a plain "N passed, N failed" line).
set -u
BUILD=${BUILD:-build}
export BUILD
passed=0 failed=0 suites_failed=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_suite() {
    local name=$1; shift
    "$@" >"$log" 2>&1
    local rc=$?
    local p f
    p=$(grep -Eo '^\[  PASSED  \] [0-9]+' "$log" | awk '{s+=$4} END {print s+0}')
    f=$(grep -Eo '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
    local plain
    plain=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -n "$plain" ]; then
        p=$(sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed.*/\2/' <<<"$plain")
        f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$plain")
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        suites_failed="$suites_failed $name"
        echo "FAIL $name ($p passed, $f failed)"
        sed 's/^/    /' "$log" | tail -40
    else
        echo "ok   $name ($p passed)"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] && run_suite "$(basename "$t")" "$t"
done
for s in tests/suites/*.sh; do
    [ -x "$s" ] && run_suite "$(basename "$s" .sh)" "$s"
done

[ -n "$suites_failed" ] && echo "failed suites:$suites_failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
