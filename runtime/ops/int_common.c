/* int_common.c — zero points, scales, widening and requantization shared by the integer ops. */
#include "ops/int_ops.h"

#include <math.h>
#include <stdlib.h>

#include "ops/kern.h"

const tensor_dtype kern_dt_q8[] = {DT_INT8, DT_UINT8, DT_UNDEFINED};

int32_t kern_qparam_int(const tensor *t, int64_t i)
{
    if (!t)
        return 0;
    if (tensor_numel(t) == 1)
        i = 0;
    switch (t->dtype) {
    case DT_INT8: return ((const int8_t *)t->data)[i];
    case DT_UINT8: return ((const uint8_t *)t->data)[i];
    case DT_INT32: return ((const int32_t *)t->data)[i];
    default: return 0;
    }
}

float kern_qparam_float(const tensor *t, int64_t i)
{
    return ((const float *)t->data)[tensor_numel(t) == 1 ? 0 : i];
}

int kern_qparam_check(op_ctx *ctx, const tensor *t, int64_t n, const tensor_dtype *dts, const char *what)
{
    if (!t)
        return 0;
    bool ok = false;
    for (const tensor_dtype *d = dts; *d; d++)
        ok |= t->dtype == *d;
    if (!ok)
        return kern_fail(ctx, "%s has dtype %s", what, tensor_dtype_name(t->dtype));
    int64_t k = tensor_numel(t);
    if (t->rank > 1 || (k != 1 && k != n))
        return kern_fail(ctx, "%s has %lld values (rank %d); expected 1 or %lld in a scalar or 1-D tensor", what,
                         (long long)k, t->rank, (long long)n);
    return 0;
}

int kern_q8_operand(op_ctx *ctx, const tensor *t, const char *what)
{
    if (t->dtype != DT_INT8 && t->dtype != DT_UINT8)
        return kern_fail(ctx, "%s has dtype %s; int8 or uint8 expected", what, tensor_dtype_name(t->dtype));
    return 0;
}

int32_t *kern_int_widen(op_ctx *ctx, const tensor *x, const tensor *zp, int64_t channels, int64_t inner)
{
    int64_t n = tensor_numel(x);
    int32_t *out = malloc((size_t)(n ? n : 1) * sizeof *out);
    if (!out) {
        kern_fail(ctx, "out of memory widening %lld values", (long long)n);
        return NULL;
    }
    if (zp && zp->dtype != x->dtype) {
        free(out);
        kern_fail(ctx, "zero point dtype %s differs from its operand's %s", tensor_dtype_name(zp->dtype),
                  tensor_dtype_name(x->dtype));
        return NULL;
    }
    for (int64_t i = 0; i < n; i++)
        out[i] = kern_qparam_int(x, i) - kern_qparam_int(zp, (i / inner) % channels);
    return out;
}

void kern_requant_store(tensor *y, int64_t i, double v, int32_t zp)
{
    double r = nearbyint(v) + zp;   /* the default rounding mode: half to even */
    if (isnan(r))                   /* a NaN scale: a defined result rather than an undefined cast */
        r = zp;
    if (y->dtype == DT_INT8)
        ((int8_t *)y->data)[i] = (int8_t)(r < -128 ? -128 : r > 127 ? 127 : r);
    else
        ((uint8_t *)y->data)[i] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
}
