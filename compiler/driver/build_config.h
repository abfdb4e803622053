/* build_config.h — a pass plan translated into the runtime's option structs.
 *
 * The plan speaks the recipe's terms (selectors, qconfig rules, data files as written); the runtime
 * takes plain C structs (pass.h, prepare.h, quant.h). This is the one place that maps the first onto
 * the second, so `qrc build` and later commands agree on what a recipe means.
 *
 * Ownership: everything a build_config points to (strings, rule arrays, example tensors, the quantsim
 * config) belongs to it and is released by build_config_free. The plan is only read. */
#ifndef QRC_BUILD_CONFIG_H
#define QRC_BUILD_CONFIG_H

#include "base/arena.h"
#include "base/err.h"
#include "plan.pb-c.h"
#include "prepare_plan.h"
#include "quant.h"

typedef struct build_config {
    arena a;
    prepare_plan prepare;           /* prepare.opts: the prepare section, checked against the model */
    quant_rule *rules;
    int n_rules;
    quant_config *quantsim_config;  /* NULL when the recipe names none */
    quant_options quant;            /* excluded / fused_with_next are filled after prepare */
    quant_data calib;               /* n_feeds 0 when the recipe has no calibrate data */
    quant_data eval;                /* n_feeds 0 when the recipe has no evaluate section */
    const char *labels;             /* evaluation labels (.npy), or NULL */
} build_config;

/* Translates plan into c for the model g (concrete values take the type of the input they bind). Fails,
 * naming the recipe location, on a concrete value the input cannot take, a data glob that matches no
 * file, an unreadable quantsim config or an example input that cannot be read. */
int build_config_from_plan(const Qrc__Plan *plan, const graph *g, build_config *c, qrc_err *e);
void build_config_free(build_config *c);

#endif
