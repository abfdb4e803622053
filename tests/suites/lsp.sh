#!/usr/bin/env bash
# qrc lsp over pipes: a scripted client (tests/lsp/test_lsp.py) checks the protocol, diagnostics, completion,
# hover, definition, formatting, symbols and bad input; the editor grammars (tests/lsp/test_grammars.py);
# then headless Neovim checks a real editor's view.
# One closing line counts both.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
pass=0 fail=0
# Runs a Python check script and adds the counts of its closing line (the line itself is not repeated,
# so that the suite's last count line is the total).
run_py() {
    local out p f
    out=$(/usr/bin/python3 "$@" 2>&1)
    sed '$d' <<<"$out"
    read -r p _ f _ <<<"$(tail -1 <<<"$out")"
    if [[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]]; then
        pass=$((pass + p)) fail=$((fail + f))
    else
        echo "FAIL $1 did not finish: $(tail -1 <<<"$out")"; fail=$((fail + 1))
    fi
}
run_py tests/lsp/test_lsp.py "$BUILD/qrc"
run_py tests/lsp/test_grammars.py

# A real editor: headless Neovim with its built-in client (skipped with a failure if nvim is missing).
ok() { echo "ok   nvim: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL nvim: $1"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
model=$(realpath recipes/models/fmnist_cnn.onnx)
cat >"$tmp/broken.q" <<Q
model "$model";

calibrate {
  data image = "calib.npy";
  sampels 512;
}
Q
if ! command -v nvim >/dev/null; then
  bad "nvim is not installed (make deps installs neovim)"
else
  # the README's Neovim setup, pointed at this checkout
  awk '/^```lua$/ {f = 1; next} /^```$/ {f = 0} f' README.md |
    sed "s|/path/to/qrc|$PWD|; s|\"qrc\", \"lsp\"|\"$(realpath "$BUILD/qrc")\", \"lsp\"|" >"$tmp/init.lua"
  (cd "$tmp" && OUT="$tmp/report" timeout 60 \
     nvim --headless -u "$tmp/init.lua" -n -c "luafile $OLDPWD/tests/lsp/nvim_check.lua" broken.q >/dev/null 2>&1)
  cat "$tmp/report" 2>/dev/null | sed 's/^/    /'
  grep -qx "filetype=qrc" "$tmp/report" && ok "the README's setup detects *.q as qrc" || bad "filetype not detected"
  grep -qx "broken 4:2-4:9 severity=1 unknown key 'sampels' in 'calibrate' | hint: did you mean 'samples'?" "$tmp/report" \
    && ok "vim.diagnostic.get() has the error at line 5, columns 3-9" || bad "the error is not in vim.diagnostic.get()"
  grep -qx "broken count=1" "$tmp/report" && ok "exactly one diagnostic" || bad "diagnostic count"
  grep -qx "fixed count=0" "$tmp/report" && ok "fixing the line in the buffer clears it" || bad "diagnostics not cleared"
fi
echo "$pass passed, $fail failed"
