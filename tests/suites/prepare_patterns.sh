#!/usr/bin/env bash
# Prepare on small models built for one pattern each (tests/tools/pattern_models.c): functional ops and
# a reused module with a shared weight, an If on a bool input, BatchNorms that fold forward and ones
# that cannot fold, a decomposed LayerNorm and GELU, and the units other exporters write out op by op
# (HardSwish, Swish, GELU tanh, Mish, RMSNorm at opset 9). For each, `qrc check --save` prepares it, and the
# prepared model must give the original's outputs (1e-5 absolute + relative) in qrc's runtime (`qrc
# run`) and in ONNX Runtime; the check report must show the rewrite the pattern is about.
# Ends with "N passed, N failed".
# shellcheck source=tests/suites/ort_suite.sh
. "$(dirname "$0")/ort_suite.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$BUILD/tools/pattern_models" "$tmp" || { echo "0 passed, 1 failed"; exit 1; }

inputs() { # inputs MODEL [SKIP]: --input name=file for each input file written for it, but SKIP
    local f
    for f in "$tmp/$1".*.npy; do
        local n=${f#"$tmp/$1".}
        n=${n%.npy}
        [ "$n" = "${2:-}" ] || echo "--input $n=$f"
    done
}

# pattern NAME MODEL "GREP" [qrc check options...]: prepare, compare in both runtimes, look for GREP.
# An input bound by --concrete NAME=... is not given to the prepared model.
pattern() {
    local name=$1 m=$2 want=$3; shift 3
    local out ins pins bound=""
    [ "${1:-}" = --concrete ] && bound=${2%%=*}
    ins=$(inputs "$m")
    pins=$(inputs "$m" "$bound")
    if ! out=$("$qrc" check "$tmp/$m.onnx" --save "$tmp/$name.prep.onnx" "$@" 2>&1); then
        bad "$name: qrc check failed"; sed 's/^/    /' <<<"$out" | tail -8; return
    fi
    grep -qE "$want" <<<"$out" && ok || { bad "$name: report lacks /$want/"; sed 's/^/    /' <<<"$out" | tail -30; }
    # shellcheck disable=SC2086
    for rt in qrc ort; do
        local a=$tmp/$name.$rt.orig.npy b=$tmp/$name.$rt.prep.npy
        if [ $rt = qrc ]; then
            "$qrc" run "$tmp/$m.onnx" $ins --output "$a" >/dev/null 2>&1 &&
            "$qrc" run "$tmp/$name.prep.onnx" $pins --output "$b" >"$tmp/err" 2>&1
        else
            node tests/ort/run.js "$tmp/$m.onnx" $ins --output "$a" --threads 1 >/dev/null 2>&1 &&
            node tests/ort/run.js "$tmp/$name.prep.onnx" $pins --output "$b" --threads 1 >"$tmp/err" 2>&1
        fi
        if [ $? -ne 0 ]; then bad "$name: $rt could not run"; tail -3 "$tmp/err"; continue; fi
        if out=$(node tests/ort/compare.js "$b" "$a" --atol 1e-5 --rtol 1e-5 --name "$name/$rt" 2>&1); then
            ok; echo "$out"
        else
            bad "$name/$rt: outputs differ"; echo "$out"
        fi
    done
}

pattern reused reused "module 'pool' is called 2 times.*|shared_weight|'conv.weight' is read by 2 nodes"
pattern if_bound if_bool "else_branch inlined" --concrete flag=false
pattern if_jit if_bool "then_branch is never taken" --method jit --example "x=$tmp/if_bool.x.npy" \
    --example "flag=$tmp/if_bool.flag.npy"
pattern bn_forward bn_forward "folded into '/fc/Gemm'"
pattern bn_stuck bn_stuck "BatchNorm '/bn/BatchNormalization' stays: .*pads"
pattern layernorm layernorm "LayerNorm: /ln/ReduceMean .. /ln/Add_1"
pattern units units "RMSNorm: 1 unit: norm"
# Every unit of that model is found, each one module with one line among the functional ops.
out=$("$qrc" check "$tmp/units.onnx" 2>&1)
for want in "HardSwish: 2 units: hardswish, hardswish_1" "Swish: 1 unit: swish" "GELU: 1 unit: gelu" \
    "Mish: 1 unit: mish" "GELU: p2o.Pow.0 .. p2o.Mul.7, 8 ops fused into one unit 'gelu'" \
    "functional ops\): 5 items"; do
    grep -qE "$want" <<<"$out" && ok || bad "units: report lacks /$want/"
done

# The prepared If model has no If left, and the reused model's second call has its own weight.
"$qrc" check "$tmp/if_bool.onnx" --concrete flag=true --save "$tmp/t.onnx" >/dev/null 2>&1
if node -e 'const o=require(process.cwd()+"/tests/ort/node_modules/onnxruntime-node");o.InferenceSession.create(process.argv[1]).then(s=>{process.exit(s.inputNames.includes("flag")?1:0)})' "$tmp/t.onnx"; then ok; else bad "bound input still an input"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
