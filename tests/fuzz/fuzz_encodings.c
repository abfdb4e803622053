/* fuzz_encodings — libFuzzer target for the encodings JSON reader (versions 0.6.1 and 1.0.0, detected
 * from the document): parse the input alone, then against a small Conv -> Relu -> Flatten -> Gemm model
 * (the export tests' fixture), which checks every entry against the tensor it names. Built and run by
 * `make fuzz`. */
#include <stdint.h>

#include "../unit/export_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    static graph *g;
    if (!g)
        g = fx_graph();
    qrc_err e;
    export_quant_set *s = NULL;
    if (export_encodings_parse((const char *)data, n, "fuzz.encodings", NULL, &s, &e) == 0)
        export_quant_set_free(s);
    s = NULL;
    if (export_encodings_parse((const char *)data, n, "fuzz.encodings", g, &s, &e) == 0)
        export_quant_set_free(s);
    return 0;
}
