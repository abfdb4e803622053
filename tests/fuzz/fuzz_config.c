/* fuzz_config — libFuzzer target for the AIMET quantsim config reader: parse the input as a config JSON
 * and look up an op in it. Built and run by `make fuzz`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quant.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char *text = malloc(n + 1);
    if (!text)
        return 0;
    memcpy(text, data, n);
    text[n] = 0;
    qrc_err e;
    quant_config *c = quant_config_parse(text, "fuzz.json", &e);
    if (c) {
        quant_config_op_find(c, "Conv");
        quant_config_free(c);
    }
    free(text);
    return 0;
}
