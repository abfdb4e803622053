#!/usr/bin/env bash
# Load/save round trip of every model in recipes/models: ONNX Runtime must load the saved model and
# give bit-identical outputs on the same inputs.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for m in recipes/models/*.onnx; do
    out="$tmp/$(basename "$m")"
    if "$BUILD/tools/onnx_roundtrip" "$m" "$out" && node tests/ort/same_outputs.js "$m" "$out" >/dev/null; then
        pass=$((pass + 1))
    else
        echo "FAIL round trip $m"
        fail=$((fail + 1))
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
