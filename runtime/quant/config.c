/* config.c — reads AIMET's quantsim config JSON into a quant_config. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/mem.h"
#include "quant.h"
#include "onnx.h"
#include "op.h"

/* "True"/"False" (as AIMET writes them) or a JSON boolean; absent gives QUANT_UNSET. */
static int read_tri(const json_t *obj, const char *key, quant_tri *out, const char *where, qrc_err *e)
{
    const json_t *v = json_object_get(obj, key);
    if (!v)
        return 0;
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? QUANT_YES : QUANT_NO;
        return 0;
    }
    const char *s = json_string_value(v);
    if (s && (strcmp(s, "True") == 0 || strcmp(s, "true") == 0)) {
        *out = QUANT_YES;
        return 0;
    }
    if (s && (strcmp(s, "False") == 0 || strcmp(s, "false") == 0)) {
        *out = QUANT_NO;
        return 0;
    }
    return err_set(e, "%s.%s: expected \"True\" or \"False\"", where, key);
}

static int read_object(const json_t *parent, const char *key, const json_t **out, const char *where, qrc_err *e)
{
    const json_t *v = json_object_get(parent, key);
    *out = NULL;
    if (!v)
        return 0;
    if (!json_is_object(v))
        return err_set(e, "%s.%s: expected an object", where, key);
    *out = v;
    return 0;
}

/* {"is_quantized": .., "is_symmetric": ..} of a parameter kind, or the ops' is_output_quantized form. */
static int read_side(const json_t *obj, const char *quantized_key, quant_config_side *side, const char *where,
                     qrc_err *e)
{
    if (!obj)
        return 0;
    if (read_tri(obj, quantized_key, &side->quantized, where, e) ||
        read_tri(obj, "is_symmetric", &side->symmetric, where, e))
        return -1;
    return 0;
}

/* params: {"weight": {...}, "bias": {...}} (other kinds are accepted and ignored). */
static int read_params(const json_t *obj, quant_config_side *weight, quant_config_side *bias, const char *where,
                       qrc_err *e)
{
    const json_t *w, *b;
    if (!obj)
        return 0;
    if (read_object(obj, "weight", &w, where, e) || read_object(obj, "bias", &b, where, e))
        return -1;
    return read_side(w, "is_quantized", weight, where, e) || read_side(b, "is_quantized", bias, where, e) ? -1 : 0;
}

static int read_op(quant_config_op *op, const char *name, const json_t *obj, qrc_err *e)
{
    char where[160];
    snprintf(where, sizeof where, "op_type.%s", name);
    op->op_type = mem_strdup(name);
    if (!json_is_object(obj))
        return err_set(e, "%s: expected an object", where);
    const json_t *params, *cons;
    if (read_side(obj, "is_output_quantized", &op->act, where, e) ||
        read_tri(obj, "is_input_quantized", &op->input_quantized, where, e) ||
        read_tri(obj, "per_channel_quantization", &op->per_channel, where, e) ||
        read_object(obj, "params", &params, where, e) || read_params(params, &op->weight, &op->bias, where, e) ||
        read_object(obj, "encoding_constraints", &cons, where, e))
        return -1;
    if (cons) {
        const json_t *mn = json_object_get(cons, "min"), *mx = json_object_get(cons, "max");
        if (!json_is_number(mn) || !json_is_number(mx))
            return err_set(e, "%s.encoding_constraints: expected numeric min and max", where);
        op->has_constraint = true;
        op->constraint_min = json_number_value(mn);
        op->constraint_max = json_number_value(mx);
        if (!(op->constraint_min <= op->constraint_max))
            return err_set(e, "%s.encoding_constraints: min %g > max %g", where, op->constraint_min,
                           op->constraint_max);
    }
    return 0;
}

static int read_supergroups(quant_config *c, const json_t *list, qrc_err *e)
{
    if (!list)
        return 0;
    if (!json_is_array(list))
        return err_set(e, "supergroups: expected a list");
    size_t n = json_array_size(list);
    c->supergroups = mem_zalloc(n ? n : 1, sizeof *c->supergroups);
    for (size_t i = 0; i < n; i++) {
        const json_t *ops = json_object_get(json_array_get(list, i), "op_list");
        if (!json_is_array(ops) || json_array_size(ops) < 2)
            return err_set(e, "supergroups[%zu]: expected an op_list of at least two op types", i);
        size_t k = json_array_size(ops);
        char **names = mem_zalloc(k + 1, sizeof *names);
        c->supergroups[c->n_supergroups++] = names;
        for (size_t j = 0; j < k; j++) {
            const char *s = json_string_value(json_array_get(ops, j));
            if (!s)
                return err_set(e, "supergroups[%zu].op_list[%zu]: expected an op type name", i, j);
            if (!op_find("", s, 1000))   /* a misspelled op would make the supergroup match nothing */
                return err_set(e, "supergroups[%zu].op_list[%zu]: unknown op type '%s'", i, j, s);
            names[j] = mem_strdup(s);
        }
    }
    return 0;
}

static int read_config(quant_config *c, const json_t *root, qrc_err *e)
{
    if (!json_is_object(root))
        return err_set(e, "expected a JSON object at the top level");
    const json_t *defaults, *dops, *dparams, *params, *ops, *min, *mout;
    if (read_object(root, "defaults", &defaults, "", e))
        return -1;
    if (defaults) {
        if (read_object(defaults, "ops", &dops, "defaults", e) ||
            read_object(defaults, "params", &dparams, "defaults", e) ||
            read_side(dops, "is_output_quantized", &c->act, "defaults.ops", e) ||
            read_side(dparams, "is_quantized", &c->param, "defaults.params", e) ||
            read_tri(defaults, "strict_symmetric", &c->strict_symmetric, "defaults", e) ||
            read_tri(defaults, "unsigned_symmetric", &c->unsigned_symmetric, "defaults", e) ||
            read_tri(defaults, "per_channel_quantization", &c->per_channel, "defaults", e))
            return -1;
    }
    if (read_object(root, "params", &params, "", e) || read_params(params, &c->weight, &c->bias, "params", e))
        return -1;
    if (read_object(root, "op_type", &ops, "", e))
        return -1;
    if (ops) {
        c->ops = mem_zalloc(json_object_size(ops) + 1, sizeof *c->ops);
        const char *name;
        json_t *v;
        json_object_foreach((json_t *)ops, name, v)
        {
            if (read_op(&c->ops[c->n_ops++], name, v, e))
                return -1;
        }
    }
    if (read_supergroups(c, json_object_get(root, "supergroups"), e))
        return -1;
    if (read_object(root, "model_input", &min, "", e) ||
        (min && read_tri(min, "is_input_quantized", &c->input_quantized, "model_input", e)) ||
        read_object(root, "model_output", &mout, "", e) ||
        (mout && read_tri(mout, "is_output_quantized", &c->output_quantized, "model_output", e)))
        return -1;
    return 0;
}

static quant_config *from_root(json_t *root, const char *source, qrc_err *e)
{
    quant_config *c = mem_zalloc(1, sizeof *c);
    int rc = read_config(c, root, e);
    json_decref(root);
    if (rc) {
        err_wrap(e, "%s", source);
        quant_config_free(c);
        return NULL;
    }
    return c;
}

quant_config *quant_config_parse(const char *json_text, const char *source, qrc_err *e)
{
    json_error_t je;
    json_t *root = json_loads(json_text, 0, &je);
    if (!root) {
        err_set(e, "%s:%d:%d: %s", source, je.line, je.column, je.text);
        return NULL;
    }
    return from_root(root, source, e);
}

quant_config *quant_config_load(const char *path, qrc_err *e)
{
    json_error_t je;
    FILE *f = file_open_regular(path, e);
    if (!f)
        return NULL;
    json_t *root = json_loadf(f, 0, &je);
    fclose(f);
    if (!root) {
        err_set(e, "%s:%d:%d: %s", path, je.line, je.column, je.text);
        return NULL;
    }
    return from_root(root, path, e);
}

void quant_config_free(quant_config *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n_ops; i++)
        free(c->ops[i].op_type);
    free(c->ops);
    for (int i = 0; i < c->n_supergroups; i++) {
        for (char **s = c->supergroups[i]; *s; s++)
            free(*s);
        free(c->supergroups[i]);
    }
    free(c->supergroups);
    free(c);
}

const quant_config_op *quant_config_op_find(const quant_config *c, const char *op_type)
{
    for (int i = 0; c && i < c->n_ops; i++)
        if (strcmp(c->ops[i].op_type, op_type) == 0)
            return &c->ops[i];
    return NULL;
}
