#!/usr/bin/env bash
# ONNX backend test data through qrc's loader and kernels: every test whose ops are all supported
# must pass. Prints the runner's report, ending in "conformance: N passed, N failed, N skipped".
set -u
BUILD=${BUILD:-build}
data=/usr/share/libonnx-testdata/data
if [ ! -d "$data" ]; then
    echo "conformance: $data is missing (make deps installs libonnx-testdata)"
    echo "conformance: 0 passed, 1 failed"
    exit 1
fi
exec "$BUILD/tools/conformance" "$data"
