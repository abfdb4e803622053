/* quantizers.c — validation of a quantizer list against the graph it describes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "export.h"

void export_quant_set_free(export_quant_set *s)
{
    if (!s)
        return;
    free(s->q);
    arena_free(&s->mem);
    free(s);
}

/* One encoding: the arithmetic of quant.h holds for it. */
static int check_encoding(const char *tname, int ch, const quant_encoding *q, qrc_err *e)
{
    if (q->kind == QUANT_FLOAT) {
        if (q->bitwidth != 16)
            return err_set(e, "tensor '%s': float encoding of bitwidth %d (only 16 is supported)", tname,
                           q->bitwidth);
        return 0;
    }
    if (q->kind != QUANT_INT)
        return err_set(e, "tensor '%s': unknown encoding kind %d", tname, (int)q->kind);
    if (q->bitwidth < QUANT_MIN_BITWIDTH || q->bitwidth > QUANT_MAX_BITWIDTH)
        return err_set(e, "tensor '%s' channel %d: bitwidth %d is outside %d..%d", tname, ch, q->bitwidth,
                       QUANT_MIN_BITWIDTH, QUANT_MAX_BITWIDTH);
    if (!isfinite(q->scale) || !(q->scale > 0.0f))
        return err_set(e, "tensor '%s' channel %d: scale %g is not a positive finite number", tname, ch,
                       (double)q->scale);
    int32_t full = (int32_t)((1u << q->bitwidth) - 1u);
    if (q->offset > 0 || q->offset < -full)
        return err_set(e, "tensor '%s' channel %d: offset %d is outside [%d, 0] for %d bits", tname, ch,
                       (int)q->offset, (int)-full, q->bitwidth);
    if (q->symmetric) {
        int32_t half = (int32_t)(1u << (q->bitwidth - 1));
        bool ok = q->strict ? q->offset == -(half - 1) : (q->offset == -half || q->offset == 0);
        if (!ok)
            return err_set(e, "tensor '%s' channel %d: symmetric %d-bit encoding with offset %d", tname, ch,
                           q->bitwidth, (int)q->offset);
    }
    if (!isfinite(q->min) || !isfinite(q->max) || q->min > q->max)
        return err_set(e, "tensor '%s' channel %d: range [%g, %g] is not valid", tname, ch, (double)q->min,
                       (double)q->max);
    double lo = (double)q->scale * q->offset;
    double tol = 0.5 * q->scale + 1e-6 * fmax(fabs(q->min), fabs(q->max));
    if (fabs(lo - q->min) > tol)
        return err_set(e, "tensor '%s' channel %d: min %g does not match scale %g x offset %d", tname, ch,
                       (double)q->min, (double)q->scale, (int)q->offset);
    double hi = (double)q->scale * (q->offset + (q->strict ? full - 1 : full));
    if (fabs(hi - q->max) > tol)
        return err_set(e, "tensor '%s' channel %d: max %g does not match scale %g x (offset %d + steps)", tname,
                       ch, (double)q->max, (double)q->scale, (int)q->offset);
    return 0;
}

static int check_one(const graph *g, const export_quantizer *x, qrc_err *e)
{
    if (!x->tensor || !*x->tensor)
        return err_set(e, "a quantizer has no tensor name");
    if (x->n_encs < 1 || !x->encs)
        return err_set(e, "tensor '%s': quantizer has no encodings", x->tensor);
    if (x->axis < 0 && x->n_encs != 1)
        return err_set(e, "tensor '%s': per-tensor quantizer with %d encodings", x->tensor, x->n_encs);
    for (int c = 0; c < x->n_encs; c++) {
        if (check_encoding(x->tensor, c, &x->encs[c], e))
            return -1;
        const quant_encoding *a = &x->encs[0], *b = &x->encs[c];
        if (a->kind != b->kind || a->bitwidth != b->bitwidth || a->symmetric != b->symmetric)
            return err_set(e, "tensor '%s': channel %d differs from channel 0 in kind, bitwidth or symmetry",
                           x->tensor, c);
    }
    if (!g)
        return 0;
    int v = graph_find_value(g, x->tensor);
    if (v < 0)
        return err_set(e, "tensor '%s' is not in the model", x->tensor);
    const graph_value *gv = &g->values[v];
    if (x->is_param && !gv->init)
        return err_set(e, "tensor '%s' is listed as a parameter but is not an initializer of the model", x->tensor);
    const tensor *t = gv->init;
    int rank = t ? t->rank : gv->rank;
    const int64_t *dims = t ? t->dims : gv->dims;
    if (x->axis >= 0) {
        if (rank >= 0 && x->axis >= rank)
            return err_set(e, "tensor '%s': channel axis %d but the tensor has rank %d", x->tensor, x->axis, rank);
        if (rank >= 0 && dims[x->axis] >= 0 && dims[x->axis] != x->n_encs)
            return err_set(e, "tensor '%s': %d channel encodings but the tensor has %lld channels along axis %d",
                           x->tensor, x->n_encs, (long long)dims[x->axis], x->axis);
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Fails naming a tensor that two quantizers claim. */
static int check_unique(const export_quantizer *q, int n, qrc_err *e)
{
    if (n <= 1)
        return 0;
    const char **names = mem_grow(NULL, (size_t)n, sizeof *names);
    for (int i = 0; i < n; i++)
        names[i] = q[i].tensor;
    qsort(names, (size_t)n, sizeof *names, cmp_names);
    for (int i = 1; i < n; i++)
        if (!strcmp(names[i - 1], names[i])) {
            err_set(e, "tensor '%s' has more than one quantizer", names[i]);
            free(names);
            return -1;
        }
    free(names);
    return 0;
}

int export_quantizers_check(const graph *g, const export_quantizer *q, int n, qrc_err *e)
{
    for (int i = 0; i < n; i++)
        if (check_one(g, &q[i], e))
            return -1;
    return check_unique(q, n, e);
}
