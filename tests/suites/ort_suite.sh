# ort_suite.sh — sourced (not run) by the suites that count checks and need ONNX Runtime: moves to the
# repository root, sets BUILD and qrc, defines ok / bad (counted into passed / failed), and ends the
# suite as one failure when node or onnxruntime-node is missing (`make deps` installs them).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
qrc=$BUILD/qrc
passed=0 failed=0
ok()  { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
if ! command -v node >/dev/null || [ ! -d tests/ort/node_modules/onnxruntime-node ]; then
    echo "node or tests/ort/node_modules/onnxruntime-node missing: run make deps"
    echo "0 passed, 1 failed"; exit 1
fi
