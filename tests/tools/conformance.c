/* conformance — runs the ONNX backend test data through qrc's loader and kernels.
 *
 *   conformance [-v] [-f substring] [--upgrade N [--save dir]] [root]
 *
 * root defaults to /usr/share/libonnx-testdata/data; the suites node, pytorch-converted, pytorch-operator
 * and simple are walked. A test runs when every node's op is registered and its check accepts the node;
 * otherwise it is skipped with the reason. Each test_data_set_N is run and every output compared with
 * |got - want| <= atol + rtol * |want| (NaN must match NaN, infinities must match exactly, integers and
 * bools exactly). Prints failures, the skipped ops with counts, and "N passed, N failed, N skipped";
 * exits non-zero when anything failed.
 *
 * --upgrade N converts every runnable test model whose opset is below N to opset N first (a model the
 * runtime skips stays skipped; one that cannot be converted, or that the runtime can no longer run once
 * converted, fails) and prints the converted and passing counts per source opset. --save dir writes each
 * converted model that passed, with its first test set as .npy files (inputs.txt and outputs.txt list
 * "file<TAB>name"), into dir/<source opset>_<suite>_<test>/ for a second runtime to check. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exec.h"
#include "npy.h"
#include "onnx.h"
#include "op.h"
#include "ops/kern.h"
#include "opset.h"

#include <stdarg.h>

/* snprintf that truncates long paths and messages quietly */
static void FMT(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void FMT(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static const double ATOL = 1e-5, RTOL = 1e-3;

typedef struct reason {
    char *text;
    int count;
} reason;

static reason *reasons;
static int n_reasons, cap_reasons;

static void note_skip(const char *text)
{
    for (int i = 0; i < n_reasons; i++)
        if (!strcmp(reasons[i].text, text)) {
            reasons[i].count++;
            return;
        }
    if (n_reasons == cap_reasons) {
        cap_reasons = cap_reasons ? 2 * cap_reasons : 64;
        reasons = realloc(reasons, (size_t)cap_reasons * sizeof *reasons);
    }
    reasons[n_reasons].text = strdup(text);
    reasons[n_reasons].count = 1;
    n_reasons++;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_reasons(const void *a, const void *b)
{
    const reason *x = a, *y = b;
    return x->count != y->count ? y->count - x->count : strcmp(x->text, y->text);
}

/* Sorted subdirectory names of dir matching prefix; returns count, *out malloc'd. */
static int list_dirs(const char *dir, const char *prefix, char ***out)
{
    DIR *d = opendir(dir);
    *out = NULL;
    if (!d)
        return 0;
    int n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)))
            continue;
        char path[4096];
        struct stat st;
        FMT(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) || !S_ISDIR(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            *out = realloc(*out, (size_t)cap * sizeof **out);
        }
        (*out)[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(*out, (size_t)n, sizeof **out, cmp_names);
    return n;
}

static void free_names(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Decides whether every node can run; fills why on skip. Runs inference node by node so that later
 * checks see inferred dtypes. Returns 0 runnable, 1 skip, -1 error (inference failed). */
static int plan_graph(graph *g, char *why, size_t n_why, qrc_err *e)
{
    for (int k = 0; k < g->n_nodes; k++) {
        const graph_node *node = &g->nodes[g->order[k]];
        int64_t opset = graph_opset_version(g, node->domain);
        const op_def *def = op_find(node->domain, node->op_type, opset);
        if (!def) {
            FMT(why, n_why, "%s%s%s (opset %lld)", node->domain, *node->domain ? "." : "", node->op_type,
                     (long long)opset);
            return 1;
        }
        qrc_err ce;
        if (def->check && def->check(g, node, &ce)) {
            FMT(why, n_why, "%s: %s", node->op_type, ce.msg);
            return 1;
        }
        if (def->infer && def->infer(g, node, e))
            return -1;
    }
    return 0;
}

static bool is_float(tensor_dtype dt)
{
    return dt == DT_FLOAT || dt == DT_DOUBLE || dt == DT_FLOAT16 || dt == DT_BFLOAT16;
}

/* Compares got against want; fills msg on mismatch. */
static int compare(const tensor *got, const tensor *want, const char *name, char *msg, size_t n_msg)
{
    char a[128], b[128];
    if (got->dtype != want->dtype || got->rank != want->rank ||
        memcmp(got->dims, want->dims, (size_t)got->rank * sizeof *got->dims)) {
        FMT(msg, n_msg, "output '%s': got %s, want %s", name, tensor_describe(got, a, sizeof a),
                 tensor_describe(want, b, sizeof b));
        return -1;
    }
    int64_t n = tensor_numel(got);
    if (!is_float(got->dtype)) {
        if (tensor_nbytes(got) && memcmp(got->data, want->data, tensor_nbytes(got))) {
            size_t es = tensor_dtype_size(got->dtype);
            int64_t i = 0;
            while (i < n && !memcmp((char *)got->data + i * es, (char *)want->data + i * es, es))
                i++;
            FMT(msg, n_msg, "output '%s' (%s): element %lld differs", name, tensor_describe(want, b, sizeof b),
                     (long long)i);
            return -1;
        }
        return 0;
    }
    double *x = malloc((size_t)(n ? n : 1) * sizeof *x), *y = malloc((size_t)(n ? n : 1) * sizeof *y);
    kern_convert(got->data, got->dtype, x, DT_DOUBLE, n);
    kern_convert(want->data, want->dtype, y, DT_DOUBLE, n);
    /* 16-bit floats are compared to within their own precision (one unit in the last place) */
    double rtol = got->dtype == DT_BFLOAT16 ? 1.0 / 128 : got->dtype == DT_FLOAT16 ? 1.0 / 1024 + RTOL : RTOL;
    int rc = 0;
    for (int64_t i = 0; i < n; i++) {
        bool ok;
        if (isnan(y[i]) || isnan(x[i]))
            ok = isnan(y[i]) && isnan(x[i]);
        else if (isinf(y[i]) || isinf(x[i]))
            ok = x[i] == y[i];
        else
            ok = fabs(x[i] - y[i]) <= ATOL + rtol * fabs(y[i]);
        if (!ok) {
            FMT(msg, n_msg, "output '%s' (%s): element %lld is %.9g, want %.9g", name,
                     tensor_describe(want, b, sizeof b), (long long)i, x[i], y[i]);
            rc = -1;
            break;
        }
    }
    free(x);
    free(y);
    return rc;
}

/* Runs the graph through the executor on the given input tensors (indexed by value); outputs land in
 * vals. Data given for an initializer (older models list initializers as inputs) replaces it. */
static int run_graph(graph *g, tensor **vals, qrc_err *e)
{
    exec *x;
    if (exec_new(g, 1, &x, e))
        return -1;
    const char **names = calloc((size_t)g->n_inputs + 1, sizeof *names);
    const tensor **ins = calloc((size_t)g->n_inputs + 1, sizeof *ins);
    tensor **outs = calloc((size_t)g->n_outputs + 1, sizeof *outs);
    int rc = 0;
    for (int v = 0; v < g->n_values && !rc; v++)
        if (vals[v] && g->values[v].init) {
            tensor *c = tensor_clone(vals[v], e);
            rc = c ? exec_set_initializer(x, v, c, e) : -1;
        }
    for (int i = 0; i < g->n_inputs; i++) {
        names[i] = g->values[g->inputs[i]].name;
        ins[i] = vals[g->inputs[i]];
        /* a few test sets disagree with their model's declared input shape (castlike's 'like'):
         * the expected outputs are what is checked here, so the declaration yields to the data */
        graph_value *d = &g->values[g->inputs[i]];
        if (ins[i] && d->rank >= 0 && d->rank != ins[i]->rank)
            d->rank = -1;
    }
    if (!rc)
        rc = exec_run(x, g->n_inputs, names, ins, outs, e);
    for (int i = 0; !rc && i < g->n_outputs; i++) {
        tensor_free(vals[g->outputs[i]]);
        vals[g->outputs[i]] = outs[i];
    }
    free(names);
    free(ins);
    free(outs);
    exec_free(x);
    return rc;
}

typedef enum { T_PASS, T_FAIL, T_SKIP } outcome;

/* what --upgrade and --save ask for, and the per-source-opset counts */
static int64_t upgrade_to;
static const char *save_root;
static int conv_total[OPSET_MAX + 1], conv_passed[OPSET_MAX + 1], conv_skipped[OPSET_MAX + 1],
    conv_nodes[OPSET_MAX + 1];

/* Converts g when it is below the target; fills msg and returns -1 when that fails. *src gets the opset
 * the model had, or 0 when it was not converted. */
static int maybe_upgrade(graph *g, int64_t *src, char *msg, size_t n_msg)
{
    *src = 0;
    int64_t from = graph_opset_version(g, "");
    if (!upgrade_to || from >= upgrade_to || from < OPSET_MIN)
        return 0;
    *src = from;
    conv_total[from]++;
    qrc_err e = {0};
    int rewritten = opset_upgrade(g, upgrade_to, &e);
    if (rewritten < 0) {
        FMT(msg, n_msg, "convert %lld -> %lld: %s", (long long)from, (long long)upgrade_to, e.msg);
        return -1;
    }
    conv_nodes[from] += rewritten;
    char why[1024];
    int p = plan_graph(g, why, sizeof why, &e);
    if (p) {
        FMT(msg, n_msg, "converted to %lld: %s", (long long)upgrade_to, p > 0 ? why : e.msg);
        return -1;
    }
    return 0;
}

/* Types the .npy files of a saved case can hold (what npy_write and tests/ort/npy.js both read). */
static bool npy_type(tensor_dtype dt)
{
    return dt == DT_FLOAT || dt == DT_DOUBLE || dt == DT_INT64 || dt == DT_INT32 || dt == DT_UINT8 ||
           dt == DT_INT8 || dt == DT_BOOL;
}

/* Copies the .pb tensors of one test set into dir as .npy files listed in `list` ("file<TAB>name"); an
 * input's name is the file's own or, failing that, the graph input at its position. Returns 1 when a
 * tensor's type has no .npy form (nothing more is written), -1 on error. */
static int save_tensors(const graph *g, const char *set, const char *kind, const char *dir, char *msg, size_t n_msg)
{
    char path[8192], list[8192];
    FMT(list, sizeof list, "%s/%ss.txt", dir, kind);
    FILE *f = fopen(list, "w");
    if (!f)
        return FMT(msg, n_msg, "cannot write %s", list), -1;
    int pos = 0, rc = 0;
    for (int k = 0; !rc; k++) {
        FMT(path, sizeof path, "%s/%s_%d.pb", set, kind, k);
        struct stat st;
        if (stat(path, &st))
            break;
        tensor *t = NULL;
        char *name = NULL;
        qrc_err e = {0};
        rc = onnx_tensor_read(path, &t, &name, &e);
        const char *use = name && *name ? name : NULL;
        if (!rc && !strcmp(kind, "output"))
            use = g->values[g->outputs[k]].name;
        else if (!rc && !use) {
            while (pos < g->n_inputs && g->values[g->inputs[pos]].init)
                pos++;
            use = pos < g->n_inputs ? g->values[g->inputs[pos++]].name : NULL;
        }
        FMT(path, sizeof path, "%s/%s_%d.npy", dir, kind, k);
        if (!rc && !npy_type(t->dtype))
            rc = 1;
        else if (!rc && use && !(rc = npy_write(path, t, &e)))
            fprintf(f, "%s_%d.npy\t%s\n", kind, k, use);
        if (rc < 0)
            FMT(msg, n_msg, "save: %s", e.msg);
        tensor_free(t);
        free(name);
    }
    fclose(f);
    return rc;
}

static int n_unsaved;

/* Writes the converted model, its source's path and its first test set under save_root (the model last,
 * so a directory without one holds a case whose data has no .npy form). */
static int save_case(const graph *g, const char *tdir, const char *id, int64_t src, char *msg, size_t n_msg)
{
    char dir[8192], path[8300], set[8300];
    FMT(dir, sizeof dir, "%s/%lld_%s", save_root, (long long)src, id);
    mkdir(dir, 0777);
    FMT(set, sizeof set, "%s/test_data_set_0", tdir);
    int rc = save_tensors(g, set, "input", dir, msg, n_msg);
    if (!rc)
        rc = save_tensors(g, set, "output", dir, msg, n_msg);
    if (rc > 0)
        n_unsaved++;
    if (rc)
        return rc < 0 ? -1 : 0;
    FMT(path, sizeof path, "%s/source.txt", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return FMT(msg, n_msg, "cannot write %s", path), -1;
    fprintf(f, "%s/model.onnx\n", tdir);
    fclose(f);
    FMT(path, sizeof path, "%s/model.onnx", dir);
    qrc_err e = {0};
    if (onnx_save(g, path, &e))
        return FMT(msg, n_msg, "save: %s", e.msg), -1;
    return 0;
}

static outcome run_test(const char *dir, const char *id, bool verbose, char *msg, size_t n_msg)
{
    char path[4096];
    FMT(path, sizeof path, "%s/model.onnx", dir);
    graph *g = NULL;
    qrc_err e = {0};
    if (onnx_load(path, &g, &e)) {
        const char *m = strstr(e.msg, "model.onnx: "); /* drop the path so reasons aggregate */
        FMT(msg, n_msg, "load: %s", m ? m + 12 : e.msg);
        return T_SKIP;
    }
    char why[1024];
    int p = plan_graph(g, why, sizeof why, &e);
    if (p) {
        FMT(msg, n_msg, "%s", p > 0 ? why : e.msg);
        graph_free(g);
        return p > 0 ? T_SKIP : T_FAIL;
    }
    int64_t src;
    if (maybe_upgrade(g, &src, msg, n_msg)) {
        graph_free(g);
        return T_FAIL;
    }
    char **sets;
    int n_sets = list_dirs(dir, "test_data_set_", &sets);
    outcome res = n_sets ? T_PASS : T_SKIP;
    if (!n_sets)
        FMT(msg, n_msg, "no test data");
    for (int s = 0; s < n_sets && res == T_PASS; s++) {
        tensor **vals = calloc((size_t)g->n_values, sizeof *vals);
        /* inputs: by name when the file names one, else by position among the non-initializer inputs */
        int pos = 0;
        for (int k = 0;; k++) {
            FMT(path, sizeof path, "%s/%s/input_%d.pb", dir, sets[s], k);
            struct stat st;
            if (stat(path, &st))
                break;
            tensor *t = NULL;
            char *name = NULL;
            if (onnx_tensor_read(path, &t, &name, &e)) {
                FMT(msg, n_msg, "input %d: %s", k, e.msg);
                res = T_SKIP;
                free(name);
                break;
            }
            int v = name && *name ? graph_find_value(g, name) : -1;
            if (v < 0) {
                while (pos < g->n_inputs && g->values[g->inputs[pos]].init)
                    pos++;
                v = pos < g->n_inputs ? g->inputs[pos++] : -1;
            }
            free(name);
            if (v < 0) {
                FMT(msg, n_msg, "input %d matches no graph input", k);
                tensor_free(t);
                res = T_FAIL;
                break;
            }
            if (t->dtype == DT_UINT16 && g->values[v].dtype == DT_BFLOAT16)
                t->dtype = DT_BFLOAT16; /* older test data stores bfloat16 bits as uint16 */
            tensor_free(vals[v]);
            vals[v] = t;
        }
        if (res == T_PASS && run_graph(g, vals, &e)) {
            FMT(msg, n_msg, "%s: %s", sets[s], e.msg);
            res = T_FAIL;
        }
        for (int k = 0; res == T_PASS && k < g->n_outputs; k++) {
            FMT(path, sizeof path, "%s/%s/output_%d.pb", dir, sets[s], k);
            tensor *want = NULL;
            if (onnx_tensor_read(path, &want, NULL, &e)) {
                FMT(msg, n_msg, "output %d: %s", k, e.msg);
                res = T_SKIP;
                break;
            }
            int v = g->outputs[k];
            if (want->dtype == DT_UINT16 && g->values[v].dtype == DT_BFLOAT16)
                want->dtype = DT_BFLOAT16; /* the same quirk on expected outputs */
            const tensor *got = vals[v] ? vals[v] : g->values[v].init;
            if (!got) {
                FMT(msg, n_msg, "%s: output '%s' was not computed", sets[s], g->values[v].name);
                res = T_FAIL;
            } else if (compare(got, want, g->values[v].name, msg, n_msg)) {
                res = T_FAIL;
            }
            tensor_free(want);
        }
        for (int v = 0; v < g->n_values; v++)
            tensor_free(vals[v]);
        free(vals);
    }
    (void)verbose;
    if (src && res == T_SKIP)
        conv_skipped[src]++;
    if (src && res == T_PASS) {
        conv_passed[src]++;
        if (save_root && save_case(g, dir, id, src, msg, n_msg))
            res = T_FAIL;
    }
    free_names(sets, n_sets);
    graph_free(g);
    return res;
}

int main(int argc, char **argv)
{
    const char *root = "/usr/share/libonnx-testdata/data", *filter = NULL;
    bool verbose = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-v"))
            verbose = true;
        else if (!strcmp(argv[i], "-f") && i + 1 < argc)
            filter = argv[++i];
        else if (!strcmp(argv[i], "--upgrade") && i + 1 < argc)
            upgrade_to = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--save") && i + 1 < argc)
            save_root = argv[++i];
        else
            root = argv[i];
    }
    static const char *const suites[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
    int passed = 0, failed = 0, skipped = 0;
    for (size_t s = 0; s < sizeof suites / sizeof *suites; s++) {
        char dir[4096];
        FMT(dir, sizeof dir, "%s/%s", root, suites[s]);
        char **tests;
        int n = list_dirs(dir, "test_", &tests);
        for (int t = 0; t < n; t++) {
            if (filter && !strstr(tests[t], filter))
                continue;
            char tdir[8192], id[1024], msg[2048] = "";
            FMT(tdir, sizeof tdir, "%s/%s", dir, tests[t]);
            FMT(id, sizeof id, "%s_%s", suites[s], tests[t]);
            outcome o = run_test(tdir, id, verbose, msg, sizeof msg);
            if (o == T_PASS) {
                passed++;
                if (verbose)
                    printf("PASS %s/%s\n", suites[s], tests[t]);
            } else if (o == T_FAIL) {
                failed++;
                printf("FAIL %s/%s: %s\n", suites[s], tests[t], msg);
            } else {
                skipped++;
                note_skip(msg);
                if (verbose)
                    printf("SKIP %s/%s: %s\n", suites[s], tests[t], msg);
            }
        }
        free_names(tests, n);
    }
    qsort(reasons, (size_t)n_reasons, sizeof *reasons, cmp_reasons);
    printf("skipped (reason: tests):\n");
    for (int i = 0; i < n_reasons; i++) {
        printf("  %s: %d\n", reasons[i].text, reasons[i].count);
        free(reasons[i].text);
    }
    free(reasons);
    if (upgrade_to) {
        printf("converted to opset %lld, by source opset:\n", (long long)upgrade_to);
        for (int o = OPSET_MIN; o <= OPSET_MAX; o++)
            if (conv_total[o])
                printf("  opset %2d: %3d converted (%d nodes rewritten), %3d passed, %d failed, %d skipped (test data "
                       "unreadable)\n",
                       o, conv_total[o], conv_nodes[o], conv_passed[o],
                       conv_total[o] - conv_passed[o] - conv_skipped[o], conv_skipped[o]);
        if (save_root)
            printf("  not saved for a second runtime (test data with no .npy type): %d\n", n_unsaved);
    }
    printf("conformance: %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
