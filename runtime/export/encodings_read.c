/* encodings_read.c — AIMET encodings JSON (0.6.1, 1.0.0, 2.0.0) back into quantizers, checked against the model. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/file.h"
#include "base/mem.h"
#include "export.h"
#include "onnx.h"

typedef struct reader {
    const char *what;   /* file name for messages */
    export_quant_set *set;
    int cap;
    qrc_err *e;
} reader;

static int fail(reader *R, const char *tname, const char *msg, const char *field)
{
    if (tname)
        return err_set(R->e, "%s: tensor '%s': %s%s%s", R->what, tname, msg, field ? " " : "", field ? field : "");
    return err_set(R->e, "%s: %s%s%s", R->what, msg, field ? " " : "", field ? field : "");
}

static export_quantizer *add(reader *R, const char *name, bool is_param, int n_encs)
{
    export_quant_set *s = R->set;
    if (s->n == R->cap) {
        int cap = R->cap ? 2 * R->cap : 16;
        s->q = mem_grow(s->q, (size_t)cap, sizeof *s->q);
        R->cap = cap;
    }
    export_quantizer *x = &s->q[s->n++];
    x->tensor = arena_strdup(&s->mem, name);
    x->is_param = is_param;
    x->axis = -1;
    x->n_encs = n_encs;
    x->encs = arena_alloc(&s->mem, (size_t)(n_encs ? n_encs : 1) * sizeof(quant_encoding));
    return x;
}

static int get_number(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return -1;
    *out = json_number_value(v);
    return 0;
}

static int int_value(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    /* a float holding an integer (some writers emit offsets as -128.0) */
    if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) && fabs(json_real_value(v)) < 1e9) {
        *out = (int64_t)json_real_value(v);
        return 0;
    }
    return -1;
}

static int get_int(json_t *o, const char *key, int64_t *out)
{
    return int_value(json_object_get(o, key), out);
}

/* "True"/"False" strings (0.6.1) or JSON booleans (1.0.0). */
static int get_bool(json_t *o, const char *key, bool *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    const char *s = json_string_value(v);
    if (s && (!strcmp(s, "True") || !strcmp(s, "true")))
        return *out = true, 0;
    if (s && (!strcmp(s, "False") || !strcmp(s, "false")))
        return *out = false, 0;
    return -1;
}

/* The integer encoding for a bitwidth, symmetry, scale and offset as written in a file; bounds are
 * recomputed from the grid (the simulation's exact values). */
static int make_int(reader *R, const char *tname, int64_t bw, bool sym, double scale, int64_t offset,
                    quant_encoding *out)
{
    if (bw < QUANT_MIN_BITWIDTH || bw > QUANT_MAX_BITWIDTH)
        return err_set(R->e, "%s: tensor '%s': bitwidth %lld is outside %d..%d", R->what, tname, (long long)bw,
                       QUANT_MIN_BITWIDTH, QUANT_MAX_BITWIDTH);
    int64_t full = ((int64_t)1 << bw) - 1;
    if (offset > 0 || offset < -full)
        return err_set(R->e, "%s: tensor '%s': offset %lld is outside [%lld, 0] for %lld bits", R->what, tname,
                       (long long)offset, (long long)-full, (long long)bw);
    int64_t half = (int64_t)1 << (bw - 1);
    quant_format f = {.kind = QUANT_INT, .bitwidth = (int)bw, .symmetric = sym};
    if (sym) {
        if (offset == -(half - 1))
            f.strict = true;
        else if (offset == 0)
            f.unsigned_sym = true;
        else if (offset != -half)
            return err_set(R->e, "%s: tensor '%s': symmetric %lld-bit encoding with offset %lld", R->what, tname,
                           (long long)bw, (long long)offset);
    }
    /* A scale that float32 cannot hold as a normal number would divide into infinities or lose the grid. */
    if (!(scale >= FLT_MIN && scale <= FLT_MAX))
        return err_set(R->e, "%s: tensor '%s': scale %g is not a positive normal float32", R->what, tname, scale);
    if (quant_encoding_from_scale_offset(&f, scale, (int32_t)offset, out, R->e))
        return err_wrap(R->e, "%s: tensor '%s'", R->what, tname);
    return 0;
}

/* The file's min/max, where given, must agree with the grid to half a step. */
static int check_bounds(reader *R, const char *tname, json_t *o, const quant_encoding *q)
{
    double lo, hi;
    double tol = 0.5 * q->scale + 1e-6 * fmax(fabs(q->min), fabs(q->max));
    if (!get_number(o, "min", &lo) && !(fabs(lo - q->min) <= tol))
        return err_set(R->e, "%s: tensor '%s': min %g does not match scale x offset = %g", R->what, tname, lo,
                       (double)q->min);
    if (!get_number(o, "max", &hi) && !(fabs(hi - q->max) <= tol))
        return err_set(R->e, "%s: tensor '%s': max %g does not match the grid's maximum %g", R->what, tname, hi,
                       (double)q->max);
    return 0;
}

static int read_061_entry(reader *R, const char *tname, json_t *o, quant_encoding *out)
{
    if (!json_is_object(o))
        return fail(R, tname, "encoding entry is not an object", NULL);
    int64_t bw;
    if (get_int(o, "bitwidth", &bw))
        return fail(R, tname, "missing or non-integer", "\"bitwidth\"");
    const char *dtype = json_string_value(json_object_get(o, "dtype"));
    if (dtype && !strcmp(dtype, "float")) {
        if (bw != 16)
            return err_set(R->e, "%s: tensor '%s': float encoding of bitwidth %lld (only 16)", R->what, tname,
                           (long long)bw);
        *out = (quant_encoding){.kind = QUANT_FLOAT, .bitwidth = 16};
        return 0;
    }
    if (dtype && strcmp(dtype, "int"))
        return err_set(R->e, "%s: tensor '%s': unknown dtype \"%s\"", R->what, tname, dtype);
    bool sym;
    double scale;
    int64_t offset;
    if (get_bool(o, "is_symmetric", &sym))
        return fail(R, tname, "missing or bad", "\"is_symmetric\" (\"True\" or \"False\")");
    if (get_number(o, "scale", &scale))
        return fail(R, tname, "missing or non-numeric", "\"scale\"");
    if (get_int(o, "offset", &offset))
        return fail(R, tname, "missing or non-integer", "\"offset\"");
    if (make_int(R, tname, bw, sym, scale, offset, out))
        return -1;
    return check_bounds(R, tname, o, out);
}

static int read_061_section(reader *R, json_t *sec, bool is_param)
{
    if (!sec)
        return 0;
    if (!json_is_object(sec))
        return fail(R, NULL, is_param ? "\"param_encodings\"" : "\"activation_encodings\"",
                    "is not an object keyed by tensor name (version 0.6.1)");
    const char *name;
    json_t *list;
    json_object_foreach(sec, name, list) {
        if (json_is_object(list)) /* a single unwrapped entry */
            list = json_pack("[O]", list);
        else
            json_incref(list);
        if (!json_is_array(list) || json_array_size(list) == 0) {
            json_decref(list);
            return fail(R, name, "expected a non-empty list of encodings", NULL);
        }
        int n = (int)json_array_size(list);
        export_quantizer *x = add(R, name, is_param, n);
        x->axis = n > 1 ? 0 : -1;
        for (int c = 0; c < n; c++)
            if (read_061_entry(R, name, json_array_get(list, (size_t)c), (quant_encoding *)&x->encs[c])) {
                json_decref(list);
                return -1;
            }
        json_decref(list);
    }
    return 0;
}

static int read_100_entry(reader *R, json_t *o, bool is_param)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!json_is_object(o) || !name)
        return fail(R, NULL, "an encoding entry has no \"name\"", NULL);
    const char *type = json_string_value(json_object_get(o, "enc_type"));
    const char *dtype = json_string_value(json_object_get(o, "dtype"));
    int64_t bw;
    if (!type || (strcmp(type, "PER_TENSOR") && strcmp(type, "PER_CHANNEL")))
        return fail(R, name, "\"enc_type\" must be PER_TENSOR or PER_CHANNEL, not",
                    type ? type : "(missing)");
    if (!dtype || (strcmp(dtype, "INT") && strcmp(dtype, "FLOAT")))
        return fail(R, name, "\"dtype\" must be INT or FLOAT, not", dtype ? dtype : "(missing)");
    if (get_int(o, "bw", &bw))
        return fail(R, name, "missing or non-integer", "\"bw\"");
    bool per_channel = !strcmp(type, "PER_CHANNEL");
    if (!strcmp(dtype, "FLOAT")) {
        if (bw != 16)
            return err_set(R->e, "%s: tensor '%s': float encoding of bitwidth %lld (only 16)", R->what, name,
                           (long long)bw);
        export_quantizer *x = add(R, name, is_param, 1);
        *(quant_encoding *)x->encs = (quant_encoding){.kind = QUANT_FLOAT, .bitwidth = 16};
        return 0;
    }
    bool sym;
    if (get_bool(o, "is_sym", &sym))
        return fail(R, name, "missing or bad", "\"is_sym\"");
    json_t *scale = json_object_get(o, "scale"), *offset = json_object_get(o, "offset");
    if (!json_is_array(scale) || !json_is_array(offset) || json_array_size(scale) == 0)
        return fail(R, name, "\"scale\" and \"offset\" must be non-empty lists", NULL);
    size_t n = json_array_size(scale);
    if (json_array_size(offset) != n)
        return err_set(R->e, "%s: tensor '%s': %zu scales but %zu offsets", R->what, name, n,
                       json_array_size(offset));
    if (!per_channel && n != 1)
        return err_set(R->e, "%s: tensor '%s': PER_TENSOR encoding with %zu scales", R->what, name, n);
    export_quantizer *x = add(R, name, is_param, (int)n);
    x->axis = per_channel ? 0 : -1;
    for (size_t c = 0; c < n; c++) {
        json_t *s = json_array_get(scale, c), *f = json_array_get(offset, c);
        double off = json_number_value(f);
        if (!json_is_number(s) || !json_is_number(f) || off != floor(off) || fabs(off) > 1e9)
            return err_set(R->e, "%s: tensor '%s': channel %zu: scale or offset is not a number / integer", R->what,
                           name, c);
        if (make_int(R, name, bw, sym, json_number_value(s), (int64_t)off, (quant_encoding *)&x->encs[c]))
            return -1;
    }
    return 0;
}

static int read_100_section(reader *R, json_t *sec, bool is_param)
{
    if (!sec)
        return 0;
    if (!json_is_array(sec))
        return fail(R, NULL, is_param ? "\"param_encodings\"" : "\"activation_encodings\"",
                    "is not a list (version 1.0.0)");
    for (size_t i = 0; i < json_array_size(sec); i++)
        if (read_100_entry(R, json_array_get(sec, i), is_param))
            return -1;
    return 0;
}

/* A 2.0.0 output_dtype: "int" or "uint" and 4, 8 or 16 bits (QuantizeLinear's integer types qrc simulates). */
static int parse_dtype_200(reader *R, const char *name, const char *dtype, bool *is_signed, int64_t *bw)
{
    const char *digits = dtype && !strncmp(dtype, "uint", 4) ? dtype + 4 : dtype && !strncmp(dtype, "int", 3) ? dtype + 3 : NULL;
    *is_signed = digits == dtype + 3;
    *bw = digits ? strtol(digits, NULL, 10) : 0;
    if (digits && (!strcmp(digits, "4") || !strcmp(digits, "8") || !strcmp(digits, "16")))
        return 0;
    return fail(R, name, "\"output_dtype\" must be int4, int8, int16, uint4, uint8 or uint16, not",
                dtype ? dtype : "(missing)");
}

/* The channel axis a 2.0.0 entry gives, made non-negative against the model's rank when one is known. */
static int axis_200(reader *R, const char *name, json_t *o, const graph *g, int *axis)
{
    int64_t a;
    if (get_int(o, "axis", &a))
        return fail(R, name, "a per-channel entry (list of scales) needs an integer", "\"axis\"");
    int at = g ? graph_find_value(g, name) : -1;
    if (a < 0 && at >= 0)
        a += g->values[at].init ? g->values[at].init->rank : g->values[at].rank;
    if (a < 0 || a > 64)
        return err_set(R->e, "%s: tensor '%s': axis %lld is out of range", R->what, name, (long long)a);
    *axis = (int)a;
    return 0;
}

/* One channel of a 2.0.0 entry: AIMET's offset is -zero_point for unsigned types, and the signed
 * type's zero point shifted by 2^(bw-1) otherwise; a signed zero point of 0 is a symmetric grid. */
static int channel_200(reader *R, const char *name, bool is_signed, int64_t bw, json_t *scale, json_t *zp,
                       quant_encoding *out)
{
    int64_t z = 0;
    if (!json_is_number(scale) || (zp && int_value(zp, &z)) || llabs(z) > 70000)
        return fail(R, name, "\"y_scale\" must be numbers and \"y_zero_point\" integers", "(per-block nesting is not supported)");
    int64_t offset = is_signed ? -(z + ((int64_t)1 << (bw - 1))) : -z;
    return make_int(R, name, bw, is_signed && z == 0, json_number_value(scale), offset, out);
}

static int read_200_entry(reader *R, json_t *o, const graph *g)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!json_is_object(o) || !name)
        return fail(R, NULL, "an encoding entry has no \"name\"", NULL);
    if (json_object_get(o, "block_size"))
        return fail(R, name, "per-block encodings (\"block_size\") are not supported", NULL);
    bool is_signed;
    int64_t bw;
    if (parse_dtype_200(R, name, json_string_value(json_object_get(o, "output_dtype")), &is_signed, &bw))
        return -1;
    json_t *scale = json_object_get(o, "y_scale"), *zp = json_object_get(o, "y_zero_point");
    bool per_channel = json_is_array(scale);
    size_t n = per_channel ? json_array_size(scale) : 1;
    if (per_channel && (n == 0 || (zp && (!json_is_array(zp) || json_array_size(zp) != n))))
        return fail(R, name, "\"y_scale\" and \"y_zero_point\" must be lists of one length", NULL);
    int at = g ? graph_find_value(g, name) : -1;
    export_quantizer *x = add(R, name, at >= 0 && g->values[at].init, (int)n);
    if (!x)
        return err_set(R->e, "out of memory");
    if (per_channel && axis_200(R, name, o, g, &x->axis))
        return -1;
    for (size_t c = 0; c < n; c++)
        if (channel_200(R, name, is_signed, bw, per_channel ? json_array_get(scale, c) : scale,
                        per_channel && zp ? json_array_get(zp, c) : zp, (quant_encoding *)&x->encs[c]))
            return -1;
    return 0;
}

static int read_200_list(reader *R, json_t *list, const graph *g)
{
    for (size_t i = 0; i < json_array_size(list); i++)
        if (read_200_entry(R, json_array_get(list, i), g))
            return -1;
    return 0;
}

/* 2.0.0 keeps every entry in one "encodings" list (whether a tensor is a parameter follows from the
 * model); entries of this shape under the older section names are read too. */
static int read_200(reader *R, json_t *root, const graph *g)
{
    json_t *list = json_object_get(root, "encodings");
    json_t *act = json_object_get(root, "activation_encodings"), *param = json_object_get(root, "param_encodings");
    if (!list && (json_is_array(act) || json_is_array(param)))
        return read_200_list(R, act, g) || read_200_list(R, param, g);
    if (!json_is_array(list))
        return fail(R, NULL, "\"encodings\" is not a list (version 2.0.0)", NULL);
    return read_200_list(R, list, g);
}

/* Channel axis of a per-channel parameter, from the op that reads it (DESIGN's table), else the only
 * dimension of that size, else 0. */
static int infer_axis(const graph *g, const export_quantizer *x)
{
    int v = graph_find_value(g, x->tensor);
    if (v < 0)
        return 0;
    const graph_value *gv = &g->values[v];
    const tensor *t = gv->init;
    int rank = t ? t->rank : gv->rank;
    const int64_t *dims = t ? t->dims : gv->dims;
    for (int k = 0; k < gv->n_consumers; k++) {
        const graph_node *nd = &g->nodes[gv->consumers[k]];
        if (nd->n_in < 2 || nd->in[1] != v)
            continue;
        if (!strcmp(nd->op_type, "Conv"))
            return 0;
        if (!strcmp(nd->op_type, "ConvTranspose"))
            return 1;
        if (!strcmp(nd->op_type, "Gemm"))
            return graph_attr_int(nd, "transB", 0) ? 0 : 1;
        if (!strcmp(nd->op_type, "MatMul") && rank >= 1)
            return rank - 1;
    }
    int found = -1;
    for (int d = 0; d < rank; d++)
        if (dims[d] == x->n_encs) {
            if (found >= 0)
                return 0;
            found = d;
        }
    return found >= 0 ? found : 0;
}

int export_encodings_parse(const char *text, size_t len, const char *what, const graph *g, export_quant_set **out,
                           qrc_err *e)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return err_set(e, "%s:%d:%d: invalid JSON: %s", what, je.line, je.column, je.text);
    reader R = {what, mem_zalloc(1, sizeof(export_quant_set)), 0, e};
    int rc = -1;
    if (!json_is_object(root)) {
        fail(&R, NULL, "the top level is not an object", NULL);
        goto done;
    }
    json_t *act = json_object_get(root, "activation_encodings");
    json_t *param = json_object_get(root, "param_encodings");
    json_t *all = json_object_get(root, "encodings");
    if (!act && !param && !all) {
        fail(&R, NULL, "none of \"activation_encodings\", \"param_encodings\" or \"encodings\" is present", NULL);
        goto done;
    }
    export_enc_version v;
    json_t *ver = json_object_get(root, "version");
    if (ver) {
        if (export_enc_version_parse(json_string_value(ver), &v, e)) {
            err_wrap(e, "%s", what);
            goto done;
        }
    } else {
        v = all ? EXPORT_ENC_2_0_0 : json_is_array(act) || json_is_array(param) ? EXPORT_ENC_1_0_0 : EXPORT_ENC_0_6_1;
    }
    if (v == EXPORT_ENC_2_0_0 ? read_200(&R, root, g)
        : v == EXPORT_ENC_0_6_1 ? read_061_section(&R, act, false) || read_061_section(&R, param, true)
                                : read_100_section(&R, act, false) || read_100_section(&R, param, true))
        goto done;
    if (g && v != EXPORT_ENC_2_0_0)
        for (int i = 0; i < R.set->n; i++)
            if (R.set->q[i].axis >= 0)
                R.set->q[i].axis = infer_axis(g, &R.set->q[i]);
    if (export_quantizers_check(g, R.set->q, R.set->n, e)) {
        err_wrap(e, "%s: does not match the model", what);
        goto done;
    }
    for (int i = 0; g && i < R.set->n; i++) {
        int at = graph_find_value(g, R.set->q[i].tensor);
        if (!R.set->q[i].is_param && at >= 0 && g->values[at].init) {
            err_set(e, "%s: tensor '%s' is a parameter of the model but has an activation encoding", what,
                    R.set->q[i].tensor);
            goto done;
        }
    }
    rc = 0;
done:
    json_decref(root);
    if (rc)
        export_quant_set_free(R.set);
    else
        *out = R.set;
    return rc;
}

int export_encodings_read(const char *path, const graph *g, export_quant_set **out, qrc_err *e)
{
    *out = NULL;
    void *buf;
    size_t n;
    if (file_read(path, FILE_NO_LIMIT, &buf, &n, e))
        return -1;
    int rc = export_encodings_parse(buf, n, path, g, out, e);
    free(buf);
    return rc;
}
