/* sim.c — the quantization simulation object: creation (rules, placement), accessors, release. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "sim_internal.h"

static const char *const ROLE_NAMES[QUANT_ROLE_COUNT_] = {
    [QUANT_ROLE_INPUT] = "input",
    [QUANT_ROLE_ACT] = "activation",
    [QUANT_ROLE_WEIGHT] = "weight",
    [QUANT_ROLE_BIAS] = "bias",
};

const char *quant_role_name(quant_role r)
{
    return (unsigned)r < QUANT_ROLE_COUNT_ ? ROLE_NAMES[r] : "unknown";
}

quant_sim *quant_sim_create(struct graph *g, const quant_rule *rules, int n_rules, const quant_config *cfg,
                            const quant_options *opts, qrc_err *e)
{
    if (!g->order && g->n_nodes > 0) {
        err_set(e, "the graph must be reindexed before quantizers are placed");
        return NULL;
    }
    quant_sim *s = mem_zalloc(1, sizeof *s);
    s->g = g;
    s->cfg = cfg;
    if (opts)
        s->opts = *opts;
    if ((unsigned)s->opts.scheme >= QUANT_SCHEME_COUNT_ ||
        (s->opts.weight_method.set && (unsigned)s->opts.weight_method.scheme >= QUANT_SCHEME_COUNT_)) {
        err_set(e, "unknown quantization scheme %d",
                (int)((unsigned)s->opts.scheme >= QUANT_SCHEME_COUNT_ ? s->opts.scheme : s->opts.weight_method.scheme));
        goto fail;
    }
    if (s->opts.percentile == 0)
        s->opts.percentile = 99.99;
    if (!s->opts.weight_method.set)
        s->opts.weight_method = (quant_method){true, s->opts.scheme, s->opts.percentile};
    else if (s->opts.weight_method.percentile == 0)
        s->opts.weight_method.percentile = 99.99;
    size_t nn = (size_t)(g->n_nodes > 0 ? g->n_nodes : 1), nv = (size_t)(g->n_values > 0 ? g->n_values : 1);
    s->excluded = mem_zalloc(nn, sizeof *s->excluded);
    s->fused = mem_zalloc(nn, sizeof *s->fused);
    s->sens_rank = mem_grow(NULL, nn, sizeof *s->sens_rank);
    s->carrier = mem_grow(NULL, nv, sizeof *s->carrier);
    for (int n = 0; n < g->n_nodes; n++) {
        s->excluded[n] = s->opts.excluded && s->opts.excluded[n];
        s->sens_rank[n] = -1;
    }
    if (s->opts.fused_with_next) {
        s->prep_fused = mem_zalloc(nn, sizeof *s->prep_fused);
        for (int n = 0; n < g->n_nodes; n++)
            s->prep_fused[n] = s->opts.fused_with_next[n];
    }
    /* The caller's per-node arrays are not kept. */
    s->opts.excluded = NULL;
    s->opts.fused_with_next = NULL;
    if (quant_rules_compile(s, rules, n_rules, e) || quant_place(s, e))
        goto fail;
    return s;
fail:
    quant_sim_free(s);
    return NULL;
}

void quant_sim_free(quant_sim *s)
{
    if (!s)
        return;
    if (s->obs)
        for (int i = 0; i < s->n_q; i++)
            quant_observer_free(s->obs[i]);
    free(s->obs);
    exec_free(s->fexec);
    exec_free(s->qexec);
    for (int v = 0; s->float_params && v < s->g->n_values; v++)
        tensor_free(s->float_params[v]);
    free(s->float_params);
    free(s->sens);
    quant_quantizers_clear(s);
    quant_rules_release(s);
    free(s->excluded);
    free(s->fused);
    free(s->prep_fused);
    free(s->sens_rank);
    free(s->carrier);
    free(s->is_float);
    free(s->is_data);
    arena_free(&s->mem);
    free(s);
}

int quant_sim_count(const quant_sim *s)
{
    return s->n_q;
}

const quant_quantizer *quant_sim_get(const quant_sim *s, int i)
{
    return i >= 0 && i < s->n_q ? &s->q[i] : NULL;
}

int quant_sim_find(const quant_sim *s, const char *name)
{
    int v = graph_find_value(s->g, name);
    return v < 0 ? -1 : s->carrier[v];
}

int quant_sim_rule_matches(const quant_sim *s, int rule)
{
    return rule >= 0 && rule < s->n_rules ? s->rules[rule].hits : 0;
}
