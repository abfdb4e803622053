/* sema_int.h — what the sema_*.c files share: the checker's state and value helpers. Not for other modules. */
#ifndef QRC_SEMA_INT_H
#define QRC_SEMA_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "front/ast.h"
#include "front/diag.h"
#include "front/recipe.h"
#include "util.h"

typedef struct sema_seen {
    ast_loc loc;
} sema_seen;

typedef struct sema {
    arena *a;
    diag_list *d;
    recipe *r;
    const ast_source *src;       /* file being applied */
    util_map *seen;              /* sections and keys set in that file -> sema_seen */
    util_map slots;              /* "list name" -> position + 1 in the merged recipe's named lists */
    qrule **file_rules;          /* that file's qconfig rules, in order */
    size_t n_file_rules;
    const char **stack;          /* canonical paths of the files being imported (cycle detection) */
    const ast_source **stack_src;
    size_t depth;
    const char **done;           /* canonical paths already applied */
    size_t n_done;
    bool syntax_errors;          /* some file had syntax errors: skip "missing section" checks */
    const char *mentioned[16];   /* sections written somewhere, even with errors */
    size_t n_mentioned;
    const char *guessed[16];     /* input names suggested for misspelled data names */
    size_t n_guessed;
    bool unknown_sections;       /* some statement was not a known section: skip "missing section" checks */
    Qrc__Pass *pass;             /* the pass whose block is being read */
    Qrc__Preprocess *prep;       /* the preprocess block being read */
} sema;

/* A statement handler: checks st and applies it to s->r. */
typedef void (*sema_apply_fn)(sema *s, const ast_stmt *st);

typedef struct sema_key {
    const char *name;
    sema_apply_fn apply;
    bool repeatable;             /* may appear more than once in one section of one file */
} sema_key;

/* The keys of a section's block, named by the section (sema_block_key reads them). */
typedef struct sema_block {
    const char *name;
    const sema_key *keys;
    size_t n;
} sema_block;
extern const sema_block sema_model_block, sema_prepare_block, sema_quantsim_block, sema_calibrate_block,
    sema_evaluate_block, sema_export_block;
/* The i-th pass name of the passes section (block "passes") or the i-th key of a pass's block, or NULL. */
const char *sema_pass_key(const char *block, size_t i);

/* Checks each statement of body against keys and applies it; unknown keys get a did-you-mean. */
void sema_apply_keys(sema *s, const char *section, const ast_stmt *body, const sema_key *keys, size_t n);
/* Records key as set at loc in the current file; if it already was, reports a duplicate and returns false. */
bool sema_first_time(sema *s, const char *key, const char *what, ast_loc loc);
/* Where key was set in the current file, or NULL. */
const sema_seen *sema_seen_get(const sema *s, const char *key);
/* Position of the entry called name in the merged recipe list list_id (the address of the recipe's
 * field), or -1: keeps "the same name replaces" constant time. sema_slot_set records it (-1 forgets). */
long sema_slot(sema *s, const void *list_id, const char *name);
void sema_slot_set(sema *s, const void *list_id, const char *name, long i);
/* Appends item to the named list at list_id, or replaces the entry of the same name. */
void sema_put_named(sema *s, void *list_id, size_t *n, const char *name, void *item);

/* Value helpers: each reports its own error and returns false (or NULL / -1) on bad input. */
const ast_atom *sema_single(sema *s, const ast_stmt *st, const char *what);
bool sema_no_block(sema *s, const ast_stmt *st, const char *what);
bool sema_no_sep(sema *s, const ast_stmt *st, const char *what);
bool sema_uint(sema *s, const ast_atom *a, const char *what, long long min, long long max, unsigned *out);
bool sema_u64(sema *s, const ast_atom *a, const char *what, uint64_t *out);
bool sema_number(sema *s, const ast_atom *a, const char *what, double *out);
const char *sema_string(sema *s, const ast_atom *a, const char *what);
/* a must be a name from names[0..n); returns its index. */
int sema_choice(sema *s, const ast_atom *a, const char *what, const char *const *names, size_t n);
/* A calibration scheme atom: tf, tf_enhanced, mse or percentile(P) with P in [50, 100]. Fills out's
 * scheme, percentile and location. */
bool sema_scheme(sema *s, const ast_atom *a, qscheme *out);
/* A name or a string naming something (a tensor, an input). */
const char *sema_name_or_string(sema *s, const ast_atom *a, const char *what);
/* Remembers / looks up the location of a plan message. */
void sema_set_loc(sema *s, const void *key, ast_loc loc);
ast_loc sema_get_loc(const sema *s, const void *key);
/* "file:line:col" of loc. */
const char *sema_loc(sema *s, ast_loc loc);
/* A module selector from "exact", "glob*", re"regex" or `under "prefix"` (atoms of one group). */
Qrc__Selector *sema_selector(sema *s, const ast_atom *atoms, int n);
/* An op type reference from a name (checked against the ONNX op table, and when units is set also the
 * unit kinds of the fuse pass: LayerNorm, HardSwish, ...) or a string (taken as written). */
Qrc__OpTypeRef *sema_op_type(sema *s, const ast_atom *a, bool units);
/* Describes an atom for messages ("name 'x'", "string \"x\"", "integer 3"). */
const char *sema_describe(sema *s, const ast_atom *a);

/* Section appliers (one file each). */
void sema_model(sema *s, const ast_stmt *st);
void sema_prepare(sema *s, const ast_stmt *st);
void sema_qconfig(sema *s, const ast_stmt *st);
void sema_quantsim(sema *s, const ast_stmt *st);
void sema_calibrate(sema *s, const ast_stmt *st);
void sema_evaluate(sema *s, const ast_stmt *st);
void sema_export(sema *s, const ast_stmt *st);
void sema_passes(sema *s, const ast_stmt *st);
void sema_preprocess(sema *s, const ast_stmt *st);
/* Checks that need the whole merged recipe (required sections, cross-section conflicts). */
void sema_finish(sema *s);

/* Statements of a data binding `data NAME = "a.npy", "b*.npy";` (calibrate and evaluate). */
void sema_data(sema *s, const ast_stmt *st, Qrc__InputData ***list, size_t *n);

#endif
