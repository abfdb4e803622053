#!/usr/bin/env bash
# qrc lsp over pipes: a scripted client (tests/lsp/test_lsp.py) checks the protocol, diagnostics, completion,
# hover, definition, formatting, symbols and bad input; then headless Neovim checks a real editor's view.
set -u
BUILD=${BUILD:-build}
cd "$(dirname "$0")/../.."
/usr/bin/python3 tests/lsp/test_lsp.py "$BUILD/qrc"
