/* sema.h — loading a recipe with its imports and checking it into a `recipe`.
 *
 * Everything that can be checked without the model is checked here: sections, keys, value types and
 * ranges, names of dtypes/schemes/methods/op types, regex and glob syntax, duplicates, conflicts, imports
 * (missing files, cycles). Names that need the model are left to the runtime, with their locations.
 *
 * Ownership: the recipe, the sources and the ASTs live in the arena given to sema_load. */
#ifndef QRC_SEMA_H
#define QRC_SEMA_H

#include "base/arena.h"
#include "front/diag.h"
#include "front/recipe.h"

/* Reads root_path and every file it imports, parses and checks them, and merges them into *r (imports
 * first, the importing file overriding). All problems go to d. Returns 0 when d has no errors, else -1. */
int sema_load(arena *a, diag_list *d, const char *root_path, recipe *r);

/* The same for a root file whose text is already in memory (an editor's unsaved buffer): path names it
 * in diagnostics and resolves its imports, which are read from disk. */
int sema_load_text(arena *a, diag_list *d, const char *path, const char *text, size_t len, recipe *r);

/* The i-th name a block accepts, or NULL past the last: block NULL lists the top-level sections, a
 * section's name its keys, "passes" the pass names and a pass's name the keys of its block. For tools
 * (completion) that must offer exactly what the checker accepts. */
const char *sema_block_key(const char *block, size_t i);

/* Reads a whole regular file into a NUL-terminated source owned by a. Returns NULL on failure with *why
 * saying why (a directory, a FIFO or a device is refused without blocking on it). */
ast_source *sema_read_source(arena *a, const char *path, ast_loc import_loc, const char **why);

#endif
