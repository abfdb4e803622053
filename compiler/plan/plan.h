/* plan.h — the pass plan (compiler/plan/plan.proto): building it from a checked recipe, files, renderings.
 *
 * Ownership: plan_build's result lives in the arena it is given (never pass it to protobuf-c's free).
 * Plans returned by plan_read_file and compile_recipe are owned by protobuf-c: free them with plan_free. */
#ifndef QRC_PLAN_H
#define QRC_PLAN_H

#include <stdio.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/select.h"
#include "plan.pb-c.h"
#include "prepare.h"
#include "quant.h"
#include "front/recipe.h"

/* The plan's prepare methods and calibration schemes are the runtime's (prepare.h, quant.h): each wire
 * value is the runtime's plus one, as proto2 enums start at 1. */
#define PLAN_SAME_METHOD_(up, low) static_assert(QRC__PREPARE_METHOD__##up == PREPARE_##up + 1, #low);
#define PLAN_SAME_SCHEME_(up, low) static_assert(QRC__SCHEME__##up == QUANT_SCHEME_##up + 1, #low);
PREPARE_METHODS(PLAN_SAME_METHOD_)
QUANT_SCHEMES(PLAN_SAME_SCHEME_)
#undef PLAN_SAME_METHOD_
#undef PLAN_SAME_SCHEME_
static inline prepare_method plan_prepare_method(Qrc__PrepareMethod m) { return (prepare_method)((int)m - 1); }
static inline quant_scheme plan_quant_scheme(Qrc__Scheme s) { return (quant_scheme)((int)s - 1); }

/* Fills defaults, chooses the passes for the prepare method, hashes the sources; never fails on a recipe
 * that passed sema. The plan points into the recipe and a. */
Qrc__Plan *plan_build(arena *a, const recipe *r);

/* Magic bytes at the start of a .qp file, followed by the serialized Plan. */
#define PLAN_FILE_MAGIC "qrcplan\n"

/* Serializes plan to path: written to a temporary file in the same directory, then renamed. */
int plan_write_file(const Qrc__Plan *plan, const char *path, qrc_err *e);
/* Reads and checks a .qp file. Returns NULL and fills e on failure. */
Qrc__Plan *plan_read_file(const char *path, qrc_err *e);
/* Frees a plan from plan_read_file or compile_recipe (NULL is fine). */
void plan_free(Qrc__Plan *plan);
/* A malloc'd deep copy of plan (owned by protobuf-c). Returns NULL and fills e on failure. */
Qrc__Plan *plan_copy(const Qrc__Plan *plan, qrc_err *e);

/* Writes the readable text form (`qrc plan`). */
void plan_print_text(const Qrc__Plan *plan, FILE *f);
/* The JSON form (`qrc plan --json`) as a malloc'd string, or NULL on allocation failure. */
char *plan_to_json(const Qrc__Plan *plan);

/* Names of enum values as the recipe spells them (for printing). */
const char *plan_method_name(Qrc__PrepareMethod m);
const char *plan_selector_kind_name(Qrc__SelectorKind k);
/* The runtime's selector kind for a plan's (SELECT_KIND_COUNT_ for a value the plan format lacks). */
select_kind plan_select_kind(Qrc__SelectorKind k);
const char *plan_dtype_name(Qrc__DType d);
const char *plan_symmetry_name(Qrc__Symmetry s);
const char *plan_granularity_name(Qrc__Granularity g);
const char *plan_rule_kind_name(Qrc__RuleKind k);
const char *plan_scheme_name(Qrc__Scheme s);
const char *plan_rounding_name(Qrc__Rounding r);
const char *plan_artifact_name(Qrc__Artifact a);

#endif
