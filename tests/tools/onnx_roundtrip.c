/* onnx_roundtrip — loads a model into the graph IR and saves it again: onnx_roundtrip in.onnx out.onnx */
#include <stdio.h>

#include "onnx.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: onnx_roundtrip in.onnx out.onnx\n");
        return 2;
    }
    qrc_err e;
    graph *g;
    if (onnx_load(argv[1], &g, &e) || onnx_save(g, argv[2], &e)) {
        fprintf(stderr, "onnx_roundtrip: %s\n", e.msg);
        return 1;
    }
    graph_free(g);
    return 0;
}
