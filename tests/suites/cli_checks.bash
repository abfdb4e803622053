# cli_checks.bash — counters and an exit-status check shared by the command-line suites (sourced, not run).
# Gives the script a scratch directory $tmp (removed on exit); the script ends with
# echo "$pass passed, $fail failed".
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok()  { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
# expect STATUS DESCRIPTION CMD...: the command exits with STATUS and, when failing, says why on stderr;
# its stdout and stderr are left in $tmp/out and $tmp/err
expect() {
    local want=$1 what=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$want" ] && { [ "$want" -eq 0 ] || [ -s "$tmp/err" ]; }; then ok; else
        bad "$what: exit $rc, wanted $want: $(head -c 300 "$tmp/err")"; fi
}
