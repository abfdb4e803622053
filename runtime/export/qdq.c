/* qdq.c — the QDQ ONNX model: QuantizeLinear/DequantizeLinear pairs and integer weights from encodings. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/half.h"
#include "export.h"
#include "opset.h"

/* Opset facts of QuantizeLinear/DequantizeLinear: the pair exists from 10, per-axis from 13, 16-bit and
 * int4 types from 21 (and com.microsoft's pair takes 16-bit types at any opset). */
enum { QDQ_OPSET = 10, QDQ_AXIS_OPSET = 13, QDQ_WIDE_OPSET = 21 };

static bool is_int(const export_quantizer *q) { return q->encs[0].kind == QUANT_INT; }

/* 16-bit activations or parameters, or native int4 parameters: types standard only from opset 21. */
static bool wants_wide(const export_quantizer *q, int n, const export_qdq_options *o)
{
    bool wide = false;
    for (int i = 0; i < n; i++)
        wide |= is_int(&q[i]) && (q[i].encs[0].bitwidth > 8 || (o->int4_native && q[i].is_param &&
                                                                 q[i].encs[0].bitwidth <= 4));
    return wide;
}

int64_t export_qdq_min_opset(const export_quantizer *q, int n, const export_qdq_options *o)
{
    int64_t need = o->bias_int32 ? QDQ_AXIS_OPSET : 0;
    for (int i = 0; i < n; i++)
        if (is_int(&q[i]) && need < (q[i].axis >= 0 ? QDQ_AXIS_OPSET : QDQ_OPSET))
            need = q[i].axis >= 0 ? QDQ_AXIS_OPSET : QDQ_OPSET;
    return need;
}

int64_t export_qdq_opset(const graph *g, const export_quantizer *q, int n, const export_qdq_options *o)
{
    int64_t cur = graph_opset_version(g, "");
    if (o->opset)
        return o->opset;
    /* 13 even when 10 would do: ONNX Runtime's optimizer puts opset-11 ops (Round, for the int32 bias it
     * makes of a float one) into the graph it loads, and fails on an opset-10 model */
    int64_t need = export_qdq_min_opset(q, n, o) ? QDQ_AXIS_OPSET : 0;
    if (wants_wide(q, n, o) && cur < QDQ_WIDE_OPSET && opset_blockers(g, QDQ_WIDE_OPSET, NULL, NULL) == 0)
        need = QDQ_WIDE_OPSET;
    return need > cur ? need : cur;
}

int export_qdq_check_opset(const graph *g, const export_quantizer *q, int n, const export_qdq_options *o,
                           int64_t target, qrc_err *e)
{
    int64_t cur = graph_opset_version(g, "");
    if (target < cur)
        return err_set(e, "opset %lld is below the model's opset %lld; models are converted only upward",
                       (long long)target, (long long)cur);
    int64_t need = export_qdq_min_opset(q, n, o);
    if (target < need)
        return err_set(e, "opset %lld cannot express this build's quantizers: %s need opset %lld", (long long)target,
                       need == QDQ_AXIS_OPSET ? "per-channel quantizers and int32 biases" : "QuantizeLinear pairs",
                       (long long)need);
    if (target > QDQ_WIDE_OPSET)
        return err_set(e, "opset %lld is newer than the newest qrc writes (%d)", (long long)target, QDQ_WIDE_OPSET);
    return 0;
}

typedef struct qdq {
    graph *g;
    const export_qdq_options *o;
    bool opset21;         /* 16-bit and int4 types are standard */
    bool ms16;            /* 16-bit pairs go through com.microsoft */
    qrc_err *e;
} qdq;

/* Integer container of a quantizer: dtype, and per-channel zero points (stored = q + zp). */
typedef struct container {
    tensor_dtype dt;
    int bits;
    bool is_signed;
    bool exact;           /* the grid fills the container: no Clip needed in front of QuantizeLinear */
} container;

static container pick_container(const qdq *Q, const export_quantizer *x)
{
    const quant_encoding *q0 = &x->encs[0];
    bool sym = q0->symmetric;
    for (int c = 0; c < x->n_encs; c++)
        sym &= x->encs[c].offset != 0;
    container k;
    k.is_signed = sym;
    k.bits = q0->bitwidth <= 4 && x->is_param && Q->o->int4_native && Q->opset21 ? 4 : q0->bitwidth <= 8 ? 8 : 16;
    static const tensor_dtype DT[2][3] = {{DT_UINT4, DT_UINT8, DT_UINT16}, {DT_INT4, DT_INT8, DT_INT16}};
    k.dt = DT[sym][k.bits == 4 ? 0 : k.bits == 8 ? 1 : 2];
    k.exact = q0->bitwidth == k.bits && !q0->strict;
    return k;
}

/* Zero point of one channel in container k. */
static int32_t zero_point(const container *k, const quant_encoding *q)
{
    if (!k->is_signed)
        return -q->offset;
    int32_t lo = -(1 << (k->bits - 1)), hi = (1 << (k->bits - 1)) - 1;
    int32_t steps = (int32_t)((1u << q->bitwidth) - 1u) - (q->strict ? 1 : 0);
    if (q->offset >= lo && q->offset + steps <= hi)
        return 0;
    return -q->offset - (1 << (q->bitwidth - 1));
}

static void store_int(tensor *t, int64_t i, int32_t v)
{
    switch (t->dtype) {
    case DT_UINT8: case DT_UINT4: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
    case DT_INT8: case DT_INT4: ((int8_t *)t->data)[i] = (int8_t)v; break;
    case DT_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
    case DT_INT16: ((int16_t *)t->data)[i] = (int16_t)v; break;
    default: ((int32_t *)t->data)[i] = v; break;
    }
}

/* A new initializer value named after hint. */
static int add_init(qdq *Q, const char *hint, tensor *t)
{
    int v = graph_value_new(Q->g, hint);
    graph_value *gv = &Q->g->values[v];
    gv->init = t;
    gv->dtype = t->dtype;
    gv->rank = t->rank;
    for (int i = 0; i < t->rank; i++)
        gv->dims[i] = t->dims[i];
    return v;
}

static char *cat(qdq *Q, const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 1;
    char *s = graph_alloc(Q->g, n);
    snprintf(s, n, "%s%s", a, b);
    return s;
}

/* Scale and zero-point initializers of a quantizer: scalars per-tensor, vectors per-channel. */
static int scale_zp(qdq *Q, const export_quantizer *x, const container *k, int *vs, int *vz)
{
    int64_t n = x->n_encs;
    int rank = x->axis >= 0 ? 1 : 0;
    tensor *s = tensor_new(DT_FLOAT, rank, &n, Q->e);
    tensor *z = s ? tensor_new(k->dt, rank, &n, Q->e) : NULL;
    if (!z) {
        tensor_free(s);
        return -1;
    }
    for (int c = 0; c < x->n_encs; c++) {
        ((float *)s->data)[c] = x->encs[c].scale;
        store_int(z, c, zero_point(k, &x->encs[c]));
    }
    *vs = add_init(Q, cat(Q, x->tensor, "_scale"), s);
    *vz = add_init(Q, cat(Q, x->tensor, "_zero_point"), z);
    return 0;
}

static int add_node(qdq *Q, const char *op, const char *name, int n_in, const int *in, int out, bool ms,
                    const export_quantizer *x)
{
    int n = graph_node_add(Q->g, op, name, n_in, in, 1, &out);
    if (ms)
        Q->g->nodes[n].domain = graph_strdup(Q->g, "com.microsoft");
    if (x && x->axis >= 0)
        graph_attr_set(Q->g, n, "axis", ATTR_INT)->i = x->axis;
    return n;
}

/* A new value of dtype dt shaped like value `like` (an index: adding a value may move the array). */
static int new_value(qdq *Q, const char *hint, tensor_dtype dt, int like)
{
    int v = graph_value_new(Q->g, hint);
    graph_value *gv = &Q->g->values[v];
    const graph_value *lv = &Q->g->values[like];
    gv->dtype = dt;
    gv->rank = lv->rank;
    for (int i = 0; i < lv->rank && i < TENSOR_MAX_RANK; i++) {
        gv->dims[i] = lv->dims[i];
        gv->dim_param[i] = lv->dim_param[i];
    }
    return v;
}

/* Points every reader of value `from` (apart from nodes at index >= first_new) at `to`; a graph output
 * keeps its name, which moves to `to`. */
static int rewire(qdq *Q, int from, int to, int first_new)
{
    graph *g = Q->g;
    for (int i = 0; i < first_new; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] == from)
                g->nodes[i].in[k] = to;
    if (!g->values[from].is_output)
        return 0;
    int *outs = graph_alloc(g, (size_t)g->n_outputs * sizeof *outs);
    for (int i = 0; i < g->n_outputs; i++)
        outs[i] = g->outputs[i] == from ? to : g->outputs[i];
    graph_set_outputs(g, g->n_outputs, outs);
    char *name = graph_strdup(g, g->values[from].name);
    char *tmp = graph_strdup(g, g->values[to].name);
    int spare = graph_value_new(g, cat(Q, name, "_float"));
    char *spare_name = graph_strdup(g, g->values[spare].name);
    if (graph_value_rename(g, spare, cat(Q, spare_name, "_unused"), Q->e) ||
        graph_value_rename(g, from, spare_name, Q->e) || graph_value_rename(g, to, name, Q->e))
        return -1;
    (void)tmp;
    return 0;
}

static int float16_pair(qdq *Q, const export_quantizer *x, int v)
{
    graph *g = Q->g;
    int first_new = g->n_nodes;
    graph_value *gv = &g->values[v];
    if (x->is_param) {
        tensor *w = gv->init, *h = tensor_new(DT_FLOAT16, w->rank, w->dims, Q->e);
        if (!h)
            return -1;
        for (int64_t i = 0; i < tensor_numel(w); i++)
            ((uint16_t *)h->data)[i] = half_from_float(((float *)w->data)[i]);
        int vh = add_init(Q, cat(Q, x->tensor, "_float16"), h);
        tensor_free(g->values[v].init);
        g->values[v].init = NULL;
        int n = add_node(Q, "Cast", cat(Q, x->tensor, "_dequantize"), 1, &vh, v, false, NULL);
        graph_attr_set(g, n, "to", ATTR_INT)->i = DT_FLOAT;
        return 0;
    }
    int vh = new_value(Q, cat(Q, x->tensor, "_float16"), DT_FLOAT16, v);
    int vf = new_value(Q, cat(Q, x->tensor, "_dequantized"), DT_FLOAT, v);
    int n = add_node(Q, "Cast", cat(Q, x->tensor, "_cast_float16"), 1, &v, vh, false, NULL);
    graph_attr_set(g, n, "to", ATTR_INT)->i = DT_FLOAT16;
    n = add_node(Q, "Cast", cat(Q, x->tensor, "_cast_float"), 1, &vh, vf, false, NULL);
    graph_attr_set(g, n, "to", ATTR_INT)->i = DT_FLOAT;
    return rewire(Q, v, vf, first_new);
}

/* A weight stored as integers feeding a DequantizeLinear whose output keeps the weight's name. */
static int quantize_param(qdq *Q, const export_quantizer *x, int v, const container *k)
{
    graph *g = Q->g;
    tensor *w = g->values[v].init;
    if (w->dtype != DT_FLOAT)
        return err_set(Q->e, "tensor '%s': parameter is %s, not float", x->tensor, tensor_dtype_name(w->dtype));
    tensor *t = tensor_new(k->dt, w->rank, w->dims, Q->e);
    if (!t)
        return -1;
    int64_t n = tensor_numel(w), inner = 1, ch = x->axis >= 0 ? w->dims[x->axis] : 1;
    for (int d = x->axis + 1; x->axis >= 0 && d < w->rank; d++)
        inner *= w->dims[d];
    const float *p = w->data;
    for (int64_t i = 0; i < n; i++) {
        const quant_encoding *q = &x->encs[x->axis >= 0 ? (i / inner) % ch : 0];
        int32_t u;
        quant_quantize_codes(q, &p[i], &u, 1);
        store_int(t, i, u + q->offset + zero_point(k, q)); /* q + zp */
    }
    int vs, vz;
    if (scale_zp(Q, x, k, &vs, &vz)) {
        tensor_free(t);
        return -1;
    }
    int vq = add_init(Q, cat(Q, x->tensor, "_quantized"), t);
    tensor_free(g->values[v].init);
    g->values[v].init = NULL;
    bool ms = k->bits == 16 && Q->ms16;
    add_node(Q, "DequantizeLinear", cat(Q, x->tensor, "_dequantize"), 3, (int[]){vq, vs, vz}, v, ms, x);
    return 0;
}

/* [Clip ->] QuantizeLinear -> DequantizeLinear after an activation; readers move to the dequantized value. */
static int quantize_activation(qdq *Q, const export_quantizer *x, int v, const container *k)
{
    graph *g = Q->g;
    int first_new = g->n_nodes;
    int vs, vz;
    if (scale_zp(Q, x, k, &vs, &vz))
        return -1;
    int src = v;
    if (!k->exact) {
        if (x->axis >= 0)
            return err_set(Q->e, "tensor '%s': per-channel activation of %d bits in a %d-bit container", x->tensor,
                           x->encs[0].bitwidth, k->bits);
        int64_t one = 1;
        tensor *lo = tensor_new(DT_FLOAT, 0, &one, Q->e), *hi = lo ? tensor_new(DT_FLOAT, 0, &one, Q->e) : NULL;
        if (!hi) {
            tensor_free(lo);
            return -1;
        }
        *(float *)lo->data = x->encs[0].min;
        *(float *)hi->data = x->encs[0].max;
        int vlo = add_init(Q, cat(Q, x->tensor, "_clip_min"), lo), vhi = add_init(Q, cat(Q, x->tensor, "_clip_max"), hi);
        src = new_value(Q, cat(Q, x->tensor, "_clipped"), DT_FLOAT, v);
        add_node(Q, "Clip", cat(Q, x->tensor, "_clip"), 3, (int[]){v, vlo, vhi}, src, false, NULL);
    }
    bool ms = k->bits == 16 && Q->ms16;
    int vq = new_value(Q, cat(Q, x->tensor, "_quantized"), k->dt, v);
    int vd = new_value(Q, cat(Q, x->tensor, "_dequantized"), DT_FLOAT, v);
    add_node(Q, "QuantizeLinear", cat(Q, x->tensor, "_quantize"), 3, (int[]){src, vs, vz}, vq, ms, x);
    add_node(Q, "DequantizeLinear", cat(Q, x->tensor, "_dequantize"), 3, (int[]){vq, vs, vz}, vd, ms, x);
    return rewire(Q, v, vd, first_new);
}

static const export_quantizer *find_q(const export_quantizer *q, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(q[i].tensor, name))
            return &q[i];
    return NULL;
}

/* The quantizer whose encoding value v carries: its own or, through ops that pass their first input's
 * encoding on (MaxPool, Flatten, ...), that of the value they read. NULL when none. */
static const export_quantizer *carried_q(const graph *g, const export_quantizer *q, int n, int v)
{
    for (int hops = 0; v >= 0 && hops <= g->n_nodes; hops++) {
        const export_quantizer *x = find_q(q, n, g->values[v].name);
        int p = graph_producer(g, v);
        if (x || p < 0 || g->nodes[p].n_in < 1 || !quant_op_shares_input(g->nodes[p].op_type))
            return x;
        v = g->nodes[p].in[0];
    }
    return NULL;
}

/* Float Conv/Gemm biases without a quantizer of their own become int32 with scale s_in x s_w, s_in
 * being the encoding the input carries. */
static int int32_biases(qdq *Q, const export_quantizer *q, int n)
{
    graph *g = Q->g;
    int nodes = g->n_nodes;
    for (int i = 0; i < nodes; i++) {
        graph_node *nd = &g->nodes[i];
        if ((strcmp(nd->op_type, "Conv") && strcmp(nd->op_type, "Gemm")) || nd->n_in < 3 || nd->in[2] < 0)
            continue;
        int vb = nd->in[2];
        tensor *b = g->values[vb].init;
        const export_quantizer *xi = carried_q(g, q, n, nd->in[0]);
        const export_quantizer *xw = find_q(q, n, g->values[nd->in[1]].name);
        if (!b || b->dtype != DT_FLOAT || b->rank != 1 || find_q(q, n, g->values[vb].name) || !xi || !xw ||
            xi->encs[0].kind != QUANT_INT || xw->encs[0].kind != QUANT_INT || xi->axis >= 0)
            continue;
        if (xw->axis >= 0 && xw->n_encs != b->dims[0])
            continue;
        int64_t c = b->dims[0];
        tensor *t = tensor_new(DT_INT32, 1, &c, Q->e);
        tensor *s = t ? tensor_new(DT_FLOAT, 1, &c, Q->e) : NULL;
        tensor *z = s ? tensor_new(DT_INT32, 1, &c, Q->e) : NULL;
        if (!z) {
            tensor_free(t);
            tensor_free(s);
            return -1;
        }
        for (int64_t j = 0; j < c; j++) {
            float sc = xi->encs[0].scale * xw->encs[xw->axis >= 0 ? j : 0].scale;
            double r = nearbyint((double)((float *)b->data)[j] / sc);
            ((float *)s->data)[j] = sc;
            ((int32_t *)t->data)[j] = (int32_t)fmax(-2147483648.0, fmin(2147483647.0, r));
        }
        const char *name = g->values[vb].name;
        int vq = add_init(Q, cat(Q, name, "_quantized"), t);
        int vs = add_init(Q, cat(Q, name, "_scale"), s);
        int vz = add_init(Q, cat(Q, name, "_zero_point"), z);
        tensor_free(g->values[vb].init);
        g->values[vb].init = NULL;
        int k = graph_node_add(g, "DequantizeLinear", cat(Q, name, "_dequantize"), 3, (int[]){vq, vs, vz}, 1, &vb);
        graph_attr_set(g, k, "axis", ATTR_INT)->i = 0;
    }
    return 0;
}

int export_qdq(const graph *src, const export_quantizer *q, int n, const export_qdq_options *opt, graph **out,
               qrc_err *e)
{
    *out = NULL;
    static const export_qdq_options defaults = {0};
    if (export_quantizers_check(src, q, n, e))
        return -1;
    graph *g = graph_clone(src, e);
    if (!g)
        return -1;
    qdq Q = {g, opt ? opt : &defaults, false, false, e};
    if (graph_reindex(g, e))
        goto fail;
    int64_t target = export_qdq_opset(g, q, n, Q.o);
    if (export_qdq_check_opset(g, q, n, Q.o, target, e) || opset_upgrade(g, target, e) < 0) {
        err_wrap(e, "QDQ export");
        goto fail;
    }
    Q.opset21 = target >= QDQ_WIDE_OPSET;
    if (wants_wide(q, n, Q.o) && !Q.opset21) {
        Q.ms16 = true;
        graph_opset_set(g, "com.microsoft", 1);
    }
    if (Q.opset21 && g->ir_version < 10)
        g->ir_version = 10;
    if (g->ir_version < 7)
        g->ir_version = 7;
    /* biases first: they read the encodings of weights that are rewritten below */
    if (Q.o->bias_int32 && int32_biases(&Q, q, n))
        goto fail;
    for (int i = 0; i < n; i++) {
        int v = graph_find_value(g, q[i].tensor);
        int rc;
        if (q[i].encs[0].kind == QUANT_FLOAT) {
            rc = Q.o->drop_float16 ? 0 : float16_pair(&Q, &q[i], v);
        } else {
            container k = pick_container(&Q, &q[i]);
            rc = q[i].is_param ? quantize_param(&Q, &q[i], v, &k) : quantize_activation(&Q, &q[i], v, &k);
        }
        if (rc) {
            err_wrap(e, "QDQ export");
            goto fail;
        }
    }
    if (graph_reindex(g, e)) {
        err_wrap(e, "QDQ export");
        goto fail;
    }
    *out = g;
    return 0;
fail:
    graph_free(g);
    return -1;
}
