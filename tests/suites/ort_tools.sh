#!/usr/bin/env bash
# Checks the ONNX Runtime harness itself (tests/ort): the .npy reader/writer, that ONNX Runtime
# still reproduces the committed reference outputs, that --batch splitting is exact, and that
# compare.js catches each kind of disagreement. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
passed=0 failed=0
ok()   { passed=$((passed + 1)); }
bad()  { failed=$((failed + 1)); echo "FAIL $*"; }
expect() { # expect STATUS NAME CMD...: CMD must exit with STATUS
    local want=$1 name=$2; shift 2
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "$name (exit $rc, wanted $want)"; sed 's/^/    /' <<<"$out" | tail -5; fi
}

if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref=tests/models/ort_ref

# .npy reader/writer.
out=$(node tests/ort/selftest.js 2>&1); rc=$?
p=$(sed -nE 's/^npy: ([0-9]+) passed, ([0-9]+) failed$/\1/p' <<<"$out")
f=$(sed -nE 's/^npy: ([0-9]+) passed, ([0-9]+) failed$/\2/p' <<<"$out")
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))
[ "$rc" -eq 0 ] || echo "$out"

# ONNX Runtime reproduces the committed references, with 2 threads and in chunks of 16.
for m in fmnist_cnn fmnist_resnet fmnist_vit; do
    expect 0 "run $m" node tests/ort/run.js recipes/models/$m.onnx --input image=$ref/input_64.npy \
        --output "$tmp/$m.npy" --threads 2 --batch 16
    expect 0 "ORT reproduces $m reference" node tests/ort/compare.js "$tmp/$m.npy" $ref/$m.logits.npy \
        --max-abs 1e-4 --min-top1 100
done
expect 0 "run fmnist_cnn on 2000 images" node tests/ort/run.js recipes/models/fmnist_cnn.onnx \
    --input image=recipes/data/test_2000.npy --output "$tmp/cnn2000.npy" --threads 2 --batch 500
expect 0 "ORT reproduces fmnist_cnn 2000-image reference" node tests/ort/compare.js "$tmp/cnn2000.npy" \
    $ref/fmnist_cnn.test_2000.logits.npy --max-abs 1e-4 --min-top1 100
expect 0 "outdir names files after outputs" test -f "$(node tests/ort/run.js recipes/models/fmnist_cnn.onnx \
    --input $ref/input_64.npy --outdir "$tmp/od" >/dev/null && echo "$tmp/od/logits.npy")"

# Bad invocations fail with a message, not a stack trace.
expect 1 "unknown input name" node tests/ort/run.js recipes/models/fmnist_cnn.onnx --input nope=$ref/input_64.npy
expect 1 "missing model" node tests/ort/run.js "$tmp/none.onnx" --input image=$ref/input_64.npy
expect 2 "bad flag" node tests/ort/run.js recipes/models/fmnist_cnn.onnx --input x.npy --threads 0

# compare.js: each kind of disagreement is caught.
node -e '
const npy = require("./tests/ort/npy");
const a = npy.read(process.argv[1]);
const put = (f, fn) => { const c = { ...a, data: Float32Array.from(a.data) }; fn(c); npy.write(process.argv[2] + "/" + f, c); };
put("same.npy", () => {});
put("tiny.npy", (c) => { c.data[3] += 1e-6; });
put("big.npy", (c) => { c.data[3] += 0.01; });
put("nan.npy", (c) => { c.data[0] = NaN; });
put("flip.npy", (c) => { for (let i = 0; i < 10; i++) c.data[i] = i === 9 ? 100 : -100; c.data[19] = 100; });
npy.write(process.argv[2] + "/shape.npy", npy.sliceRows(a, 0, 8));
' $ref/fmnist_cnn.logits.npy "$tmp" || bad "making compare fixtures"
L=$ref/fmnist_cnn.logits.npy
expect 0 "identical" node tests/ort/compare.js "$tmp/same.npy" $L --max-abs 0 --min-sqnr 200 --min-top1 100
expect 0 "within tolerance" node tests/ort/compare.js "$tmp/tiny.npy" $L --max-abs 1e-5
expect 1 "max abs violated" node tests/ort/compare.js "$tmp/big.npy" $L --max-abs 1e-3
expect 1 "allclose violated" node tests/ort/compare.js "$tmp/big.npy" $L --atol 1e-3 --rtol 1e-4
expect 1 "SQNR violated" node tests/ort/compare.js "$tmp/big.npy" $L --min-sqnr 90
expect 1 "NaN parity" node tests/ort/compare.js "$tmp/nan.npy" $L
expect 1 "shape mismatch" node tests/ort/compare.js "$tmp/shape.npy" $L
expect 1 "top-1 violated" node tests/ort/compare.js "$tmp/flip.npy" $L --min-top1 100
expect 0 "top-1 within 95%" node tests/ort/compare.js "$tmp/flip.npy" $L --min-top1 95
expect 2 "unreadable file" node tests/ort/compare.js "$tmp/none.npy" $L

# Directory mode names the first tensor that disagrees, in the reference's order.
node tests/ort/run.js recipes/models/fmnist_cnn.onnx --input image=$ref/input_64.npy --dump "$tmp/d1" >/dev/null 2>&1 \
    && cp -r "$tmp/d1" "$tmp/d2" || bad "dump intermediates"
third=$(sed -n 3p "$tmp/d1/order.txt" | cut -f1)
node -e 'const npy = require("./tests/ort/npy"); const a = npy.read(process.argv[1]); a.data[0] += 1; npy.write(process.argv[1], a);' "$tmp/d2/$third"
out=$(node tests/ort/compare.js "$tmp/d2" "$tmp/d1" --max-abs 1e-6 2>&1); rc=$?
name=$(sed -n 3p "$tmp/d1/order.txt" | cut -f2)
if [ "$rc" -eq 1 ] && grep -qF "first: $name:" <<<"$out"; then ok; else bad "first disagreeing tensor not named ($name)"; tail -2 <<<"$out"; fi
n=$(wc -l <"$tmp/d1/order.txt")
if [ "$n" -gt 10 ]; then ok; else bad "dump holds only $n tensors"; fi

# interop.js: an exported model against a simulation of it. Agreement passes; on disagreement the
# first intermediate tensor that differs is named.
M=recipes/models/fmnist_cnn.onnx
expect 0 "interop agrees" node tests/ort/interop.js $M --input image=$ref/input_64.npy --sim $L
fifth=$(sed -n 5p "$tmp/d1/order.txt")
node -e '
const npy = require("./tests/ort/npy"), fs = require("fs"), dir = process.argv[1];
for (const l of fs.readFileSync(dir + "/order.txt", "utf8").trim().split("\n").slice(4)) {
  const f = dir + "/" + l.split("\t")[0], a = npy.read(f);
  if (a.dtype !== "float32") continue;
  for (let i = 0; i < a.data.length; i++) a.data[i] += ((i % 7) - 3) * 0.5 * Math.max(1e-3, Math.abs(a.data[i]));
  npy.write(f, a);
}' "$tmp/d1"
out=$(node tests/ort/interop.js $M --input image=$ref/input_64.npy --sim "$tmp/d1/logits.npy" --sim-dump "$tmp/d1" 2>&1); rc=$?
if [ "$rc" -eq 1 ] && grep -qF "first tensor that disagrees: ${fifth#*$'\t'}:" <<<"$out"; then ok; else bad "interop did not name ${fifth#*$'\t'}"; tail -2 <<<"$out"; fi
# A QDQ model (QuantizeLinear/DequantizeLinear, as exported) against its exact simulation.
mkdir -p "$tmp/qdq"
if "$BUILD/tools/quant_qdq_fixture" "$tmp/qdq" >/dev/null 2>&1 && q=$(ls "$tmp"/qdq/int8*.onnx | head -1) && [ -n "$q" ]; then
    c=${q%.onnx}
    expect 0 "interop on a QDQ model" node tests/ort/interop.js "$q" --input "x=${c}_x.npy" --sim "${c}_want.npy"
else
    bad "QDQ fixture for the interop check"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
