/* cmd_check.c — `qrc check model.onnx [options]`: the model check report, as text and JSON. */
#include "driver/cmd_check.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/mem.h"
#include "check.h"
#include "compile.h"
#include "npy.h"
#include "onnx.h"
#include "prepare.h"
#include "driver/build_config.h"
#include "driver/driver_error.h"

enum { MAX_ARGS = 64 };

static void usage(FILE *f)
{
    fprintf(f,
            "usage: qrc check model.onnx [options]\n"
            "       qrc check [model.onnx] --recipe r.q [--json FILE] [--save FILE]\n"
            "  --recipe FILE        prepare as the recipe says (its model unless one is given)\n"
            "  --json FILE          also write the report as JSON\n"
            "  --save FILE          write the prepared float model\n"
            "  --method M           eager | symbolic | jit | jit_strip (default symbolic)\n"
            "  --pass NAME          eager: a rewrite to run: fold, unshare, fold_bn, fuse (repeatable)\n"
            "  --concrete NAME=V    bind input NAME to scalar V, or pin symbolic dim NAME to V\n"
            "  --exclude SEL        exclude modules: a name (and what is under it) or a glob\n"
            "  --exclude-re RE      exclude modules whose name matches RE (whole name)\n"
            "  --exclude-op OP      exclude an op type or unit (LayerNorm, GELU)\n"
            "  --start T, --end T   the quantized region (jit_strip)\n"
            "  --config FILE        AIMET quantsim config JSON (supergroups)\n"
            "  --example NAME=F.npy example input for jit (first rows of the file)\n"
            "  --quiet              print only the result line\n"
            "exit status: 0 pass, 1 fail, 2 usage, 3 unreadable model\n");
}

typedef struct args {
    const char *model, *json, *save, *config, *recipe;
    int n_prepare_flags;
    prepare_opts po;
    const char *passes[MAX_ARGS];
    pass_concrete concrete[MAX_ARGS];
    tensor *owned[MAX_ARGS * 2];
    int n_owned;
    select_spec sel[MAX_ARGS];
    const char *ops[MAX_ARGS], *start[MAX_ARGS], *end[MAX_ARGS];
    const char *ex_names[MAX_ARGS];
    const tensor *ex_values[MAX_ARGS];
    pass_example example;
    const char *concrete_text[MAX_ARGS];
    int n_concrete_text;
    bool quiet;
} args;

/* A scalar tensor for input x from text: bool (true/false/0/1), integer or float by the input's type. */
static tensor *scalar_for(const graph_value *x, const char *text, qrc_err *e)
{
    int64_t dims[TENSOR_MAX_RANK];
    int rank = x->rank > 0 ? x->rank : 0;
    for (int i = 0; i < rank; i++)
        dims[i] = 1;
    tensor_dtype dt = x->dtype == DT_UNDEFINED ? DT_FLOAT : x->dtype;
    tensor *t = tensor_new(dt, rank, dims, e);
    if (!t)
        return NULL;
    char *end = NULL;
    switch (dt) {
    case DT_BOOL:
        if (!strcmp(text, "true") || !strcmp(text, "1"))
            *(uint8_t *)t->data = 1;
        else if (strcmp(text, "false") && strcmp(text, "0"))
            goto bad;
        return t;
    case DT_FLOAT:
        *(float *)t->data = strtof(text, &end);
        break;
    case DT_DOUBLE:
        *(double *)t->data = strtod(text, &end);
        break;
    case DT_INT64:
        *(int64_t *)t->data = strtoll(text, &end, 10);
        break;
    case DT_INT32:
        *(int32_t *)t->data = (int32_t)strtol(text, &end, 10);
        break;
    default:
        tensor_free(t);
        err_set(e, "--concrete %s: inputs of type %s cannot be given on the command line", x->name,
                tensor_dtype_name(dt));
        return NULL;
    }
    if (end && !*end && end != text)
        return t;
bad:
    tensor_free(t);
    err_set(e, "--concrete %s=%s: not a %s value", x->name, text, tensor_dtype_name(dt));
    return NULL;
}

static int parse(args *a, int argc, char **argv)
{
    pass_opts *p = &a->po.pass;
    *p = pass_opts_default();
    a->po.method = PREPARE_SYMBOLIC;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = o[0] == '-' && strcmp(o, "--quiet") && strcmp(o, "--help");
        if (takes && !v) {
            fprintf(stderr, "qrc check: %s needs a value\n", o);
            return -1;
        }
        if (!strcmp(o, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(o, "--quiet")) {
            a->quiet = true;
            continue;
        } else if (o[0] != '-') {
            if (a->model) {
                fprintf(stderr, "qrc check: more than one model given ('%s', '%s')\n", a->model, o);
                return -1;
            }
            a->model = o;
            continue;
        }
        i++;
        bool full = p->n_exclude >= MAX_ARGS || p->n_exclude_ops >= MAX_ARGS || a->po.n_passes >= MAX_ARGS ||
                    a->n_concrete_text >= MAX_ARGS || p->n_start >= MAX_ARGS || p->n_end >= MAX_ARGS ||
                    a->example.n >= MAX_ARGS;
        if (full) {
            fprintf(stderr, "qrc check: too many options\n");
            return -1;
        }
        if (strcmp(o, "--json") && strcmp(o, "--save") && strcmp(o, "--recipe"))
            a->n_prepare_flags++;
        if (!strcmp(o, "--json"))
            a->json = v;
        else if (!strcmp(o, "--recipe"))
            a->recipe = v;
        else if (!strcmp(o, "--save"))
            a->save = v;
        else if (!strcmp(o, "--config"))
            p->supergroups_json = v;
        else if (!strcmp(o, "--method")) {
            int m = prepare_method_parse(v);
            if (m < 0) {
                fprintf(stderr, "qrc check: unknown method '%s' (eager, symbolic, jit, jit_strip)\n", v);
                return -1;
            }
            a->po.method = (prepare_method)m;
        } else if (!strcmp(o, "--pass"))
            a->passes[a->po.n_passes++] = v;
        else if (!strcmp(o, "--concrete"))
            a->concrete_text[a->n_concrete_text++] = v;
        else if (!strcmp(o, "--exclude"))
            a->sel[p->n_exclude++] = (select_spec){.kind = select_kind_of(v), .text = v};
        else if (!strcmp(o, "--exclude-re"))
            a->sel[p->n_exclude++] = (select_spec){.kind = SELECT_REGEX, .text = v};
        else if (!strcmp(o, "--exclude-op"))
            a->ops[p->n_exclude_ops++] = v;
        else if (!strcmp(o, "--start"))
            a->start[p->n_start++] = v;
        else if (!strcmp(o, "--end"))
            a->end[p->n_end++] = v;
        else if (!strcmp(o, "--example")) {
            a->ex_names[a->example.n] = v;
            a->ex_values[a->example.n++] = NULL;
        } else {
            fprintf(stderr, "qrc check: unknown option '%s'\n", o);
            return -1;
        }
    }
    if (a->recipe && a->n_prepare_flags) {
        fprintf(stderr, "qrc check: with --recipe the prepare options come from the recipe; drop the other options\n");
        return -1;
    }
    if (!a->model && !a->recipe) {
        usage(stderr);
        return -1;
    }
    a->po.passes = a->passes;
    p->exclude = a->sel;
    p->exclude_ops = a->ops;
    p->start = a->start;
    p->end = a->end;
    return 0;
}

/* Resolves --concrete and --example against the loaded model. */
static int resolve(args *a, const graph *g, qrc_err *e)
{
    pass_opts *p = &a->po.pass;
    for (int i = 0; i < a->n_concrete_text; i++) {
        const char *t = a->concrete_text[i];
        const char *eq = strchr(t, '=');
        if (!eq || eq == t)
            return err_set(e, "--concrete %s: expected NAME=VALUE", t);
        char *name = mem_strndup(t, (size_t)(eq - t));
        pass_concrete *c = &a->concrete[p->n_concrete++];
        c->name = name;
        int v = graph_find_value(g, name);
        if (v >= 0 && g->values[v].is_input) {
            tensor *s = scalar_for(&g->values[v], eq + 1, e);
            if (!s)
                return -1;
            a->owned[a->n_owned++] = s;
            c->value = s;
        } else {
            char *end = NULL;
            c->dim = strtoll(eq + 1, &end, 10);
            if (!end || *end || end == eq + 1)
                return err_set(e, "--concrete %s: '%s' is not an integer size", name, eq + 1);
        }
    }
    p->concrete = a->concrete;
    for (int i = 0; i < a->example.n; i++) {
        const char *t = a->ex_names[i];
        const char *eq = strchr(t, '=');
        if (!eq || eq == t)
            return err_set(e, "--example %s: expected NAME=FILE.npy", t);
        npy_reader *rd = NULL;
        tensor *rows = NULL;
        int rc = npy_open(eq + 1, &rd, e);
        if (rc != 0) { /* a 0-d array (a scalar flag) has no rows: read it whole */
            if (npy_read(eq + 1, &rows, e) != 0)
                return err_wrap(e, "--example");
        } else {
            rc = npy_read_rows(rd, 8, &rows, e);
            npy_close(rd);
            if (rc != 0 || !rows)
                return rc ? err_wrap(e, "--example") : err_set(e, "--example %s: the file has no rows", eq + 1);
        }
        a->owned[a->n_owned++] = rows;
        a->ex_names[i] = mem_strndup(t, (size_t)(eq - t));
        a->ex_values[i] = rows;
    }
    if (a->example.n) {
        a->example.names = a->ex_names;
        a->example.values = a->ex_values;
        p->examples = &a->example;
        p->n_examples = 1;
    }
    return 0;
}

static void release(args *a)
{
    for (int i = 0; i < a->n_owned; i++)
        tensor_free(a->owned[i]);
    for (int i = 0; i < a->po.pass.n_concrete; i++)
        free((char *)a->concrete[i].name);
    for (int i = 0; a->po.pass.examples && i < a->example.n; i++)
        free((char *)a->ex_names[i]);
}

int cmd_check(int argc, char **argv)
{
    static args a;
    memset(&a, 0, sizeof a);
    if (parse(&a, argc, argv) != 0)
        return 2;
    qrc_err e = {0};
    graph *g = NULL;
    compile_result cr;
    memset(&cr, 0, sizeof cr);
    prepare_plan pp;
    memset(&pp, 0, sizeof pp);
    if (a.recipe) {
        if (compile_recipe(a.recipe, &cr) != 0) {
            diag_render(&cr.diags, stderr);
            compile_result_free(&cr);
            return 1;
        }
        if (!a.model)
            a.model = cr.plan->model->resolved_path;
    }
    if (onnx_load(a.model, &g, &e) != 0) {
        fprintf(stderr, "qrc check: %s\n", e.msg);
        compile_result_free(&cr);
        return 3;
    }
    if (a.recipe) {
        int rc = prepare_plan_init(&pp, cr.plan, g, &e);
        if (rc != 0) {
            driver_error_print("check", cr.plan, &e);
            graph_free(g);
            compile_result_free(&cr);
            return 1;
        }
        a.po = pp.opts;
    } else if (resolve(&a, g, &e) != 0) {
        fprintf(stderr, "qrc check: %s\n", e.msg);
        graph_free(g);
        release(&a);
        return 2;
    }
    graph *prepared = NULL;
    json_t *rep = check_model(g, a.model, &a.po, a.save ? &prepared : NULL, &e);
    int status = 3;
    if (!rep) {
        fprintf(stderr, "qrc check: %s\n", e.msg);
        goto out;
    }
    status = check_passed(rep) ? 0 : 1;
    char *text = check_render_text(rep);
    if (text) {
        if (a.quiet)
            printf("%s: %s\n", a.model, status ? "FAIL" : "PASS");
        else
            fputs(text, stdout);
        free(text);
    }
    if (a.json) {
        char *js = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        size_t n = js ? strlen(js) : 0;
        char *nl = js ? realloc(js, n + 2) : NULL;
        if (nl) {
            js = nl;
            memcpy(js + n, "\n", 2);
        }
        if (!nl || file_write_atomic(a.json, js, n + 1, &e) != 0) {
            fprintf(stderr, "qrc check: %s: %s\n", a.json, nl ? e.msg : "out of memory");
            status = 3;
        }
        free(js);
    }
    if (a.save) {
        if (!prepared) {
            fprintf(stderr, "qrc check: prepare failed, %s not written\n", a.save);
            status = status ? status : 1;
        } else if (onnx_save(prepared, a.save, &e) != 0) {
            fprintf(stderr, "qrc check: %s\n", e.msg);
            status = 3;
        }
    }
    json_decref(rep);
out:
    graph_free(prepared);
    graph_free(g);
    release(&a);
    prepare_plan_free(&pp);
    compile_result_free(&cr);
    return status;
}
