#!/usr/bin/env bash
# Latency of the language server: diagnostics after a change and completion on a 1,000-line recipe.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
/usr/bin/python3 tests/lsp/bench_lsp.py "$BUILD/qrc" recipes/models/fmnist_cnn.onnx
