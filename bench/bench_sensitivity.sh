#!/usr/bin/env bash
# Sensitivity ranking (`most_sensitive P%` rules): what the local ranking costs against one calibration
# pass, and how close it comes to the exhaustive ranking (each op quantized alone, the model's output
# measured) on the Fashion-MNIST models; then its cost on the 640x640 PP-OCRv4 detector, where the
# exhaustive ranking is out of reach, and the detector's peak memory calibrating against float inference
# at the same batch. Times are the report's `timings`: `sensitivity` is the ranking alone,
# one calibration pass is (calibrate - sensitivity) / 2 because a ranking build calibrates twice.
# Prints a Markdown section on stdout; progress on stderr. Environment: BUILD (default build),
# DET_PAGES (detector calibration pages, default 8, batch 2), SKIP_DET=1 to leave the detector out,
# FMNIST_MODELS (default "cnn resnet vit"; empty for none).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
QRC=$PWD/$BUILD/qrc
DET_PAGES=${DET_PAGES:-8}
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$QRC" ] || { echo "bench_sensitivity: $QRC not built" >&2; exit 1; }

fmnist() { # MODEL HOW
    local m=$1 how=$2 method=symbolic
    cat >"$tmp/${m}_$how.q" <<EOF
import "$PWD/recipes/base/w8a8.q";
model "$PWD/recipes/models/fmnist_$m.onnx" { input image: float32[N, 1, 28, 28]; }
prepare { method $method; }
qconfig { most_sensitive 10%: act int16; }
quantsim { sensitivity $how; }
export { dir "$tmp/${m}_$how"; prefix "m"; artifacts report; }
EOF
    echo "bench_sensitivity: fmnist_$m, $how ranking" >&2
    "$QRC" build --quiet "$tmp/${m}_$how.q" >"$tmp/${m}_$how.log" 2>&1 || { cat "$tmp/${m}_$how.log" >&2; exit 1; }
}

echo "## Sensitivity ranking"
echo
echo "\`bench/bench_sensitivity.sh\`: \`most_sensitive 10%: act int16\` over the w8a8 base recipe (512 calibration"
echo "images in batches of 32, ranking on the first 4 batches, 2,000 test images). Agreement of the local"
echo "ranking with the exhaustive one: Spearman's rho over all ranked ops, and how many of the exhaustive top 10 %"
echo "the local top 10 % holds."
echo
echo "| model | ops | local ranking / one calibration pass | exhaustive / one pass | Spearman rho | top 10 % shared | top-1 vs float: local / exhaustive |"
echo "|---|---|---|---|---|---|---|"
for m in ${FMNIST_MODELS-cnn resnet vit}; do
    fmnist $m local
    fmnist $m exhaustive
    $PY - "$tmp/${m}_local/m.report.json" "$tmp/${m}_exhaustive/m.report.json" "fmnist_$m" <<'PYEOF'
import json, math, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ra = [x["op"] for x in a["sensitivity"]]; rb = [x["op"] for x in b["sensitivity"]]
n = len(ra); pa = {o: i for i, o in enumerate(ra)}
rho = 1 - 6 * sum((pa[o] - i) ** 2 for i, o in enumerate(rb)) / (n * (n * n - 1))
k = max(1, math.ceil(0.1 * n))
shared = len(set(ra[:k]) & set(rb[:k]))
def ratio(r):
    t = r["timings"]; one = (t["calibrate"] - t["sensitivity"]) / 2
    return t["sensitivity"] / one
def loss(r):
    e = r["evaluation"]; return "%+.2f" % (100 * (e["quant_top1"] - e["float_top1"]))
print("| %s | %d | %.2fx | %.1fx | %.2f | %d of %d | %s / %s |" % (sys.argv[3], n, ratio(a), ratio(b), rho, shared, k,
      loss(a), loss(b)))
PYEOF
done

[ "${SKIP_DET:-0}" = 1 ] && exit 0
models=$(tests/models/fetch_ocr.sh 2>/dev/null) || { echo; echo "(detector left out: the OCR models are not available)"; exit 0; }
echo "bench_sensitivity: rendering $DET_PAGES detector pages" >&2
$PY tests/models/ocr_lines.py "$models/ppocr_keys_v1.txt" "$tmp" calib 1 $((DET_PAGES * 4)) --det 640 >&2
cat >"$tmp/det.q" <<EOF
model "$models/ch_PP-OCRv4_det_infer.onnx" { input x: float32[N, 3, 640, 640]; }
qconfig { most_sensitive 10%: act int16; }
calibrate { data x = "$tmp/calib_det.npy"; samples $DET_PAGES; batch 2; }
export { dir "$tmp/det"; prefix "m"; artifacts report; }
EOF
echo "bench_sensitivity: detector, local ranking" >&2
/usr/bin/time -v "$QRC" build --quiet "$tmp/det.q" >"$tmp/det.log" 2>"$tmp/det.err" || { cat "$tmp/det.log" "$tmp/det.err" >&2; exit 1; }
# Peak memory at batch 2: float inference of two pages, and a calibration without ranking.
"$BUILD/tools/npy_rows" slice "$tmp/calib_det.npy" 0 2 "$tmp/two.npy" >&2
/usr/bin/time -v "$QRC" run "$models/ch_PP-OCRv4_det_infer.onnx" --input "x=$tmp/two.npy" --output "$tmp/y.npy" \
    >/dev/null 2>"$tmp/run.err" || { cat "$tmp/run.err" >&2; exit 1; }
sed -e 's/^qconfig.*//' -e "s|$tmp/det\"|$tmp/cal\"|" "$tmp/det.q" >"$tmp/cal.q"
/usr/bin/time -v "$QRC" build --quiet "$tmp/cal.q" >/dev/null 2>"$tmp/cal.err" || { cat "$tmp/cal.err" >&2; exit 1; }
rss() { awk -F: '/Maximum resident/ {print $2 + 0}' "$1"; }
$PY - "$tmp/det/m.report.json" "$DET_PAGES" "$(rss "$tmp/det.err")" "$(rss "$tmp/run.err")" "$(rss "$tmp/cal.err")" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1])); t = r["timings"]; one = (t["calibrate"] - t["sensitivity"]) / 2
ranked, run, cal = (int(x) / 1024 for x in sys.argv[3:6])
print()
print("PP-OCRv4 detector, 640x640, %s calibration pages in batches of 2 (ranking on the first 4 batches): "
      "%d ops ranked locally in %.1f s, one calibration pass %.1f s (%.2fx). Peak RSS (`/usr/bin/time -v`): "
      "float inference of 2 pages (`qrc run`) %.0f MiB, a calibrating build %.0f MiB (%.2fx), with the ranking "
      "%.0f MiB (%.2fx)." % (sys.argv[2], len(r["sensitivity"]), t["sensitivity"], one, t["sensitivity"] / one,
                             run, cal, cal / run, ranked, ranked / run))
PYEOF
