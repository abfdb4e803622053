/* onnx_load.c — ModelProto -> graph IR. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.h"
#include "base/mem.h"
#include "onnx.h"
#include "onnx_internal.h"

/* dims above this in a value_info are taken as corrupt rather than as a real tensor extent */
#define ONNX_DIM_LIMIT ((int64_t)1 << 40)

typedef struct loader {
    const char *base_dir;   /* for external data, or NULL */
} loader;

static int load_graph(graph *g, Onnx__GraphProto *gp, const loader *L, qrc_err *e);

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

char *onnx_module_from_scope(arena *a, const char *scope, size_t n)
{
    char *path = arena_alloc(a, n + 1);
    size_t plen = 0, base = 0, prev_len = 0;
    const char *prev = NULL, *end = scope + n;
    for (const char *p = scope; p < end;) {
        if (*p == '/') {
            p++;
            continue;
        }
        const char *slash = memchr(p, '/', (size_t)(end - p));
        size_t len = (size_t)((slash ? slash : end) - p);
        /* a container's child repeats the container's segment ("layers" then "layers.0"): the child's
         * segment replaces it instead of extending the path */
        if (prev && len > prev_len && !strncmp(p, prev, prev_len) && p[prev_len] == '.')
            plen = base;
        base = plen;
        if (plen)
            path[plen++] = '.';
        memcpy(path + plen, p, len);
        plen += len;
        path[plen] = 0;
        prev = p;
        prev_len = len;
        p += len;
    }
    return path;
}

char *onnx_module_from_name(graph *g, const char *node_name)
{
    if (!node_name || node_name[0] != '/')
        return NULL;
    const char *last = strrchr(node_name, '/');
    char *path = onnx_module_from_scope(&g->strings, node_name, (size_t)(last - node_name));
    return path[0] ? path : NULL;
}

/* Applies a ValueInfoProto's element type and shape to value v. */
static int apply_type(graph *g, int v, const Onnx__ValueInfoProto *vi, qrc_err *e)
{
    graph_value *x = &g->values[v];
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return 0;
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    if (tt->has_elem_type) {
        if (tt->elem_type < 0 || tt->elem_type >= DT_COUNT_)
            return err_set(e, "value '%s': unknown element type %d", x->name, tt->elem_type);
        x->dtype = (tensor_dtype)tt->elem_type;
    }
    if (!tt->shape)
        return 0;
    if (tt->shape->n_dim > TENSOR_MAX_RANK)
        return err_set(e, "value '%s': rank %zu exceeds %d", x->name, tt->shape->n_dim, TENSOR_MAX_RANK);
    x->rank = (int)tt->shape->n_dim;
    for (int i = 0; i < x->rank; i++) {
        const Onnx__TensorShapeProto__Dimension *d = tt->shape->dim[i];
        x->dims[i] = -1;
        x->dim_param[i] = NULL;
        if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
            if (d->dim_value < 0)
                return err_set(e, "value '%s': dim %d is negative (%lld)", x->name, i, (long long)d->dim_value);
            if (d->dim_value > ONNX_DIM_LIMIT)
                return err_set(e, "value '%s': dim %d is implausibly large (%lld)", x->name, i,
                               (long long)d->dim_value);
            x->dims[i] = d->dim_value;
        } else if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && d->dim_param &&
                   *d->dim_param) {
            x->dim_param[i] = graph_strdup(g, d->dim_param);
        }
    }
    return 0;
}

static int load_attr(graph *g, int ni, const Onnx__AttributeProto *ap, const loader *L, qrc_err *e)
{
    const graph_node *node = &g->nodes[ni];
    if (!ap->name || !*ap->name)
        return err_set(e, "node '%s' (%s): attribute without a name", node->name, node->op_type);
    if (ap->ref_attr_name)
        return err_set(e, "node '%s' (%s): attribute '%s' refers to a function attribute", node->name,
                       node->op_type, ap->name);
    int kind = ap->has_type ? (int)ap->type : 0;
    if (!kind) { /* IR 1-style attributes carry no type: go by the field that is set */
        kind = ap->has_f ? ATTR_FLOAT : ap->has_i ? ATTR_INT : ap->has_s ? ATTR_STRING : ap->t ? ATTR_TENSOR
             : ap->g ? ATTR_GRAPH : ap->n_floats ? ATTR_FLOATS : ap->n_ints ? ATTR_INTS : ap->n_strings ? ATTR_STRINGS
             : 0;
    }
    if (kind < ATTR_FLOAT || kind > ATTR_STRINGS)
        return err_set(e, "node '%s' (%s): attribute '%s' has unsupported type %d", node->name, node->op_type,
                       ap->name, kind);
    if ((kind == ATTR_TENSOR && !ap->t) || (kind == ATTR_GRAPH && !ap->g))
        return err_set(e, "node '%s' (%s): attribute '%s' has no value", node->name, node->op_type, ap->name);
    graph_attr *a = graph_attr_set(g, ni, ap->name, (attr_kind)kind);
    switch (kind) {
    case ATTR_FLOAT: a->f = ap->f; break;
    case ATTR_INT: a->i = ap->i; break;
    case ATTR_STRING: a->s = arena_strndup(&g->strings, (const char *)ap->s.data, ap->s.len); break;
    case ATTR_FLOATS:
        a->n = (int)ap->n_floats;
        a->floats = graph_alloc(g, (ap->n_floats ? ap->n_floats : 1) * sizeof(float));
        if (ap->n_floats)
            memcpy(a->floats, ap->floats, ap->n_floats * sizeof(float));
        break;
    case ATTR_INTS:
        a->n = (int)ap->n_ints;
        a->ints = graph_alloc(g, (ap->n_ints ? ap->n_ints : 1) * sizeof(int64_t));
        if (ap->n_ints)
            memcpy(a->ints, ap->ints, ap->n_ints * sizeof(int64_t));
        break;
    case ATTR_STRINGS:
        a->n = (int)ap->n_strings;
        a->strings = graph_alloc(g, (ap->n_strings ? ap->n_strings : 1) * sizeof(char *));
        for (size_t i = 0; i < ap->n_strings; i++)
            a->strings[i] = arena_strndup(&g->strings, (const char *)ap->strings[i].data, ap->strings[i].len);
        break;
    case ATTR_TENSOR:
        if (onnx_tensor_from_proto(ap->t, L->base_dir, &a->t, e))
            return err_wrap(e, "node '%s' (%s), attribute '%s'", g->nodes[ni].name, g->nodes[ni].op_type, ap->name);
        break;
    case ATTR_GRAPH: {
        graph *sg = graph_new();
        a->g = sg;
        sg->parent = g;
        sg->ir_version = g->ir_version;
        if (load_graph(sg, ap->g, L, e))
            return err_wrap(e, "node '%s' (%s), subgraph '%s'", g->nodes[ni].name, g->nodes[ni].op_type, ap->name);
        break;
    }
    }
    return 0;
}

static int load_node(graph *g, const Onnx__NodeProto *np, size_t index, const loader *L, qrc_err *e)
{
    const char *name = or_empty(np->name);
    if (!np->op_type || !*np->op_type)
        return err_set(e, "node %zu ('%s'): no op_type", index, name);
    int *in = mem_grow(NULL, np->n_input + 1, sizeof *in), *out = mem_grow(NULL, np->n_output + 1, sizeof *out);
    for (size_t i = 0; i < np->n_input; i++)
        in[i] = np->input[i] && *np->input[i] ? graph_value_get(g, np->input[i]) : -1;
    for (size_t i = 0; i < np->n_output; i++)
        out[i] = np->output[i] && *np->output[i] ? graph_value_get(g, np->output[i]) : -1;
    int ni = graph_node_add(g, np->op_type, name, (int)np->n_input, in, (int)np->n_output, out);
    free(in);
    free(out);
    graph_node *node = &g->nodes[ni];
    const char *dom = or_empty(np->domain);
    node->domain = graph_strdup(g, strcmp(dom, "ai.onnx") ? dom : "");
    node->module = onnx_module_from_name(g, name);
    node->doc_string = graph_strdup(g, np->doc_string);
    for (size_t i = 0; i < np->n_attribute; i++)
        if (load_attr(g, ni, np->attribute[i], L, e))
            return -1;
    return 0;
}

static int add_unique(int **list, int *n, int v)
{
    for (int i = 0; i < *n; i++)
        if ((*list)[i] == v)
            return -1;
    int *grown = mem_grow(*list, (size_t)*n + 1, sizeof **list);
    *list = grown;
    (*list)[(*n)++] = v;
    return 0;
}

static int load_graph(graph *g, Onnx__GraphProto *gp, const loader *L, qrc_err *e)
{
    g->name = graph_strdup(g, or_empty(gp->name));
    if (gp->n_sparse_initializer)
        return err_set(e, "graph '%s': sparse initializers are not supported", g->name);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        Onnx__TensorProto *tp = gp->initializer[i];
        if (!tp->name || !*tp->name)
            return err_set(e, "graph '%s': initializer %zu has no name", g->name, i);
        int v = graph_value_get(g, tp->name);
        if (g->values[v].init)
            return err_set(e, "graph '%s': initializer '%s' appears twice", g->name, tp->name);
        tensor *t;
        if (onnx_tensor_from_proto(tp, L->base_dir, &t, e))
            return err_wrap(e, "graph '%s', initializer %zu", g->name, i);
        graph_value *x = &g->values[v];
        x->init = t;
        x->dtype = t->dtype;
        x->rank = t->rank;
        for (int d = 0; d < t->rank; d++)
            x->dims[d] = t->dims[d];
        /* the proto's copy of the bytes is no longer needed: drop it now to bound peak memory */
        onnx__tensor_proto__free_unpacked(tp, NULL);
        gp->initializer[i] = NULL;
    }
    int *inputs = NULL, n_inputs = 0;
    for (size_t i = 0; i < gp->n_input; i++) {
        const Onnx__ValueInfoProto *vi = gp->input[i];
        if (!vi->name || !*vi->name) {
            free(inputs);
            return err_set(e, "graph '%s': input %zu has no name", g->name, i);
        }
        int v = graph_value_get(g, vi->name);
        if (g->values[v].init)
            continue; /* an initializer listed as input (IR < 4, or an overridable default): a constant here */
        if (add_unique(&inputs, &n_inputs, v)) {
            free(inputs);
            return err_set(e, "graph '%s': input '%s' is listed twice", g->name, vi->name);
        }
        if (apply_type(g, v, vi, e)) {
            free(inputs);
            return err_wrap(e, "graph '%s', input %zu", g->name, i);
        }
    }
    graph_set_inputs(g, n_inputs, inputs);
    free(inputs);
    for (size_t i = 0; i < gp->n_value_info; i++) {
        const Onnx__ValueInfoProto *vi = gp->value_info[i];
        if (!vi->name || !*vi->name)
            continue;
        int v = graph_value_get(g, vi->name);
        if (!g->values[v].init && apply_type(g, v, vi, e))
            return err_wrap(e, "graph '%s', value_info %zu", g->name, i);
    }
    for (size_t i = 0; i < gp->n_node; i++)
        if (load_node(g, gp->node[i], i, L, e))
            return err_wrap(e, "graph '%s'", g->name);
    int *outputs = NULL, n_outputs = 0;
    for (size_t i = 0; i < gp->n_output; i++) {
        const Onnx__ValueInfoProto *vi = gp->output[i];
        if (!vi->name || !*vi->name) {
            free(outputs);
            return err_set(e, "graph '%s': output %zu has no name", g->name, i);
        }
        int v = graph_value_get(g, vi->name);
        if (add_unique(&outputs, &n_outputs, v)) {
            free(outputs);
            return err_set(e, "graph '%s': output '%s' is listed twice", g->name, vi->name);
        }
        if (!g->values[v].init && apply_type(g, v, vi, e)) {
            free(outputs);
            return err_wrap(e, "graph '%s', output %zu", g->name, i);
        }
    }
    graph_set_outputs(g, n_outputs, outputs);
    free(outputs);
    if (!g->n_outputs)
        return err_set(e, "graph '%s' has no outputs", g->name);
    return 0;
}

/* Frees the graph contents the IR now holds, keeping the GraphProto's other fields. */
static void strip_graph_contents(Onnx__GraphProto *gp)
{
#define STRIP(field, freefn)                                                                                          \
    do {                                                                                                              \
        for (size_t i = 0; i < gp->n_##field; i++)                                                                    \
            if (gp->field[i])                                                                                         \
                freefn(gp->field[i], NULL);                                                                           \
        free(gp->field);                                                                                              \
        gp->field = NULL;                                                                                             \
        gp->n_##field = 0;                                                                                            \
    } while (0)
    STRIP(node, onnx__node_proto__free_unpacked);
    STRIP(initializer, onnx__tensor_proto__free_unpacked);
    STRIP(input, onnx__value_info_proto__free_unpacked);
    STRIP(output, onnx__value_info_proto__free_unpacked);
    STRIP(value_info, onnx__value_info_proto__free_unpacked);
#undef STRIP
}

static int load_model(Onnx__ModelProto *mp, const loader *L, graph **out, qrc_err *e)
{
    if (!mp->graph)
        return err_set(e, "not an ONNX model: no graph (wrong file type?)");
    if (!mp->has_ir_version)
        return err_set(e, "not an ONNX model: no ir_version (wrong file type?)");
    if (mp->ir_version < ONNX_IR_MIN || mp->ir_version > ONNX_IR_MAX)
        return err_set(e, "IR version %lld is outside the supported %d..%d", (long long)mp->ir_version, ONNX_IR_MIN,
                       ONNX_IR_MAX);
    graph *g = graph_new();
    g->ir_version = mp->ir_version;
    g->opsets = graph_alloc(g, (mp->n_opset_import + 1) * sizeof *g->opsets);
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const Onnx__OperatorSetIdProto *op = mp->opset_import[i];
        const char *dom = or_empty(op->domain);
        g->opsets[g->n_opsets].domain = graph_strdup(g, strcmp(dom, "ai.onnx") ? dom : "");
        g->opsets[g->n_opsets].version = op->has_version ? op->version : 0;
        g->n_opsets++;
    }
    int64_t opset = graph_opset_version(g, "");
    bool uses_default = false;
    for (size_t i = 0; i < mp->graph->n_node; i++) {
        const char *dom = or_empty(mp->graph->node[i]->domain);
        uses_default |= !*dom || !strcmp(dom, "ai.onnx");
    }
    if (!opset && uses_default) {
        graph_free(g);
        return err_set(e, "the model imports no default-domain (ai.onnx) opset");
    }
    if (opset && (opset < ONNX_OPSET_MIN || opset > ONNX_OPSET_MAX)) {
        graph_free(g);
        return err_set(e, "opset %lld is outside the supported %d..%d", (long long)opset, ONNX_OPSET_MIN,
                       ONNX_OPSET_MAX);
    }
    if (load_graph(g, mp->graph, L, e) || graph_reindex(g, e)) {
        graph_free(g);
        return -1;
    }
    strip_graph_contents(mp->graph);
    g->model_proto = mp;
    *out = g;
    return 0;
}

int onnx_load_mem(const void *buf, size_t n, const char *base_dir, graph **out, qrc_err *e)
{
    *out = NULL;
    if (!n)
        return err_set(e, "empty file: not an ONNX model");
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, n, buf);
    if (!mp)
        return err_set(e, "not an ONNX model: protobuf decoding failed (truncated or corrupt, %zu bytes)", n);
    loader L = {base_dir};
    if (load_model(mp, &L, out, e)) {
        if (mp->graph)
            strip_graph_contents(mp->graph);
        onnx__model_proto__free_unpacked(mp, NULL);
        return -1;
    }
    return 0;
}

int onnx_load(const char *path, graph **out, qrc_err *e)
{
    *out = NULL;
    /* map the file rather than copy it: the decoded message already holds a copy of every byte */
    FILE *f = file_open_regular(path, e);
    if (!f)
        return -1;
    struct stat st;
    size_t n = fstat(fileno(f), &st) == 0 ? (size_t)st.st_size : 0;
    void *map = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fileno(f), 0) : MAP_FAILED;
    fclose(f);
    void *buf = NULL;
    if (map == MAP_FAILED && file_read(path, FILE_NO_LIMIT, &buf, &n, e))
        return -1;
    const char *slash = strrchr(path, '/');
    char *dir = slash ? mem_strndup(path, (size_t)(slash - path) + (slash == path)) : mem_strdup(".");
    int rc = onnx_load_mem(map != MAP_FAILED ? map : buf, n, dir, out, e);
    if (map != MAP_FAILED)
        munmap(map, n);
    free(buf);
    free(dir);
    return rc ? err_wrap(e, "%s", path) : 0;
}
