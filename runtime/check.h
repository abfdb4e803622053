/* check.h — the model validator behind `qrc check`.
 *
 * check_model looks at a model as exported (inputs and their dynamic dims, ops the runtime cannot run,
 * control flow, ops without module identity, reused modules and shared weights) and then prepares a
 * copy with the given options (BatchNorms folded or not and why, supergroups, excluded ops, the float
 * region, tensors that cannot be quantized). The result is a JSON object (jansson) with one section per
 * topic, each item carrying a level ("info", "warning", "error") and, for anything to fix, a hint in
 * terms of the recipe. check_render_text turns it into the plain report.
 *
 * Ownership: the returned json_t is the caller's (json_decref); the text is malloc'd (free). The model
 * graph is only read. */
#ifndef QRC_CHECK_H
#define QRC_CHECK_H

#include <jansson.h>

#include "graph.h"
#include "prepare.h"

/* Validates g (label names it in the report, e.g. the file path). *prepared, when non-NULL, receives
 * the prepared copy (caller frees) or NULL when prepare failed. Returns the report; NULL only when out of
 * memory or g cannot be copied (e filled). The report's "status" is "pass" or "fail". */
json_t *check_model(const graph *g, const char *label, const prepare_opts *po, graph **prepared, qrc_err *e);
/* The report as text, one section per topic. */
char *check_render_text(const json_t *report);
/* True when the report's status is "pass". */
int check_passed(const json_t *report);

#endif
