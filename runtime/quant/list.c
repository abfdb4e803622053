/* list.c — the human-readable table of quantizers, shared encodings and rule usage. */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"

static void format_name(const quant_format *f, char *buf, size_t n)
{
    snprintf(buf, n, "%s%d", f->kind == QUANT_FLOAT ? "float" : "int", f->bitwidth);
}

static void granularity(const quant_quantizer *q, char *buf, size_t n)
{
    if (q->axis < 0)
        snprintf(buf, n, "per_tensor");
    else
        snprintf(buf, n, "per_channel(axis %d, %d)", q->axis, q->n_channels);
}

static void encoding_text(const quant_quantizer *q, char *buf, size_t n)
{
    if (q->has_constraint && !q->enc) {
        snprintf(buf, n, "fixed [%g, %g]", q->constraint_min, q->constraint_max);
        return;
    }
    if (!q->enc) {
        snprintf(buf, n, "-");
        return;
    }
    const quant_encoding *c = q->enc;
    if (c->kind == QUANT_FLOAT) {
        snprintf(buf, n, "float%d", c->bitwidth);
        return;
    }
    if (q->n_channels == 1) {
        snprintf(buf, n, "scale %.6g offset %d [%.6g, %.6g]", c->scale, c->offset, c->min, c->max);
        return;
    }
    float lo = c[0].scale, hi = c[0].scale;
    for (int i = 1; i < q->n_channels; i++) {
        lo = c[i].scale < lo ? c[i].scale : lo;
        hi = c[i].scale > hi ? c[i].scale : hi;
    }
    snprintf(buf, n, "scales %.6g .. %.6g", lo, hi);
}

static const char *symmetry(const quant_quantizer *q)
{
    if (q->format.kind == QUANT_FLOAT)
        return "-";
    bool all_unsigned = q->format.symmetric && q->enc;
    for (int c = 0; all_unsigned && c < q->n_channels; c++)
        all_unsigned = q->enc[c].offset == 0;
    return all_unsigned ? "unsigned_symmetric" : quant_format_symmetry_name(&q->format);
}

int quant_sim_list(const quant_sim *s, FILE *out, qrc_err *e)
{
    fprintf(out, "%d quantizers\n", s->n_q);
    fprintf(out, "%-4s %-40s %-10s %-7s %-18s %-26s %-17s %-30s %s\n", "#", "tensor", "role", "format", "symmetry",
            "granularity", "scheme", "decided by", "encoding");
    for (int i = 0; i < s->n_q; i++) {
        const quant_quantizer *q = &s->q[i];
        char fmt[16], gran[48], enc[96], scheme[32];
        format_name(&q->format, fmt, sizeof fmt);
        if (q->format.kind == QUANT_FLOAT)
            snprintf(scheme, sizeof scheme, "-");
        else if (q->scheme == QUANT_SCHEME_PERCENTILE)
            snprintf(scheme, sizeof scheme, "percentile(%g)", q->percentile);
        else
            snprintf(scheme, sizeof scheme, "%s", quant_scheme_name(q->scheme));
        granularity(q, gran, sizeof gran);
        encoding_text(q, enc, sizeof enc);
        fprintf(out, "%-4d %-40s %-10s %-7s %-18s %-26s %-17s %-30s %s\n", i, q->tensor, quant_role_name(q->role), fmt,
                symmetry(q), gran, scheme, q->decided_by, enc);
    }
    int shared = 0;
    for (int v = 0; v < s->g->n_values; v++) {
        int c = s->carrier[v];
        if (c < 0 || s->q[c].value == v)
            continue;
        if (!shared++)
            fprintf(out, "tensors sharing an encoding:\n");
        fprintf(out, "  %s -> %s\n", s->g->values[v].name, s->q[c].tensor);
    }
    for (int i = 0; i < s->n_rules; i++)
        fprintf(out, "rule %-50s decided %d op%s%s\n", s->rules[i].r.label, s->rules[i].hits,
                s->rules[i].hits == 1 ? "" : "s", s->rules[i].hits == 0 ? " (matches nothing)" : "");
    if (ferror(out))
        return err_set(e, "writing the quantizer listing: %s", strerror(errno));
    return 0;
}
