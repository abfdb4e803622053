/* prepare_plan.h — the pass plan's prepare section (compiler/plan/plan.proto) as prepare options.
 *
 * A plan says what to prepare in recipe terms (selectors with their kinds, concrete values as booleans
 * or numbers, a region by tensor or module name); the passes take pass_opts. prepare_plan_init does the
 * translation once, against the loaded model (a concrete value takes the type of the input it binds),
 * and for the jit methods loads the example inputs from the plan's calibration data (the first batch
 * of the first file of each input). Errors name the recipe location the plan recorded.
 *
 * Ownership: a prepare_plan owns everything its opts point to (strings, tensors); the plan and the graph
 * are only read and may be freed after init. Release with prepare_plan_free. */
#ifndef QRC_PREPARE_PLAN_H
#define QRC_PREPARE_PLAN_H

#include "plan.pb-c.h"
#include "prepare.h"

typedef struct prepare_plan {
    prepare_opts opts;     /* for prepare_run, or base options for running the plan's passes one by one */
    arena a;               /* strings and arrays the options point to */
    tensor **owned;        /* concrete values and example inputs */
    int n_owned;
} prepare_plan;

/* Fills p from plan->prepare, plan->quantsim (supergroups config) and plan->calibrate (jit examples),
 * checking the concrete values against g's inputs. Returns 0, or -1 with e filled (p is then freed). */
int prepare_plan_init(prepare_plan *p, const Qrc__Plan *plan, const graph *g, qrc_err *e);
void prepare_plan_free(prepare_plan *p);

/* The options for one pass of the plan: p->opts with that pass's own parameters applied (fold's
 * inline_if, strip's start and end, fuse's from_config). */
pass_opts prepare_plan_pass_opts(const prepare_plan *p, const Qrc__Pass *pass);

#endif
