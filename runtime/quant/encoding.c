/* encoding.c — integer encodings (scale, offset, nudged range) from a min/max or a chosen grid. */
#include <math.h>
#include <string.h>

#include "quant.h"

const char *quant_format_symmetry_name(const quant_format *f)
{
    if (!f->symmetric)
        return "asymmetric";
    return f->strict ? "strict_symmetric" : "symmetric";
}

int quant_format_check(const quant_format *f, qrc_err *e)
{
    if (f->kind == QUANT_FLOAT) {
        if (f->bitwidth != 16)
            return err_set(e, "float quantization supports bitwidth 16 only, not %d", f->bitwidth);
        return 0;
    }
    if (f->kind != QUANT_INT)
        return err_set(e, "unknown quantization kind %d", (int)f->kind);
    if (f->bitwidth < QUANT_MIN_BITWIDTH || f->bitwidth > QUANT_MAX_BITWIDTH)
        return err_set(e, "bitwidth %d is outside %d..%d", f->bitwidth, QUANT_MIN_BITWIDTH, QUANT_MAX_BITWIDTH);
    return 0;
}

int32_t quant_format_steps(const quant_format *f)
{
    int32_t steps = (int32_t)((1u << f->bitwidth) - 1u);
    return f->symmetric && f->strict ? steps - 1 : steps;
}

/* Fills min/max from scale/offset; both derive from the float scale the simulation uses. */
static void set_grid(quant_encoding *q, const quant_format *f, float scale, int32_t offset)
{
    memset(q, 0, sizeof *q); /* padding too: encodings are compared and hashed as bytes */
    q->kind = QUANT_INT;
    q->bitwidth = f->bitwidth;
    q->symmetric = f->symmetric;
    q->strict = f->symmetric && f->strict;
    q->scale = scale;
    q->offset = offset;
    q->min = (float)((double)scale * offset);
    q->max = (float)((double)scale * (offset + quant_format_steps(f)));
}

static void set_float(quant_encoding *q, const quant_format *f)
{
    memset(q, 0, sizeof *q);
    q->kind = QUANT_FLOAT;
    q->bitwidth = f->bitwidth;
}

int quant_encoding_from_range(const quant_format *f, double min, double max, quant_encoding *out, qrc_err *e)
{
    if (quant_format_check(f, e))
        return -1;
    if (f->kind == QUANT_FLOAT) {
        set_float(out, f);
        return 0;
    }
    if (!isfinite(min) || !isfinite(max))
        return err_set(e, "encoding range [%g, %g] is not finite", min, max);
    if (min > max)
        return err_set(e, "encoding range [%g, %g] has min > max", min, max);
    /* 0 must be representable, and a degenerate range (dead channel, constant tensor) still gets a
     * usable grid. */
    min = fmin(min, 0.0);
    max = fmax(max, 0.0);
    max = fmax(max, min + QUANT_MIN_RANGE);

    double steps = quant_format_steps(f);
    double scale;
    int32_t offset;
    bool signed_sym = f->symmetric && (min < 0.0 || !f->unsigned_sym);
    if (signed_sym) {
        double absmax = fmax(fabs(min), fabs(max));
        double positive = floor(steps / 2);
        scale = absmax / positive;
        offset = -(int32_t)ceil(steps / 2);
    } else {
        /* Asymmetric, and unsigned symmetric on non-negative data (min == 0 then). */
        scale = (max - min) / steps;
        if (min < 0.0 && max > 0.0) {
            double zero = round(-min / scale);
            offset = -(int32_t)fmin(steps, fmax(0.0, zero));
        } else {
            offset = (int32_t)round(min / scale);
        }
    }
    set_grid(out, f, (float)scale, offset);
    return 0;
}

int quant_encoding_from_scale_offset(const quant_format *f, double scale, int32_t offset, quant_encoding *out,
                                     qrc_err *e)
{
    if (quant_format_check(f, e))
        return -1;
    if (f->kind == QUANT_FLOAT) {
        set_float(out, f);
        return 0;
    }
    if (!(scale > 0.0) || !isfinite(scale) || !((float)scale > 0.0f))
        return err_set(e, "encoding scale %g is not a positive finite float", scale);
    int32_t steps = quant_format_steps(f);
    if (offset > 0)
        offset = 0;
    if (offset < -steps)
        offset = -steps;
    set_grid(out, f, (float)scale, offset);
    return 0;
}
