/* artifacts.c — the report JSON and the all-or-nothing write of a build's artifacts. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "base/file.h"
#include "base/mem.h"
#include "export.h"
#include "onnx.h"
#include "base/sha256.h"

/* JSON has no infinity: a layer equal to float (SQNR +inf) or an undefined number is written as null. */
static json_t *number(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *metrics(const export_metric *m, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(o, m[i].name, number(m[i].value));
    return o;
}

static json_t *texts(const export_text *t, int n)
{
    json_t *o = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(o, t[i].name, json_string(t[i].text ? t[i].text : ""));
    return o;
}

int export_report_dump(const export_report *r, const export_quantizer *q, int n, const export_text *artifact_hashes,
                       int n_artifacts, char **text, qrc_err *e)
{
    *text = NULL;
    char *enc;
    if (export_encodings_dump(q, n, EXPORT_ENC_1_0_0, NULL, &enc, e))
        return err_wrap(e, "report");
    json_error_t je;
    json_t *encs = json_loads(enc, 0, &je);
    free(enc);
    if (!encs)
        return err_set(e, "report: internal error re-reading encodings: %s", je.text);
    json_t *root = json_object();
    json_object_set_new(root, "recipe_hash", json_string(r->recipe_hash ? r->recipe_hash : ""));
    json_object_set_new(root, "model_hash", json_string(r->model_hash ? r->model_hash : ""));
    json_object_set_new(root, "data_hashes", texts(r->data_hashes, r->n_data_hashes));
    json_t *plan = json_array();
    for (int i = 0; i < r->n_plan; i++) {
        json_t *p = json_object();
        json_object_set_new(p, "pass", json_string(r->plan[i].name));
        json_object_set_new(p, "summary", json_string(r->plan[i].text ? r->plan[i].text : ""));
        json_array_append_new(plan, p);
    }
    json_object_set_new(root, "plan", plan);
    json_t *quant = json_object();
    json_object_set(quant, "activations", json_object_get(encs, "activation_encodings"));
    json_object_set(quant, "params", json_object_get(encs, "param_encodings"));
    json_decref(encs);
    json_object_set_new(root, "quantizers", quant);
    json_object_set_new(root, "evaluation", metrics(r->metrics, r->n_metrics));
    json_t *layers = json_array();
    for (int i = 0; i < r->n_layers; i++) {
        json_t *l = json_object();
        json_object_set_new(l, "tensor", json_string(r->layers[i].name));
        json_object_set_new(l, "sqnr_db", number(r->layers[i].value));
        json_array_append_new(layers, l);
    }
    json_object_set_new(root, "layers", layers);
    if (r->n_ranking > 0) {
        json_t *ranking = json_array();
        for (int i = 0; i < r->n_ranking; i++) {
            const export_ranked *k = &r->ranking[i];
            json_array_append_new(ranking, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "op", k->op, "sqnr_db",
                                                     number(k->sqnr_db), "weight_sqnr_db", number(k->weight_sqnr_db),
                                                     "act_sqnr_db", number(k->act_sqnr_db), "act_min",
                                                     number(k->act_min), "act_max", number(k->act_max), "clipped",
                                                     number(k->clipped)));
        }
        json_object_set_new(root, "sensitivity", ranking);
    }
    json_object_set_new(root, "artifacts", texts(artifact_hashes, n_artifacts));
    json_object_set_new(root, "timings", metrics(r->timings, r->n_timings));
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(9));
    json_decref(root);
    if (!s)
        return err_set(e, "report: out of memory (or a non-finite number)");
    size_t len = strlen(s);
    char *out = realloc(s, len + 2);
    if (!out) {
        free(s);
        return err_set(e, "report: out of memory");
    }
    out[len] = '\n';
    out[len + 1] = 0;
    *text = out;
    return 0;
}

enum { N_ART = 5 };

typedef struct artifact {
    char *path, *tmp;
    void *data;
    size_t n;
} artifact;

static char *path_of(const export_options *o, const char *suffix)
{
    size_t n = strlen(o->dir) + strlen(o->prefix) + strlen(suffix) + 2;
    char *p = mem_alloc(n);
    snprintf(p, n, "%s/%s%s", o->dir, o->prefix, suffix);
    return p;
}

int export_write_all(const graph *g, const export_quantizer *q, int n, const export_options *o, qrc_err *e)
{
    if (!o->dir || !o->prefix || !*o->prefix || strchr(o->prefix, '/'))
        return err_set(e, "export: a directory and a plain file prefix are required");
    struct stat st;
    if (stat(o->dir, &st) || !S_ISDIR(st.st_mode))
        return err_set(e, "export directory '%s' does not exist or is not a directory", o->dir);
    if (access(o->dir, W_OK | X_OK))
        return err_set(e, "export directory '%s' cannot be written: %s", o->dir, strerror(errno));
    artifact a[N_ART] = {{0}};
    static const char *const SUFFIX[N_ART] = {".onnx", ".encodings", "_float.onnx", ".report.json", ".report.html"};
    unsigned want = o->artifacts ? o->artifacts : EXPORT_ART_ALL;
    if (!o->report)
        want &= ~(unsigned)EXPORT_ART_REPORT;
    int rc = -1;
    graph *qdq = NULL;
    for (int i = 0; i < N_ART; i++)
        if (want & (1u << (i < 4 ? i : 3))) /* the HTML goes with the JSON */
            a[i].path = path_of(o, SUFFIX[i]);
    /* The QDQ model and the encodings are built even when not written: they validate the quantizers. */
    if (export_qdq(g, q, n, &o->qdq, &qdq, e) || onnx_save_mem(qdq, &a[0].data, &a[0].n, e)) {
        err_wrap(e, "%s", a[0].path ? a[0].path : "QDQ model");
        goto done;
    }
    char *enc;
    if (export_encodings_dump(q, n, o->enc_version, o->quant_scheme, &enc, e)) {
        err_wrap(e, "%s", a[1].path ? a[1].path : "encodings");
        goto done;
    }
    a[1].data = enc;
    a[1].n = strlen(enc);
    if ((want & EXPORT_ART_FLOAT) && onnx_save_mem(g, &a[2].data, &a[2].n, e)) {
        err_wrap(e, "%s", a[2].path);
        goto done;
    }
    if (want & EXPORT_ART_REPORT) {
        export_text hashes[3];
        char hex[3][65];
        int n_hashes = 0;
        for (int i = 0; i < 3; i++)
            if (a[i].path) {
                sha256_hex_of(a[i].data, a[i].n, hex[n_hashes]);
                hashes[n_hashes] = (export_text){strrchr(a[i].path, '/') + 1, hex[n_hashes]};
                n_hashes++;
            }
        char *rep;
        if (export_report_dump(o->report, q, n, hashes, n_hashes, &rep, e)) {
            err_wrap(e, "%s", a[3].path);
            goto done;
        }
        a[3].data = rep;
        a[3].n = strlen(rep);
        if (export_report_html(o->report, q, n, hashes, n_hashes, &rep, e)) {
            err_wrap(e, "%s", a[4].path);
            goto done;
        }
        a[4].data = rep;
        a[4].n = strlen(rep);
    }
    for (int i = 0; i < N_ART; i++)
        if (a[i].path && file_write_temp(a[i].path, a[i].data, a[i].n, &a[i].tmp, e))
            goto done;
    for (int i = 0; i < N_ART; i++)
        if (a[i].path && rename(a[i].tmp, a[i].path)) {
            err_set(e, "%s: cannot rename into place: %s", a[i].path, strerror(errno));
            goto done;
        } else {
            free(a[i].tmp);
            a[i].tmp = NULL;
        }
    rc = 0;
done:
    for (int i = 0; i < N_ART; i++) {
        if (a[i].tmp)
            unlink(a[i].tmp);
        free(a[i].tmp);
        free(a[i].path);
        free(a[i].data);
    }
    graph_free(qdq);
    return rc;
}

int export_sha256_file(const char *path, char hex[65], qrc_err *e)
{
    void *buf;
    size_t n;
    if (file_read(path, FILE_NO_LIMIT, &buf, &n, e))
        return -1;
    sha256_hex_of(buf, n, hex);
    free(buf);
    return 0;
}
