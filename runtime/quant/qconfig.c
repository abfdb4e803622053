/* qconfig.c — matching ops against the ordered qconfig rules and resolving each op's qconfig from the
 * deciding rule, the default rule, the quantsim config and built-in defaults, in that order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "sim_internal.h"

int quant_rules_compile(quant_sim *s, const quant_rule *rules, int n, qrc_err *e)
{
    s->rules = mem_zalloc(n > 0 ? (size_t)n : 1, sizeof *s->rules);
    s->default_rule = -1;
    for (int i = 0; i < n; i++) {
        quant_rule_rt *rt = &s->rules[i];
        s->n_rules = i + 1;
        rt->r = rules[i];
        const char *label = rules[i].label ? rules[i].label : "rule";
        rt->r.label = arena_strdup(&s->mem, label);
        if ((unsigned)rules[i].select > QUANT_SEL_SENSITIVITY)
            return err_set(e, "%s: unknown selector %d", label, (int)rules[i].select);
        if (rules[i].select == QUANT_SEL_DEFAULT && s->default_rule < 0)
            s->default_rule = i;
        if (rules[i].select == QUANT_SEL_SENSITIVITY && !(rules[i].top_fraction > 0 && rules[i].top_fraction <= 1))
            return err_set(e, "%s: sensitivity fraction %g is outside (0, 1]", label, rules[i].top_fraction);
        int np = rules[i].n_patterns;
        select_spec *pats = arena_alloc(&s->mem, sizeof *pats * (size_t)(np > 0 ? np : 1));
        rt->sel = mem_zalloc((size_t)(np > 0 ? np : 1), sizeof *rt->sel);
        for (int p = 0; p < np; p++) {
            pats[p].kind = rules[i].patterns[p].kind;
            pats[p].text = arena_strdup(&s->mem, rules[i].patterns[p].text ? rules[i].patterns[p].text : "");
            if (select_compile(&rt->sel[p], pats[p], e))
                return pats[p].kind == SELECT_REGEX
                           ? err_wrap(e, "%s: bad regular expression \"%s\"", label, pats[p].text)
                           : err_wrap(e, "%s", label);
            rt->n_sel = p + 1;
        }
        rt->r.patterns = pats;
        for (int side = 0; side < 2; side++) {
            const quant_side_rule *sr = side ? &rules[i].weight : &rules[i].act;
            const quant_method *m = &sr->method;
            if (m->set && (unsigned)m->scheme >= QUANT_SCHEME_COUNT_)
                return err_set(e, "%s: unknown quantization scheme %d", label, (int)m->scheme);
            if (m->set && m->scheme == QUANT_SCHEME_PERCENTILE && m->percentile != 0 &&
                !(m->percentile > 50.0 && m->percentile <= 100.0))
                return err_set(e, "%s: percentile %g is outside (50, 100]", label, m->percentile);
            if (sr->bits == 0)
                continue;
            bool float32 = sr->kind == QUANT_FLOAT && sr->bits == 32;
            quant_format f = {.kind = sr->kind, .bitwidth = sr->bits};
            if (!float32 && quant_format_check(&f, e))
                return err_wrap(e, "%s", label);
        }
    }
    return 0;
}

void quant_rules_release(quant_sim *s)
{
    for (int i = 0; i < s->n_rules; i++) {
        for (int p = 0; p < s->rules[i].n_sel; p++)
            select_free(&s->rules[i].sel[p]);
        free(s->rules[i].sel);
    }
    free(s->rules);
    s->rules = NULL;
    s->n_rules = 0;
}

static bool rule_matches(const quant_sim *s, const quant_rule_rt *rt, int n)
{
    const graph_node *node = &s->g->nodes[n];
    switch (rt->r.select) {
    case QUANT_SEL_DEFAULT:
        return true;
    case QUANT_SEL_MODULE:
    case QUANT_SEL_OP: {
        const char *name = rt->r.select == QUANT_SEL_OP ? node->op_type
                           : node->module && *node->module ? node->module
                                                            : node->name;
        for (int p = 0; p < rt->r.n_patterns; p++)
            if (select_name(&rt->sel[p], name))
                return true;
        return false;
    }
    case QUANT_SEL_SENSITIVITY: {
        if (!s->sens_rank || s->sens_rank[n] < 0)
            return false;
        int top = (int)ceil(rt->r.top_fraction * s->n_ranked);
        return s->sens_rank[n] < top;
    }
    }
    return false;
}

/* First set value of a chain of tri-states, else dflt. */
static bool first_tri(bool dflt, int n, const quant_tri *chain)
{
    for (int i = 0; i < n; i++)
        if (chain[i] != QUANT_UNSET)
            return chain[i] == QUANT_YES;
    return dflt;
}

/* The format of one side: bits from the rule, else the default rule, else the built-in; symmetry down
 * the same chain and then the config's. Returns false when the side stays in float32. */
static bool side_format(const quant_sim *s, const quant_side_rule *r, const quant_side_rule *d, int dflt_bits,
                        bool sym_default, int n_cfg, const quant_tri *cfg_sym, quant_format *f)
{
    const quant_side_rule *use = r && r->bits ? r : d && d->bits ? d : NULL;
    *f = (quant_format){.kind = use ? use->kind : QUANT_INT, .bitwidth = use ? use->bits : dflt_bits};
    if (f->kind == QUANT_FLOAT && f->bitwidth == 32)
        return false;
    quant_tri chain[8];
    int k = 0;
    if (r)
        chain[k++] = r->symmetric;
    if (d)
        chain[k++] = d->symmetric;
    for (int i = 0; i < n_cfg && k < 8; i++)
        chain[k++] = cfg_sym[i];
    f->symmetric = first_tri(sym_default, k, chain);
    /* The rule that set the symmetry may also say which symmetric grid; else the config decides. */
    const quant_side_rule *by = r && r->symmetric != QUANT_UNSET ? r : d && d->symmetric != QUANT_UNSET ? d : NULL;
    const quant_config *c = s->cfg;
    quant_tri strict[] = {by ? by->strict : QUANT_UNSET, c ? c->strict_symmetric : QUANT_UNSET};
    quant_tri unsig[] = {by ? by->unsigned_sym : QUANT_UNSET, c ? c->unsigned_symmetric : QUANT_UNSET};
    f->strict = first_tri(false, 2, strict);
    f->unsigned_sym = !f->strict && first_tri(true, 2, unsig);
    return true;
}

/* The scheme of one side: the rule's, else the default rule's, else the options' for the role. */
static quant_method side_method(const quant_side_rule *r, const quant_side_rule *d, const quant_method *opts)
{
    quant_method m = r && r->method.set ? r->method : d && d->method.set ? d->method : *opts;
    if (m.percentile == 0)
        m.percentile = 99.99;
    return m;
}

bool quant_softmax_off_last_axis(const graph *g, int node)
{
    const graph_node *nd = &g->nodes[node];
    if (strcmp(nd->op_type, "Softmax") || *nd->domain || nd->n_in < 1 || nd->in[0] < 0)
        return false;
    int rank = g->values[nd->in[0]].rank;
    int64_t axis = graph_attr_int(nd, "axis", graph_opset_version(g, "") >= 13 ? -1 : 1);
    if (rank <= 0)
        return false;
    if (axis < 0)
        axis += rank;
    return axis != rank - 1;
}

void quant_resolve(quant_sim *s, int n, bool count, quant_resolved *out)
{
    const graph_node *node = &s->g->nodes[n];
    int rule = -1;
    for (int i = 0; i < s->n_rules; i++)
        if (rule_matches(s, &s->rules[i], n)) {
            rule = i;
            break;
        }
    if (rule >= 0 && count)
        s->rules[rule].hits++;
    const quant_rule *r = rule >= 0 ? &s->rules[rule].r : NULL;
    const quant_rule *d = s->default_rule >= 0 ? &s->rules[s->default_rule].r : NULL;
    if (r == d)
        d = NULL;
    const quant_config *c = s->cfg;
    const quant_config_op *op = c ? quant_config_op_find(c, node->op_type) : NULL;
    quant_config_side none = {0};
    const quant_config_side *oa = op ? &op->act : &none, *ow = op ? &op->weight : &none,
                            *ob = op ? &op->bias : &none;
    const quant_config_side *da = c ? &c->act : &none, *dp = c ? &c->param : &none;
    const quant_config_side *pw = c ? &c->weight : &none, *pb = c ? &c->bias : &none;

    *out = (quant_resolved){.rule = rule, .cop = op};
    out->by = r ? r->label : d ? d->label : "built-in default";

    quant_tri act_sym[] = {oa->symmetric, da->symmetric};
    bool act_fmt = side_format(s, r ? &r->act : NULL, d ? &d->act : NULL, 8, false, 2, act_sym, &out->act);
    /* A specific rule naming the activation format turns the quantizer on even where the config turns
     * it off; otherwise the config decides. */
    bool rule_names_act = r && r->select != QUANT_SEL_DEFAULT && r->act.bits;
    quant_tri act_chain[] = {oa->quantized, da->quantized};
    out->act_on = act_fmt && (rule_names_act || first_tri(true, 2, act_chain));

    quant_tri w_sym[] = {ow->symmetric, pw->symmetric, dp->symmetric};
    bool w_fmt = side_format(s, r ? &r->weight : NULL, d ? &d->weight : NULL, 8, true, 3, w_sym, &out->weight);
    bool rule_names_w = r && r->select != QUANT_SEL_DEFAULT && r->weight.bits;
    quant_tri w_chain[] = {ow->quantized, pw->quantized, dp->quantized};
    out->weight_on = w_fmt && (rule_names_w || first_tri(true, 3, w_chain));

    quant_tri pc_chain[] = {r ? r->per_channel : QUANT_UNSET, d ? d->per_channel : QUANT_UNSET,
                            op ? op->per_channel : QUANT_UNSET, c ? c->per_channel : QUANT_UNSET};
    out->per_channel = first_tri(false, 4, pc_chain);
    quant_tri b_chain[] = {r ? r->quantize_bias : QUANT_UNSET, d ? d->quantize_bias : QUANT_UNSET, ob->quantized,
                           pb->quantized, dp->quantized};
    out->bias_on = out->weight_on && first_tri(false, 5, b_chain);

    if (out->act_on && out->act.kind == QUANT_INT && out->act.bitwidth <= 8 && quant_softmax_off_last_axis(s->g, n)) {
        out->act.bitwidth = 16;
        out->by = "16-bit: Softmax over a non-last axis (ONNX Runtime's 8-bit QLinearSoftmax is wrong there)";
    }
    const quant_method act_opts = {true, s->opts.scheme, s->opts.percentile};
    out->act_method = side_method(r ? &r->act : NULL, d ? &d->act : NULL, &act_opts);
    out->weight_method = side_method(r ? &r->weight : NULL, d ? &d->weight : NULL, &s->opts.weight_method);
}
