/* registry.c — every prepare pass by name, in the order a full prepare runs them. */
#include <string.h>

#include "pass.h"

const pass_def pass_table[] = {
    {"bind", pass_bind, "replace inputs by concrete values, pin symbolic dims, fold what became constant"},
    {"trace", pass_trace, "decide data-dependent If nodes by running the example inputs (jit)"},
    {"fold", pass_fold, "constant folding, Identity and inference Dropout removal, dead nodes"},
    {"name", pass_name, "a module identity for every op; functional ops get stable names"},
    {"unshare", pass_unshare, "reused modules and shared weights become independent instances"},
    {"strip", pass_strip, "pre- and post-processing outside [start -> end] stays in float"},
    {"fold_bn", pass_fold_bn, "fold BatchNormalization into the neighbouring Conv / Gemm / MatMul"},
    {"fuse", pass_fuse, "decomposed units (HardSwish, GELU, LayerNorm, ...) and supergroups (Conv+Relu, ...)"},
    {"exclude", pass_exclude, "resolve excluded modules and op classes"},
};
const int pass_table_count = sizeof pass_table / sizeof *pass_table;

const pass_def *pass_find(const char *name)
{
    for (int i = 0; i < pass_table_count; i++)
        if (!strcmp(pass_table[i].name, name))
            return &pass_table[i];
    return NULL;
}

pass_opts pass_opts_default(void)
{
    pass_opts o;
    memset(&o, 0, sizeof o);
    o.fold_forward_bn = true;
    o.inline_if = true;
    return o;
}
