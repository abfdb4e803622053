/* encodings_write.c — AIMET encodings JSON ("0.6.1", "1.0.0" and "2.0.0") from a quantizer list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/file.h"
#include "export.h"
#include "onnx.h"

/* Nine significant digits read back to the same float; sorted keys make the bytes a function of the
 * content alone. */
#define DUMP_FLAGS (JSON_INDENT(4) | JSON_SORT_KEYS | JSON_REAL_PRECISION(9))

static const char *const VERSION_NAMES[] = {
    [EXPORT_ENC_0_6_1] = "0.6.1",
    [EXPORT_ENC_1_0_0] = "1.0.0",
    [EXPORT_ENC_2_0_0] = "2.0.0",
};

const char *export_enc_version_name(export_enc_version v)
{
    return (unsigned)v < sizeof VERSION_NAMES / sizeof *VERSION_NAMES ? VERSION_NAMES[v] : "unknown";
}

int export_enc_version_parse(const char *s, export_enc_version *out, qrc_err *e)
{
    for (unsigned i = 0; i < sizeof VERSION_NAMES / sizeof *VERSION_NAMES; i++)
        if (s && !strcmp(s, VERSION_NAMES[i])) {
            *out = (export_enc_version)i;
            return 0;
        }
    return err_set(e, "unknown encodings version '%s' (expected \"0.6.1\", \"1.0.0\" or \"2.0.0\")", s ? s : "");
}

/* Adds value to obj under key, taking the reference; jansson only fails on allocation. */
static void put(json_t *obj, const char *key, json_t *value)
{
    json_object_set_new(obj, key, value);
}

static json_t *real(float f)
{
    return json_real((double)f);
}

/* 0.6.1: one object per channel. */
static json_t *entry_061(const quant_encoding *q)
{
    json_t *o = json_object();
    put(o, "bitwidth", json_integer(q->bitwidth));
    if (q->kind == QUANT_FLOAT) {
        put(o, "dtype", json_string("float"));
        return o;
    }
    put(o, "dtype", json_string("int"));
    put(o, "is_symmetric", json_string(q->symmetric ? "True" : "False"));
    put(o, "max", real(q->max));
    put(o, "min", real(q->min));
    put(o, "offset", json_integer(q->offset));
    put(o, "scale", real(q->scale));
    return o;
}

static json_t *quantizer_061(const export_quantizer *x)
{
    json_t *list = json_array();
    for (int c = 0; c < x->n_encs; c++)
        json_array_append_new(list, entry_061(&x->encs[c]));
    return list;
}

/* 1.0.0: one object per tensor with per-channel lists. */
static json_t *quantizer_100(const export_quantizer *x)
{
    const quant_encoding *q0 = &x->encs[0];
    json_t *o = json_object();
    put(o, "name", json_string(x->tensor));
    put(o, "enc_type", json_string(x->axis >= 0 ? "PER_CHANNEL" : "PER_TENSOR"));
    put(o, "bw", json_integer(q0->bitwidth));
    if (q0->kind == QUANT_FLOAT) {
        put(o, "dtype", json_string("FLOAT"));
        return o;
    }
    put(o, "dtype", json_string("INT"));
    put(o, "is_sym", json_boolean(q0->symmetric));
    json_t *scale = json_array(), *offset = json_array();
    for (int c = 0; c < x->n_encs; c++) {
        json_array_append_new(scale, real(x->encs[c].scale));
        json_array_append_new(offset, json_integer(x->encs[c].offset));
    }
    put(o, "scale", scale);
    put(o, "offset", offset);
    return o;
}

/* 2.0.0 holds QuantizeLinear's own types: 4, 8 or 16 bits with the full grid of the type. */
static int check_200(const export_quantizer *x, qrc_err *e)
{
    const quant_encoding *q0 = &x->encs[0];
    if (q0->kind == QUANT_FLOAT)
        return err_set(e, "tensor '%s': a float16 quantizer has no form in encodings 2.0.0 (integer types only); "
                          "use \"1.0.0\"", x->tensor);
    if (q0->bitwidth != 4 && q0->bitwidth != 8 && q0->bitwidth != 16)
        return err_set(e, "tensor '%s': %d-bit quantizer has no 2.0.0 output_dtype (int4/8/16 or uint4/8/16); "
                          "use \"1.0.0\"", x->tensor, q0->bitwidth);
    for (int c = 0; c < x->n_encs; c++)
        if (x->encs[c].strict)
            return err_set(e, "tensor '%s': strict symmetric grids cannot be told apart from symmetric ones in "
                              "encodings 2.0.0; use \"1.0.0\"", x->tensor);
    return 0;
}

/* 2.0.0: one QuantizeLinear-shaped entry per tensor. Signed types when every channel is symmetric about 0
 * (as the QDQ export stores them), else unsigned with zero point -offset. */
static json_t *quantizer_200(const export_quantizer *x)
{
    const quant_encoding *q0 = &x->encs[0];
    bool is_signed = true;
    for (int c = 0; c < x->n_encs; c++)
        is_signed &= x->encs[c].symmetric && x->encs[c].offset != 0;
    int32_t shift = is_signed ? (int32_t)1 << (q0->bitwidth - 1) : 0;
    char dtype[16];
    snprintf(dtype, sizeof dtype, "%sint%d", is_signed ? "" : "u", q0->bitwidth);
    json_t *o = json_object();
    put(o, "name", json_string(x->tensor));
    put(o, "output_dtype", json_string(dtype));
    if (x->axis < 0) {
        put(o, "y_scale", real(q0->scale));
        put(o, "y_zero_point", json_integer(-q0->offset - shift));
        return o;
    }
    json_t *scale = json_array(), *zp = json_array();
    for (int c = 0; c < x->n_encs; c++) {
        json_array_append_new(scale, real(x->encs[c].scale));
        json_array_append_new(zp, json_integer(-x->encs[c].offset - shift));
    }
    put(o, "y_scale", scale);
    put(o, "y_zero_point", zp);
    put(o, "axis", json_integer(x->axis));
    return o;
}

/* The 2.0.0 document: the version and one list of entries, parameters and activations alike. */
static json_t *document_200(const export_quantizer *q, int n, qrc_err *e)
{
    for (int i = 0; i < n; i++)
        if (check_200(&q[i], e))
            return NULL;
    json_t *root = json_object(), *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, quantizer_200(&q[i]));
    put(root, "version", json_string(export_enc_version_name(EXPORT_ENC_2_0_0)));
    put(root, "encodings", list);
    return root;
}

/* The summary AIMET writes next to the encodings, derived from the first quantizer of each kind. */
static json_t *quantizer_args(const export_quantizer *q, int n, const char *scheme)
{
    int act_bw = 8, param_bw = 8;
    bool have_act = false, have_param = false, sym = false, per_channel = false;
    for (int i = 0; i < n; i++) {
        if (q[i].is_param) {
            per_channel |= q[i].axis >= 0;
            if (!have_param && q[i].encs[0].kind == QUANT_INT) {
                param_bw = q[i].encs[0].bitwidth;
                sym = q[i].encs[0].symmetric;
                have_param = true;
            }
        } else if (!have_act && q[i].encs[0].kind == QUANT_INT) {
            act_bw = q[i].encs[0].bitwidth;
            have_act = true;
        }
    }
    json_t *o = json_object();
    put(o, "activation_bitwidth", json_integer(act_bw));
    put(o, "dtype", json_string("int"));
    put(o, "is_symmetric", json_boolean(sym));
    put(o, "param_bitwidth", json_integer(param_bw));
    put(o, "per_channel_quantization", json_boolean(per_channel));
    put(o, "quant_scheme", json_string(scheme ? scheme : "post_training_tf"));
    return o;
}

/* 0.6.1 and 1.0.0: activation and parameter sections plus quantizer_args. */
static json_t *legacy_document(const export_quantizer *q, int n, export_enc_version v, const char *scheme)
{
    json_t *root = json_object();
    json_t *act = v == EXPORT_ENC_0_6_1 ? json_object() : json_array();
    json_t *param = v == EXPORT_ENC_0_6_1 ? json_object() : json_array();
    for (int i = 0; i < n; i++) {
        json_t *section = q[i].is_param ? param : act;
        if (v == EXPORT_ENC_0_6_1)
            put(section, q[i].tensor, quantizer_061(&q[i]));
        else
            json_array_append_new(section, quantizer_100(&q[i]));
    }
    put(root, "version", json_string(export_enc_version_name(v)));
    put(root, "activation_encodings", act);
    put(root, "param_encodings", param);
    put(root, "quantizer_args", quantizer_args(q, n, scheme));
    return root;
}

/* root serialized with a final newline; takes the reference. */
static int dump_text(json_t *root, char **text, qrc_err *e)
{
    char *s = json_dumps(root, DUMP_FLAGS);
    json_decref(root);
    if (!s)
        return err_set(e, "out of memory writing encodings");
    size_t len = strlen(s);
    char *out = malloc(len + 2);
    if (!out) {
        free(s);
        return err_set(e, "out of memory writing encodings");
    }
    memcpy(out, s, len);
    out[len] = '\n';
    out[len + 1] = 0;
    free(s);
    *text = out;
    return 0;
}

int export_encodings_dump(const export_quantizer *q, int n, export_enc_version v, const char *scheme,
                          char **text, qrc_err *e)
{
    *text = NULL;
    if (v != EXPORT_ENC_0_6_1 && v != EXPORT_ENC_1_0_0 && v != EXPORT_ENC_2_0_0)
        return err_set(e, "unknown encodings version %d", (int)v);
    if (export_quantizers_check(NULL, q, n, e))
        return -1;
    json_t *root = v == EXPORT_ENC_2_0_0 ? document_200(q, n, e) : legacy_document(q, n, v, scheme);
    if (!root)
        return -1;
    return dump_text(root, text, e);
}

int export_encodings_write(const char *path, const export_quantizer *q, int n, export_enc_version v,
                           const char *scheme, qrc_err *e)
{
    char *text;
    if (export_encodings_dump(q, n, v, scheme, &text, e))
        return err_wrap(e, "%s", path);
    int rc = file_write_atomic(path, text, strlen(text), e);
    free(text);
    return rc;
}
