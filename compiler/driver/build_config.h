/* build_config.h — the plan → runtime boundary: a pass plan translated into the runtime's option structs.
 *
 * The plan speaks the recipe's terms (selectors, qconfig rules, data files as written, recipe locations
 * as strings); the runtime takes plain C structs (pass.h, prepare.h, quant.h) and never sees the plan's
 * wire format. This header is the one place that maps the first onto the second, so `qrc build`,
 * `qrc check --recipe` and later commands agree on what a recipe means: config_prepare.c does the
 * prepare section (pass options per pass), build_config.c the quantsim side (rules, data, schemes).
 * A recipe location the plan recorded travels with the option it belongs to (pass_opts.exclude_origins,
 * pass_concrete.origin) or is set as the error's origin here, so a runtime error points back into the
 * recipe without parsing messages.
 *
 * Ownership: everything a build_config points to (strings, rule arrays, example tensors, the quantsim
 * config) belongs to it and is released by build_config_free. The plan is only read. */
#ifndef QRC_BUILD_CONFIG_H
#define QRC_BUILD_CONFIG_H

#include "base/arena.h"
#include "base/err.h"
#include "plan.pb-c.h"
#include "prepare.h"
#include "quant.h"

/* The prepare section as prepare options. prepare_plan_init translates it once, against the loaded
 * model (a concrete value takes the type of the input it binds), and for the jit methods loads the
 * example inputs from the plan's calibration data (the first batch of the first file of each input).
 * A prepare_plan owns everything its opts point to (strings, tensors). */
typedef struct prepare_plan {
    prepare_opts opts;     /* for prepare_run, or base options for running the plan's passes one by one */
    arena a;               /* strings and arrays the options point to */
    tensor **owned;        /* concrete values and example inputs */
    int n_owned;
} prepare_plan;

/* Fills p from plan->prepare, plan->quantsim (supergroups config) and plan->calibrate (jit examples),
 * checking the concrete values against g's inputs. Returns 0, or -1 with e filled, its origin the
 * recipe location (p is then freed). */
int prepare_plan_init(prepare_plan *p, const Qrc__Plan *plan, const graph *g, qrc_err *e);
void prepare_plan_free(prepare_plan *p);

/* The options one pass of the plan runs with: p->opts with that pass's own parameters applied (fold's
 * inline_if, strip's start and end, fuse's from_config); strings it adds live in p. */
pass_opts prepare_plan_pass_opts(prepare_plan *p, const Qrc__Pass *pass);

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
