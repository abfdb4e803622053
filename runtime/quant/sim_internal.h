/* sim_internal.h — the quantization simulation's state, shared by the files of runtime/quant/ that build
 * and run it (placement, rules, calibration, evaluation, listing). Not part of the public API. */
#ifndef QRC_QUANT_SIM_INTERNAL_H
#define QRC_QUANT_SIM_INTERNAL_H

#include <regex.h>

#include "arena.h"
#include "graph.h"
#include "quant.h"

/* One rule with its patterns copied and regexes compiled. */
typedef struct quant_rule_rt {
    quant_rule r;              /* label and patterns point into the sim's arena */
    regex_t *re;               /* one per pattern (compiled only for QUANT_MATCH_REGEX) */
    bool *re_ok;
    int hits;                  /* ops this rule decided */
} quant_rule_rt;

/* The qconfig an op ends up with. */
typedef struct quant_resolved {
    int rule;                  /* deciding rule, or -1 */
    const char *by;
    bool act_on, weight_on, bias_on, per_channel;
    quant_format act, weight;
    const quant_config_op *cop; /* the config's op_type section, or NULL */
} quant_resolved;

struct quant_sim {
    graph *g;
    arena mem;
    quant_rule_rt *rules;
    int n_rules;
    int default_rule;          /* first QUANT_SEL_DEFAULT rule, or -1 */
    const quant_config *cfg;
    quant_options opts;
    bool *excluded, *fused;    /* per node */
    int *sens_rank;            /* per node: 0 = most sensitive, -1 unranked */
    int n_ranked;
    quant_quantizer *q;
    int n_q, cap_q;
    quant_observer **obs;      /* per quantizer, during calibration */
    int *carrier;              /* per value: quantizer whose encoding it carries, or -1 */
    uint64_t stream;           /* stochastic rounding call counter */
};

/* Copies and compiles rules into s. */
int quant_rules_compile(quant_sim *s, const quant_rule *rules, int n, qrc_err *e);
void quant_rules_release(quant_sim *s);
/* The qconfig of node n (counts the deciding rule's hit when count is set). */
void quant_resolve(quant_sim *s, int n, bool count, quant_resolved *out);

/* Places every quantizer (clears any previous placement). */
int quant_place(quant_sim *s, qrc_err *e);
void quant_quantizers_clear(quant_sim *s);

#endif
