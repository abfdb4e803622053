#!/usr/bin/env bash
# Golden tests of `qrc check`: the text and JSON reports for the models in recipes/models (as exported,
# with the batch pinned, with exclusions that match nothing; from options and from recipes), and the
# exit statuses.
# UPDATE_GOLDEN=1 rewrites the golden files. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
qrc=$BUILD/qrc
gold=tests/golden/check
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

golden() { # golden NAME WANT_STATUS qrc-check-args...
    local name=$1 want=$2; shift 2
    "$qrc" check "$@" --json "$tmp/$name.json" >"$tmp/$name.txt" 2>&1
    local rc=$?
    [ "$rc" -eq "$want" ] && ok || bad "$name: exit $rc, wanted $want"
    for ext in txt json; do
        if [ -n "${UPDATE_GOLDEN:-}" ]; then
            if [ -f "$tmp/$name.$ext" ]; then cp "$tmp/$name.$ext" "$gold/$name.$ext"; else rm -f "$gold/$name.$ext"; fi
        fi
        # no report at all (a recipe that does not compile): there must be no golden one either
        if [ ! -f "$tmp/$name.$ext" ] && [ ! -f "$gold/$name.$ext" ]; then ok; continue; fi
        if diff -u "$gold/$name.$ext" "$tmp/$name.$ext" >"$tmp/diff" 2>&1; then ok; else
            bad "$name.$ext differs from $gold/$name.$ext"; head -20 "$tmp/diff"
        fi
    done
}

for m in fmnist_cnn fmnist_resnet fmnist_vit; do
    golden "$m" 0 "recipes/models/$m.onnx"
done
golden fmnist_vit.pinned 0 recipes/models/fmnist_vit.onnx --concrete N=1 --exclude-op Softmax --exclude head
golden fmnist_resnet.bad_selectors 1 recipes/models/fmnist_resnet.onnx --exclude layer1.0.cnov1 \
    --exclude-re 'layer3\.1\.conv[0-9]+x' --exclude-op BatchNorm
golden fmnist_cnn.missing_input 1 recipes/models/fmnist_cnn.onnx --concrete use_aux=0
# The same from recipes: exclusions, the quantized region, a pinned batch, jit examples from calibrate.
golden resnet_exclude.recipe 1 --recipe tests/golden/check/resnet_exclude.q
golden vit_jit_strip.recipe 0 --recipe tests/golden/check/vit_jit_strip.q
golden bad_recipe.recipe 1 --recipe tests/golden/check/bad_recipe.q

# Suggestions paste: a model whose symbolic dims have dots (made by tests/tools/pattern_models), its
# report against the golden one, and every `code` of its fix: lines written into a recipe that compiles.
mkdir -p "$tmp/fx"
"$BUILD/tools/pattern_models" "$tmp/fx" || bad "pattern_models failed"
(cd "$tmp/fx" && "$OLDPWD/$qrc" check dotted_dims.onnx) >"$tmp/dotted_dims.txt" 2>&1
[ -n "${UPDATE_GOLDEN:-}" ] && cp "$tmp/dotted_dims.txt" "$gold/dotted_dims.txt"
if diff -u "$gold/dotted_dims.txt" "$tmp/dotted_dims.txt" >"$tmp/diff" 2>&1; then ok; else
    bad "dotted_dims.txt differs from $gold/dotted_dims.txt"; head -20 "$tmp/diff"
fi
pasted=$(grep -E '^ +fix: ' "$tmp/dotted_dims.txt" | grep -o '`[^`]*`' | tr -d '`' | sed 's/<size>/8/g')
[ "$(grep -c 'concrete' <<<"$pasted")" -ge 1 ] && ok || bad "dotted_dims: no fix to paste"
printf 'model "dotted_dims.onnx";\nprepare {\n%s\n}\ncalibrate { data x = "c.npy"; }\n' "$pasted" >"$tmp/fx/pasted.q"
if "$qrc" compile "$tmp/fx/pasted.q" >"$tmp/out" 2>&1; then ok; else
    bad "the pasted fixes do not compile:"; cat "$tmp/fx/pasted.q" "$tmp/out"
fi
# ... and the model prepared with that recipe has no dynamic dims left.
"$qrc" check --recipe "$tmp/fx/pasted.q" --save "$tmp/fx/pinned.onnx" >/dev/null 2>&1
if "$qrc" check "$tmp/fx/pinned.onnx" 2>&1 | grep -q '^\[ok\] Dynamic shapes: 0 items'; then ok; else
    bad "the pasted fixes leave dynamic dims"; "$qrc" check "$tmp/fx/pinned.onnx" 2>&1 | sed -n 1,20p
fi

# Exit statuses: unreadable model 3, bad usage 2, the JSON parses and agrees with the exit status.
printf 'not a model' >"$tmp/bad.onnx"
"$qrc" check "$tmp/bad.onnx" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 3 ] && ok || bad "unreadable model: exit $rc, wanted 3"
"$qrc" check >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok || bad "no model: exit $rc, wanted 2"
"$qrc" check recipes/models/fmnist_cnn.onnx --method fast >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && ok || bad "unknown method: exit $rc, wanted 2"
if command -v node >/dev/null; then
    st=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).status)' \
         "$tmp/fmnist_resnet.bad_selectors.json" 2>&1)
    [ "$st" = fail ] && ok || bad "JSON status: $st"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
