/* check.c — the model validator: what stands between an exported model and quantization. */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op.h"
#include "opset.h"
#include "base/quote.h"
#include "passes/util.h"
#include "quant.h"

static const char *const level_names[] = {"info", "warning", "error"};

/* Appends {level, node?, message, fix?} to section sec of report. */
static void item(json_t *report, const char *sec, pass_level lv, const char *node, const char *msg, const char *fix)
{
    json_t *sections = json_object_get(report, "sections");
    json_t *s = json_object_get(sections, sec);
    json_t *items = json_object_get(s, "items");
    json_t *it = json_object();
    json_object_set_new(it, "level", json_string(level_names[lv]));
    if (node)
        json_object_set_new(it, "node", json_string(node));
    json_object_set_new(it, "message", json_string(msg));
    if (fix)
        json_object_set_new(it, "fix", json_string(fix));
    json_array_append_new(items, it);
    if (lv == PASS_ERROR)
        json_object_set_new(report, "status", json_string("fail"));
    const char *worst = json_string_value(json_object_get(s, "status"));
    int w = !strcmp(worst, "ok") ? -1 : !strcmp(worst, "info") ? 0 : !strcmp(worst, "warning") ? 1 : 2;
    if ((int)lv > w && lv > PASS_INFO)
        json_object_set_new(s, "status", json_string(level_names[lv]));
}

static const char *const section_order[][2] = {
    {"unsupported_ops", "Ops the runtime cannot run"},
    {"dynamic_shapes", "Dynamic shapes"},
    {"control_flow", "Control flow"},
    {"module_identity", "Ops without module identity (functional ops)"},
    {"reused_modules", "Reused modules and shared weights"},
    {"batchnorm", "BatchNorm folding"},
    {"units", "Decomposed units (one module each, quantized at input and output only)"},
    {"supergroups", "Supergroups"},
    {"excluded", "Excluded ops"},
    {"float_region", "Float pre/post-processing (outside the quantized region)"},
    {"not_quantizable", "Tensors that cannot be quantized"},
    {"prepare", "Prepare"},
    {"opset", "Opset and QDQ export"},
};
enum { N_SECTIONS = sizeof section_order / sizeof *section_order };

static json_t *io_list(const graph *g, const int *idx, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++) {
        char d[256];
        graph_value_type_text(&g->values[idx[i]], d, sizeof d);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(g->values[idx[i]].name));
        json_object_set_new(o, "type", json_string(d));
        json_array_append_new(a, o);
    }
    return a;
}

static void check_exported(const graph *g, json_t *rep)
{
    char msg[1024];
    /* Ops without a kernel or with attributes the kernel rejects. */
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *nd = &g->nodes[g->order[k]];
        const op_def *d = op_find(nd->domain, nd->op_type, graph_opset_version(g, nd->domain));
        qrc_err e = {0};
        if (!d) {
            snprintf(msg, sizeof msg, "'%s': op %s%s%s (opset %lld) has no kernel in qrc", nd->name,
                     nd->domain[0] ? nd->domain : "", nd->domain[0] ? "::" : "", nd->op_type,
                     (long long)graph_opset_version(g, nd->domain));
            item(rep, "unsupported_ops", PASS_ERROR, nd->name, msg,
                 "re-export the model with supported ops (see README, Runtime), or bind inputs with `concrete` so "
                 "that the node folds away");
        } else if (d->check && d->check(g, nd, &e) != 0) {
            item(rep, "unsupported_ops", PASS_ERROR, nd->name, e.msg, "re-export the model without this attribute");
        }
    }
    /* Dynamic dims on inputs and outputs. Each symbolic dim of an input is suggested once, where it
     * first shows, so that all the fixes pasted together still compile; an output's dims follow from the
     * inputs' (pinning an output's own dim name could only contradict them). */
    const char *pinned[64];
    int n_pinned = 0;
    for (int i = 0; i < g->n_inputs + g->n_outputs; i++) {
        bool in = i < g->n_inputs;
        const graph_value *x = &g->values[in ? g->inputs[i] : g->outputs[i - g->n_inputs]];
        int d = 0;
        while (d < x->rank && !x->dim_param[d] && x->dims[d] >= 0)
            d++;
        if (d == x->rank)
            continue;
        char desc[256], fix[1024] = "", code[768] = "";
        int n_code = 0;
        graph_value_type_text(x, desc, sizeof desc);
        snprintf(msg, sizeof msg, "%s '%s' is %s: dim %d is %s", in ? "input" : "output", x->name, desc, d,
                 x->dim_param[d] ? "symbolic" : "unknown");
        for (int k = d; in && k < x->rank; k++) {
            bool seen = !x->dim_param[k] || n_pinned == 64;
            for (int j = 0; j < n_pinned && !seen; j++)
                seen = !strcmp(pinned[j], x->dim_param[k]);
            if (seen)
                continue;
            char q[128];
            pinned[n_pinned++] = x->dim_param[k];
            n_code++;
            size_t o = strlen(code);
            snprintf(code + o, sizeof code - o, "%sconcrete %s = <size>;", o ? " " : "",
                     quote_name(q, sizeof q, x->dim_param[k]));
        }
        if (code[0])
            snprintf(fix, sizeof fix, "pin %s in the prepare section: `%s` (calibration and evaluation batches "
                     "must then have %s)", n_code > 1 ? "them" : "it", code, n_code > 1 ? "those sizes" : "that size");
        else if (!in)
            snprintf(fix, sizeof fix, "it follows from the inputs: pinning their dims fixes it");
        else if (x->dim_param[d])
            snprintf(fix, sizeof fix, "pinning the dims suggested above fixes it too");
        else
            snprintf(fix, sizeof fix, "declare the input's shape in the recipe's model section");
        item(rep, "dynamic_shapes", PASS_INFO, x->name, msg, fix);
    }
    /* Control flow as exported. */
    for (int n = 0; n < g->n_nodes; n++) {
        const graph_node *nd = &g->nodes[n];
        if (nd->domain[0] || (strcmp(nd->op_type, "If") && strcmp(nd->op_type, "Loop") && strcmp(nd->op_type, "Scan")))
            continue;
        const char *cond = nd->n_in > 0 && nd->in[0] >= 0 ? g->values[nd->in[0]].name : "?";
        snprintf(msg, sizeof msg, "%s '%s' decided by '%s'", nd->op_type, nd->name, cond);
        item(rep, "control_flow", PASS_INFO, nd->name, msg, NULL);
    }
}

/* Copies the notes of one kind into a section, with a fix hint for warnings and errors. */
static void notes_to(json_t *rep, const pass_report *r, const char *kind, const char *sec, const char *fix)
{
    for (int i = 0; i < r->n_notes; i++) {
        const pass_note *n = &r->notes[i];
        if (strcmp(n->kind, kind))
            continue;
        item(rep, sec, n->level, n->node, n->msg, n->level > PASS_INFO ? fix : NULL);
    }
}

/* The live node called name, or NULL. */
static const graph_node *node_named(const graph *p, const char *name)
{
    int n = graph_find_node(p, name);
    return n >= 0 ? &p->nodes[n] : NULL;
}

/* One item per unit kind found: how many, and their module names; the JSON also lists the tensors
 * inside the units (no quantizer may sit on them). */
static void units_to(json_t *rep, const graph *p, const pass_report *r)
{
    const char *const *kinds = pass_unit_kinds();
    for (int k = 0; kinds[k]; k++) {
        int count = 0;
        json_t *names = json_array(), *inner = json_array();
        char msg[2048];
        size_t o = 0;
        for (int i = 0; i < r->n_groups; i++) {
            const pass_group *gr = &r->groups[i];
            if (strcmp(gr->kind, kinds[k]))
                continue;
            const graph_node *last = node_named(p, gr->nodes[gr->n_nodes - 1]);
            json_array_append_new(names, json_string(last && last->module ? last->module : gr->nodes[gr->n_nodes - 1]));
            for (int j = 0; j + 1 < gr->n_nodes; j++) {
                const graph_node *nd = node_named(p, gr->nodes[j]);
                if (nd && nd->n_out > 0 && nd->out[0] >= 0)
                    json_array_append_new(inner, json_string(p->values[nd->out[0]].name));
            }
            count++;
        }
        if (count) {
            o = (size_t)snprintf(msg, sizeof msg, "%s: %d unit%s: ", kinds[k], count, count == 1 ? "" : "s");
            for (size_t i = 0; i < json_array_size(names) && o < sizeof msg; i++)
                o += (size_t)snprintf(msg + o, sizeof msg - o, "%s%s", i ? ", " : "",
                                      json_string_value(json_array_get(names, i)));
            item(rep, "units", PASS_INFO, NULL, msg, NULL);
            json_t *items = json_object_get(json_object_get(json_object_get(rep, "sections"), "units"), "items");
            json_t *it = json_array_get(items, json_array_size(items) - 1);
            json_object_set_new(it, "kind", json_string(kinds[k]));
            json_object_set_new(it, "count", json_integer(count));
            json_object_set_new(it, "modules", names);
            json_object_set_new(it, "inner_tensors", inner);
        } else {
            json_decref(names);
            json_decref(inner);
        }
    }
}

static void check_prepared(const graph *p, const pass_report *r, json_t *rep)
{
    notes_to(rep, r, "functional", "module_identity", NULL);
    notes_to(rep, r, "renamed", "module_identity", NULL);
    notes_to(rep, r, "reused_module", "reused_modules",
             "nothing to do: prepare gives each call its own instance; to exclude one call, use the instance name "
             "(module_1)");
    notes_to(rep, r, "shared_weight", "reused_modules",
             "nothing to do: prepare gives each reader its own copy, quantized separately");
    notes_to(rep, r, "bn_folded", "batchnorm", NULL);
    notes_to(rep, r, "bn_not_folded", "batchnorm", NULL);
    units_to(rep, p, r);
    notes_to(rep, r, "supergroup", "supergroups", NULL);
    notes_to(rep, r, "excluded", "excluded",
             "fix the selector in `exclude modules` / `exclude ops`: use one of the names suggested");
    notes_to(rep, r, "float_region", "float_region", NULL);
    notes_to(rep, r, "branch_inlined", "control_flow", NULL);
    notes_to(rep, r, "branch_never_taken", "control_flow", NULL);
    notes_to(rep, r, "control_flow", "control_flow",
             "bind the deciding input with `concrete name = value;`, or use `method jit;` with calibration data");
    /* Activations the quantizer cannot handle: integer / bool tensors and unknown types. */
    int counts[DT_COUNT_] = {0};
    int unknown = 0;
    for (int n = 0; n < p->n_nodes; n++) {
        const graph_node *nd = &p->nodes[n];
        for (int o = 0; o < nd->n_out; o++) {
            if (nd->out[o] < 0)
                continue;
            const graph_value *x = &p->values[nd->out[o]];
            if (x->dtype == DT_UNDEFINED) {
                unknown++;
                continue;
            }
            if (!pass_is_float(x->dtype) && x->dtype < DT_COUNT_)
                counts[x->dtype]++;
        }
    }
    char msg[512];
    for (int d = 0; d < DT_COUNT_; d++)
        if (counts[d]) {
            snprintf(msg, sizeof msg, "%d %s activation tensors stay unquantized (only float32 is quantized)", counts[d],
                     tensor_dtype_name((tensor_dtype)d));
            item(rep, "not_quantizable", PASS_INFO, NULL, msg, NULL);
        }
    if (unknown) {
        snprintf(msg, sizeof msg, "%d activation tensors have no known type; they are quantized only if they turn out "
                 "float32 at calibration", unknown);
        item(rep, "not_quantizable", PASS_INFO, NULL, msg, NULL);
    }
}

typedef struct blocker_ctx {
    json_t *rep;
    int64_t from, to;
    pass_level level;
} blocker_ctx;

static void blocker(void *ctx, const graph_node *nd, const char *why)
{
    const blocker_ctx *c = ctx;
    char msg[512];
    if (nd)
        snprintf(msg, sizeof msg, "%s '%s' cannot be converted from opset %lld to %lld: %s", nd->op_type, nd->name,
                 (long long)c->from, (long long)c->to, why);
    else
        snprintf(msg, sizeof msg, "the model cannot be converted from opset %lld to %lld: %s", (long long)c->from,
                 (long long)c->to, why);
    item(c->rep, "opset", c->level, nd ? nd->name : NULL, msg, NULL);
}

/* The opset the model imports and what the QDQ export will make of it. QuantizeLinear pairs need 10
 * (nodes that cannot get there block any export: errors), per-channel pairs 13 (warnings), 16-bit types
 * 21 (info: below it they fall back to com.microsoft pairs). Only the first target with blockers is
 * reported, since every later one has them too. */
static void check_opset(const graph *g, json_t *rep)
{
    int64_t from = graph_opset_version(g, "");
    json_object_set_new(rep, "opset", json_integer(from));
    static const struct {
        int64_t to;
        pass_level level;
        const char *needs;
    } steps[] = {{10, PASS_ERROR, "QuantizeLinear pairs"},
                 {13, PASS_WARN, "per-channel quantizers"},
                 {21, PASS_INFO, "standard 16-bit types"}};
    char msg[256];
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        if (from >= steps[i].to)
            continue;
        blocker_ctx c = {rep, from, steps[i].to, steps[i].level};
        if (opset_blockers(g, steps[i].to, blocker, &c) != 0) {
            snprintf(msg, sizeof msg, "opset %lld: %s need opset %lld, which this model cannot be converted to",
                     (long long)from, steps[i].needs, (long long)steps[i].to);
            item(rep, "opset", steps[i].level, NULL, msg, NULL);
            return;
        }
    }
    if (from < 21) {
        snprintf(msg, sizeof msg, "opset %lld: every node converts up to 21; the QDQ export raises the opset to 13, "
                 "and to 21 for 16-bit types (or to the recipe's export opset)", (long long)from);
        item(rep, "opset", PASS_INFO, NULL, msg, NULL);
    }
}

/* Softmax over a non-last axis: what ONNX Runtime's 8-bit fusion would compute wrongly. */
static void check_softmax(const graph *g, json_t *rep)
{
    for (int n = 0; n < g->n_nodes; n++) {
        if (g->nodes[n].dead || !quant_softmax_off_last_axis(g, n))
            continue;
        item(rep, "opset", PASS_WARN, g->nodes[n].name,
             "Softmax over a non-last axis: ONNX Runtime fuses an 8-bit Softmax between QDQ pairs into "
             "QLinearSoftmax, which is wrong on such an axis; qrc gives this output a 16-bit quantizer",
             NULL);
    }
}

json_t *check_model(const graph *g, const char *label, const prepare_opts *po, graph **prepared, qrc_err *e)
{
    if (prepared)
        *prepared = NULL;
    json_t *rep = json_object();
    json_object_set_new(rep, "model", json_string(label ? label : ""));
    json_object_set_new(rep, "status", json_string("pass"));
    json_object_set_new(rep, "method", json_string(prepare_method_name(po->method)));
    json_object_set_new(rep, "inputs", io_list(g, g->inputs, g->n_inputs));
    json_object_set_new(rep, "outputs", io_list(g, g->outputs, g->n_outputs));
    json_object_set_new(rep, "nodes", json_integer(g->n_nodes));
    json_t *sections = json_object();
    json_object_set_new(rep, "sections", sections);
    for (int i = 0; i < N_SECTIONS; i++) {
        json_t *s = json_object();
        json_object_set_new(s, "title", json_string(section_order[i][1]));
        json_object_set_new(s, "status", json_string("ok"));
        json_object_set_new(s, "items", json_array());
        json_object_set_new(sections, section_order[i][0], s);
    }
    check_exported(g, rep);
    graph *p = graph_clone(g, e);
    if (!p) {
        json_decref(rep);
        return NULL;
    }
    pass_report r;
    pass_report_init(&r);
    qrc_err pe = {0};
    if (prepare_run(p, po, &r, &pe) != 0) {
        check_prepared(p, &r, rep);
        item(rep, "prepare", PASS_ERROR, NULL, pe.msg, NULL);
        graph_free(p);
        p = NULL;
    } else {
        check_prepared(p, &r, rep);
        char msg[256];
        snprintf(msg, sizeof msg, "prepared with method %s: %d nodes (from %d), %d rewrites", prepare_method_name(po->method),
                 p->n_nodes, g->n_nodes, r.changes);
        item(rep, "prepare", PASS_INFO, NULL, msg, NULL);
        json_object_set_new(rep, "prepared_nodes", json_integer(p->n_nodes));
    }
    pass_report_free(&r);
    check_opset(p ? p : g, rep);
    check_softmax(p ? p : g, rep);
    if (prepared)
        *prepared = p;
    else
        graph_free(p);
    return rep;
}

int check_passed(const json_t *report)
{
    return !strcmp(json_string_value(json_object_get(report, "status")), "pass");
}

/* A growing string. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        return;
    if (b->n + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + (size_t)need + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return;
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

char *check_render_text(const json_t *rep)
{
    sbuf b = {0};
    sb_printf(&b, "qrc model check\n===============\n");
    sb_printf(&b, "model:   %s\n", json_string_value(json_object_get(rep, "model")));
    sb_printf(&b, "method:  %s\n", json_string_value(json_object_get(rep, "method")));
    sb_printf(&b, "opset:   %lld\n", (long long)json_integer_value(json_object_get(rep, "opset")));
    sb_printf(&b, "nodes:   %lld", (long long)json_integer_value(json_object_get(rep, "nodes")));
    if (json_object_get(rep, "prepared_nodes"))
        sb_printf(&b, " (%lld after prepare)", (long long)json_integer_value(json_object_get(rep, "prepared_nodes")));
    sb_printf(&b, "\n");
    const char *io[2] = {"inputs", "outputs"};
    for (int k = 0; k < 2; k++) {
        json_t *a = json_object_get(rep, io[k]);
        for (size_t i = 0; i < json_array_size(a); i++)
            sb_printf(&b, "%-8s %s: %s\n", i ? "" : (k ? "outputs:" : "inputs:"),
                      json_string_value(json_object_get(json_array_get(a, i), "name")),
                      json_string_value(json_object_get(json_array_get(a, i), "type")));
    }
    json_t *sections = json_object_get(rep, "sections");
    for (int i = 0; i < N_SECTIONS; i++) {
        json_t *s = json_object_get(sections, section_order[i][0]);
        json_t *items = json_object_get(s, "items");
        const char *st = json_string_value(json_object_get(s, "status"));
        sb_printf(&b, "\n[%s] %s: %zu item%s\n", !strcmp(st, "ok") ? "ok" : st, section_order[i][1],
                  json_array_size(items), json_array_size(items) == 1 ? "" : "s");
        for (size_t k = 0; k < json_array_size(items); k++) {
            json_t *it = json_array_get(items, k);
            const char *lv = json_string_value(json_object_get(it, "level"));
            sb_printf(&b, "  %-7s %s\n", lv, json_string_value(json_object_get(it, "message")));
            const char *fix = json_string_value(json_object_get(it, "fix"));
            if (fix)
                sb_printf(&b, "          fix: %s\n", fix);
        }
    }
    sb_printf(&b, "\nresult: %s\n", check_passed(rep) ? "PASS" : "FAIL");
    return b.s;
}
