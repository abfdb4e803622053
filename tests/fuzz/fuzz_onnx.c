/* fuzz_onnx — libFuzzer target for the ONNX model reader: decode the input as a model, infer its shapes
 * and compile it for the executor (every op's check). Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>

#include "exec.h"
#include "infer.h"
#include "onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    graph *g = NULL;
    qrc_err e;
    if (onnx_load_mem(data, n, NULL, &g, &e) == 0) {
        exec *x = NULL;
        if (graph_infer_shapes(g, &e) == 0 && exec_new(g, 1, &x, &e) == 0)
            exec_free(x);
        graph_free(g);
    }
    return 0;
}
