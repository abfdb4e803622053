/* onnx_save.c — graph IR -> ModelProto bytes. Every proto struct built here lives in one arena and
 * borrows the graph's strings and tensor buffers; only the packed bytes outlive the call. */
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "onnx.h"
#include "onnx_internal.h"

typedef struct saver {
    arena a;
    int64_t ir_version;
} saver;

#define NEW(S, T, INIT)                                                                                               \
    ({                                                                                                                \
        T *p_ = arena_alloc(&(S)->a, sizeof(T));                                                                      \
        T init_ = INIT;                                                                                               \
        *p_ = init_;                                                                                                  \
        p_;                                                                                                           \
    })

static void *alloc_array(saver *S, size_t n, size_t size)
{
    return arena_alloc(&S->a, (n ? n : 1) * size);
}

static Onnx__GraphProto *save_graph(saver *S, const graph *g, const Onnx__GraphProto *keep, qrc_err *e);

static Onnx__ValueInfoProto *value_info(saver *S, const graph_value *x)
{
    Onnx__ValueInfoProto *vi = NEW(S, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT);
    vi->name = x->name;
    if (x->dtype == DT_UNDEFINED && x->rank < 0)
        return vi;
    Onnx__TypeProto *tp = NEW(S, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT);
    Onnx__TypeProto__Tensor *tt = NEW(S, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT);
    tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    tp->tensor_type = tt;
    if (x->dtype != DT_UNDEFINED) {
        tt->has_elem_type = 1;
        tt->elem_type = (int32_t)x->dtype;
    }
    if (x->rank >= 0) {
        Onnx__TensorShapeProto *sh = NEW(S, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT);
        sh->n_dim = (size_t)x->rank;
        sh->dim = alloc_array(S, sh->n_dim, sizeof *sh->dim);
        for (int i = 0; i < x->rank; i++) {
            Onnx__TensorShapeProto__Dimension *d =
                NEW(S, Onnx__TensorShapeProto__Dimension, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT);
            if (x->dim_param[i]) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                d->dim_param = x->dim_param[i];
            } else if (x->dims[i] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = x->dims[i];
            }
            sh->dim[i] = d;
        }
        tt->shape = sh;
    }
    vi->type = tp;
    return vi;
}

static int save_attr(saver *S, const graph_attr *a, Onnx__AttributeProto **out, qrc_err *e)
{
    Onnx__AttributeProto *ap = NEW(S, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT);
    ap->name = a->name;
    ap->has_type = 1;
    ap->type = (Onnx__AttributeProto__AttributeType)a->kind;
    switch (a->kind) {
    case ATTR_FLOAT: ap->has_f = 1, ap->f = a->f; break;
    case ATTR_INT: ap->has_i = 1, ap->i = a->i; break;
    case ATTR_STRING:
        ap->has_s = 1;
        ap->s.data = (uint8_t *)(a->s ? a->s : "");
        ap->s.len = a->s ? strlen(a->s) : 0;
        break;
    case ATTR_FLOATS: ap->n_floats = (size_t)a->n, ap->floats = a->floats; break;
    case ATTR_INTS: ap->n_ints = (size_t)a->n, ap->ints = a->ints; break;
    case ATTR_STRINGS:
        ap->n_strings = (size_t)a->n;
        ap->strings = alloc_array(S, ap->n_strings, sizeof *ap->strings);
        for (int i = 0; i < a->n; i++) {
            ap->strings[i].data = (uint8_t *)a->strings[i];
            ap->strings[i].len = strlen(a->strings[i]);
        }
        break;
    case ATTR_TENSOR:
        if (!a->t)
            return err_set(e, "attribute '%s' has no tensor", a->name);
        ap->t = NEW(S, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
        if (onnx_tensor_to_proto(a->t, NULL, &S->a, ap->t, e))
            return err_wrap(e, "attribute '%s'", a->name);
        break;
    case ATTR_GRAPH:
        if (!a->g)
            return err_set(e, "attribute '%s' has no graph", a->name);
        if (!(ap->g = save_graph(S, a->g, NULL, e)))
            return err_wrap(e, "attribute '%s'", a->name);
        break;
    default: return err_set(e, "attribute '%s' has unknown kind %d", a->name, (int)a->kind);
    }
    *out = ap;
    return 0;
}

static int save_node(saver *S, const graph *g, const graph_node *n, Onnx__NodeProto **out, qrc_err *e)
{
    Onnx__NodeProto *np = NEW(S, Onnx__NodeProto, ONNX__NODE_PROTO__INIT);
    np->name = n->name && *n->name ? n->name : NULL;
    np->op_type = n->op_type;
    np->domain = n->domain && *n->domain ? n->domain : NULL;
    np->doc_string = n->doc_string;
    np->n_input = (size_t)n->n_in;
    np->input = alloc_array(S, np->n_input, sizeof *np->input);
    for (int i = 0; i < n->n_in; i++)
        np->input[i] = n->in[i] >= 0 ? g->values[n->in[i]].name : "";
    np->n_output = (size_t)n->n_out;
    np->output = alloc_array(S, np->n_output, sizeof *np->output);
    for (int i = 0; i < n->n_out; i++)
        np->output[i] = n->out[i] >= 0 ? g->values[n->out[i]].name : "";
    np->n_attribute = (size_t)n->n_attrs;
    np->attribute = alloc_array(S, np->n_attribute, sizeof *np->attribute);
    for (int i = 0; i < n->n_attrs; i++)
        if (save_attr(S, &n->attrs[i], &np->attribute[i], e))
            return err_wrap(e, "node '%s' (%s)", n->name, n->op_type);
    *out = np;
    return 0;
}

static Onnx__GraphProto *save_graph(saver *S, const graph *g, const Onnx__GraphProto *keep, qrc_err *e)
{
    if (!g->order || g->n_order != g->n_nodes) {
        err_set(e, "graph '%s' changed since its last graph_reindex; reindex before saving", g->name);
        return NULL;
    }
    Onnx__GraphProto *gp = NEW(S, Onnx__GraphProto, ONNX__GRAPH_PROTO__INIT);
    if (keep)
        *gp = *keep; /* doc string, annotations and unknown fields of the original */
    gp->name = g->name;
    bool *used = alloc_array(S, (size_t)g->n_values, sizeof *used);
    for (int i = 0; i < g->n_nodes; i++) {
        const graph_node *n = &g->nodes[i];
        if (n->dead) {
            err_set(e, "graph '%s': node '%s' is marked dead; reindex before saving", g->name, n->name);
            return NULL;
        }
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] >= 0)
                used[n->in[k]] = true;
        for (int k = 0; k < n->n_captures; k++)
            used[n->captures[k]] = true;
    }
    for (int i = 0; i < g->n_outputs; i++)
        used[g->outputs[i]] = true;

    gp->n_node = (size_t)g->n_nodes;
    gp->node = alloc_array(S, gp->n_node, sizeof *gp->node);
    for (int i = 0; i < g->n_nodes; i++)
        if (save_node(S, g, &g->nodes[g->order[i]], &gp->node[i], e))
            return NULL;

    size_t n_init = 0, n_vi = 0;
    for (int v = 0; v < g->n_values; v++) {
        const graph_value *x = &g->values[v];
        n_init += x->init && used[v];
        n_vi += !x->init && !x->is_input && !x->is_output && x->producer >= 0 &&
                (x->dtype != DT_UNDEFINED || x->rank >= 0);
    }
    gp->initializer = alloc_array(S, n_init, sizeof *gp->initializer);
    gp->value_info = alloc_array(S, n_vi, sizeof *gp->value_info);
    bool inits_as_inputs = S->ir_version < 4;
    gp->input = alloc_array(S, (size_t)g->n_inputs + (inits_as_inputs ? n_init : 0), sizeof *gp->input);
    gp->n_initializer = gp->n_value_info = gp->n_input = 0;
    gp->n_sparse_initializer = 0;
    for (int i = 0; i < g->n_inputs; i++)
        gp->input[gp->n_input++] = value_info(S, &g->values[g->inputs[i]]);
    for (int v = 0; v < g->n_values; v++) {
        const graph_value *x = &g->values[v];
        if (x->init && used[v]) {
            Onnx__TensorProto *tp = NEW(S, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT);
            if (onnx_tensor_to_proto(x->init, x->name, &S->a, tp, e)) {
                err_wrap(e, "graph '%s', initializer", g->name);
                return NULL;
            }
            gp->initializer[gp->n_initializer++] = tp;
            if (inits_as_inputs)
                gp->input[gp->n_input++] = value_info(S, x);
        } else if (!x->init && !x->is_input && !x->is_output && x->producer >= 0 &&
                   (x->dtype != DT_UNDEFINED || x->rank >= 0)) {
            gp->value_info[gp->n_value_info++] = value_info(S, x);
        }
    }
    gp->n_output = (size_t)g->n_outputs;
    gp->output = alloc_array(S, gp->n_output, sizeof *gp->output);
    for (int i = 0; i < g->n_outputs; i++)
        gp->output[i] = value_info(S, &g->values[g->outputs[i]]);
    return gp;
}

int onnx_save_mem(const graph *g, void **buf, size_t *n, qrc_err *e)
{
    *buf = NULL;
    *n = 0;
    saver S = {{0}, g->ir_version};
    if (S.ir_version < ONNX_IR_MIN)
        S.ir_version = 8;
    Onnx__ModelProto *mp = NEW(&S, Onnx__ModelProto, ONNX__MODEL_PROTO__INIT);
    const Onnx__ModelProto *orig = g->model_proto;
    if (orig) {
        *mp = *orig;
    } else {
        mp->producer_name = "qrc";
    }
    mp->has_ir_version = 1;
    mp->ir_version = S.ir_version;
    mp->n_opset_import = (size_t)g->n_opsets;
    mp->opset_import = alloc_array(&S, mp->n_opset_import, sizeof *mp->opset_import);
    for (int i = 0; i < g->n_opsets; i++) {
        Onnx__OperatorSetIdProto *op = NEW(&S, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT);
        op->domain = g->opsets[i].domain ? g->opsets[i].domain : "";
        op->has_version = 1;
        op->version = g->opsets[i].version;
        mp->opset_import[i] = op;
    }
    mp->graph = save_graph(&S, g, orig ? orig->graph : NULL, e);
    if (!mp->graph) {
        arena_free(&S.a);
        return -1;
    }
    size_t size = onnx__model_proto__get_packed_size(mp);
    uint8_t *out = malloc(size ? size : 1);
    if (!out) {
        arena_free(&S.a);
        return err_set(e, "out of memory packing a %zu-byte model", size);
    }
    size_t packed = onnx__model_proto__pack(mp, out);
    arena_free(&S.a);
    if (packed != size) {
        free(out);
        return err_set(e, "internal error: packed %zu of %zu bytes", packed, size);
    }
    *buf = out;
    *n = size;
    return 0;
}

int onnx_save(const graph *g, const char *path, qrc_err *e)
{
    void *buf;
    size_t n;
    if (onnx_save_mem(g, &buf, &n, e))
        return err_wrap(e, "%s", path);
    int rc = file_write_atomic(path, buf, n, e);
    free(buf);
    return rc;
}
