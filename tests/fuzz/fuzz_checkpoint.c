/* fuzz_checkpoint — libFuzzer target for the .qck checkpoint reader. The input is unpacked as it is (magic,
 * version, section table, lengths, trailing SHA-256), and once more with the correct SHA-256 appended, so
 * that mutations get past the hash into the sections (the ONNX model, the encodings, the recipe hash).
 * Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "export.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

static void unpack(const void *p, size_t n)
{
    qrc_err e;
    graph *g = NULL;
    export_quant_set *q = NULL;
    if (export_checkpoint_unpack(p, n, "fuzz.qck", NULL, &g, &q, &e) == 0) {
        export_quant_set_free(q);
        graph_free(g);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    unpack(data, n);
    unsigned char *sealed = malloc(n + 32);
    if (!sealed)
        return 0;
    if (n)
        memcpy(sealed, data, n);
    sha256_digest(data, n, sealed + n);
    unpack(sealed, n + 32);
    free(sealed);
    return 0;
}
