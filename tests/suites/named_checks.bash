# named_checks.bash — a scratch directory $tmp (removed on exit), counters and `check NAME STATUS DETAIL`
# (ok when STATUS is 0, else FAIL with DETAIL), shared by the suites that report one line per check
# (sourced, not run). The script ends with: echo "$pass passed, $fail failed".
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1: $3"; fi
}
