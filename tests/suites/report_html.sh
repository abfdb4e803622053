#!/usr/bin/env bash
# The HTML report and `qrc build --json`: the page is self-contained (no script, nothing fetched), renders
# in headless Chromium with every chart present (DOM checks through --dump-dom, a screenshot that is not
# blank), is byte-identical across builds, and shows the sensitivity ranking when one was computed;
# --json prints one JSON object whose numbers match the text summary, also on failure.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
QRC=$BUILD/qrc
PY=/usr/bin/python3
. tests/suites/named_checks.bash
if ! command -v chromium >/dev/null; then
    echo "chromium missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
chrome() { timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" "$@" 2>/dev/null; }
report_field() { # report.json, JavaScript expression over r
    node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1])); console.log($2)" "$1"
}

cat >"$tmp/r.q" <<RECIPE
import "$PWD/recipes/demo.q";
export { dir "$tmp/a"; prefix "m"; }
RECIPE
"$QRC" build "$tmp/r.q" >"$tmp/r.out" 2>"$tmp/err"
[ -s "$tmp/a/m.report.html" ] && grep -q 'report.json .report.html' "$tmp/r.out"
check "the demo writes .report.html beside .report.json" $? "$(tail -2 "$tmp/err")"
html=$tmp/a/m.report.html
! grep -Eqi '<script|https?://|src=|<link|@import' "$html"
check "self-contained: no script, no link, nothing fetched" $? "$(grep -Eoi '<script|https?://[^"]*|src=|<link|@import' "$html" | head -3)"

chrome --dump-dom "file://$html" >"$tmp/dom.html"
layers=$(report_field "$tmp/a/m.report.json" "r.layers.length")
quantizers=$(report_field "$tmp/a/m.report.json" "r.quantizers.activations.length + r.quantizers.params.length")
hash=$(report_field "$tmp/a/m.report.json" "r.recipe_hash")
"$PY" tests/tools/report_dom_check.py "$tmp/dom.html" "$layers" "$quantizers" "$hash" >"$tmp/domcheck" 2>&1
check "Chromium's DOM: $(cat "$tmp/domcheck")" $? "$(cat "$tmp/domcheck")"

chrome --screenshot="$tmp/shot.png" --window-size=1200,2000 "file://$html"
"$PY" tests/tools/report_dom_check.py --screenshot "$tmp/shot.png" >"$tmp/shot" 2>&1
check "screenshot is not blank: $(cat "$tmp/shot")" $? "$(cat "$tmp/shot")"

"$QRC" build --quiet "$tmp/r.q" >/dev/null 2>"$tmp/err" && cp "$html" "$tmp/first.html" &&
    "$QRC" build --quiet "$tmp/r.q" >/dev/null 2>>"$tmp/err" && cmp -s "$html" "$tmp/first.html"
check "two builds give the same HTML bytes" $? "$(tail -2 "$tmp/err")"

cat >"$tmp/sens.q" <<RECIPE
import "$PWD/recipes/demo.q";
qconfig { most_sensitive 20%: act int16; }
calibrate { samples 128; }
evaluate { samples 200; }
export { dir "$tmp/sens"; prefix "m"; }
RECIPE
"$QRC" build --quiet "$tmp/sens.q" >/dev/null 2>"$tmp/err" &&
    chrome --dump-dom "file://$tmp/sens/m.report.html" >"$tmp/sens.dom" &&
    [ "$(grep -o '<svg id="sensitivity"' "$tmp/sens.dom" | wc -l)" -eq 1 ] &&
    ! grep -q 'id="sensitivity"' "$tmp/dom.html"
check "the sensitivity ranking appears when it was computed (and only then)" $? "$(tail -2 "$tmp/err")"

# --json: one object on stdout, the text summary on stderr, numbers equal to the text's.
"$QRC" build --json "$tmp/r.q" >"$tmp/j.out" 2>"$tmp/j.err"
rc=$?
node -e 'const fs = require("fs"); const lines = fs.readFileSync(process.argv[1], "utf8").trim().split("\n");
    if (lines.length !== 1) throw new Error(lines.length + " lines");
    const j = JSON.parse(lines[0]);
    const m = fs.readFileSync(process.argv[2], "utf8").match(/quantized top-1 ([0-9.]+) %/);
    if (!j.ok || j.exit_status !== 0 || j.error !== null) throw new Error("not ok");
    if ((100 * j.evaluation.quant_top1).toFixed(2) !== m[1]) throw new Error("top-1 " + j.evaluation.quant_top1 + " vs " + m[1]);
    if (!j.summary.some(s => s.stage === "export") || j.evaluation.worst_layers.length < 1) throw new Error("summary");
    if (j.recipe_sha256.length !== 64) throw new Error("hash");' "$tmp/j.out" "$tmp/j.err" 2>"$tmp/jcheck"
[ $rc -eq 0 ] && [ ! -s "$tmp/jcheck" ]
check "--json prints one object matching the text summary" $? "rc $rc $(head -3 "$tmp/jcheck")"
cat >"$tmp/bad.q" <<RECIPE
import "$PWD/recipes/demo.q";
calibrate { data image = "$tmp/none_*.npy"; }
export { dir "$tmp/bad"; }
RECIPE
"$QRC" build --json "$tmp/bad.q" >"$tmp/b.out" 2>/dev/null
rc=$?
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (j.ok || j.exit_status !== 3 || !/no file matches/.test(j.error)) throw new Error(JSON.stringify(j));' \
    "$tmp/b.out" 2>"$tmp/jcheck"
[ $rc -eq 3 ] && [ ! -s "$tmp/jcheck" ]
check "--json on a failing build: ok false, exit status 3, the error" $? "$(head -3 "$tmp/jcheck")"
"$QRC" build --json /nonexistent/r.q >"$tmp/n.out" 2>/dev/null
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (j.ok) throw 1;' "$tmp/n.out"
check "--json on an unreadable recipe still prints an object" $? "$(cat "$tmp/n.out")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
