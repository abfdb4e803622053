/* select.h — selectors: how a recipe names modules and op types, matched the same way by prepare's
 * exclusions (passes/exclude.c) and by qconfig rules (quant/qconfig.c).
 *
 * A selector is a kind and a text:
 *   exact   the whole name equals the text;
 *   glob    fnmatch over the whole name, '*' also crossing dots ("layer1.*" matches "layer1.0.conv1");
 *   regex   a POSIX extended regex that must match the whole name (anchored as ^(...)$, so re"conv1"
 *           does not match "conv10");
 *   prefix  the name itself or anything under it: "layer1" matches "layer1" and "layer1.0.conv1",
 *           not "layer10".
 * select_name matches a name as above. select_module matches a module path when the selector matches
 * the module or one of its parents ("a.b.c", then "a.b", then "a"), so excluding "layer1" (of any kind)
 * covers layer1.0.conv1 as well.
 *
 * Ownership: a select_spec is plain data (the text is the caller's). A selector compiled from it
 * borrows the text (which must outlive it) and owns its compiled regex until select_free. */
#ifndef QRC_SELECT_H
#define QRC_SELECT_H

#include <regex.h>
#include <stdbool.h>

#include "base/err.h"

typedef enum select_kind {
    SELECT_EXACT = 0,
    SELECT_GLOB,
    SELECT_REGEX,
    SELECT_PREFIX,
    SELECT_KIND_COUNT_
} select_kind;

typedef struct select_spec {
    select_kind kind;
    const char *text;
} select_spec;

typedef struct select_matcher {
    select_spec spec;
    bool compiled;             /* re holds a compiled regex */
    regex_t re;
} select_matcher;

/* Prepares spec for matching. A regex that does not compile fails with the regex library's reason
 * alone in e (callers add which selector and where); an unknown kind fails too. */
int select_compile(select_matcher *s, select_spec spec, qrc_err *e);
/* Releases what select_compile made; s may be zeroed or already freed. */
void select_free(select_matcher *s);
/* True when s matches name (the whole name; prefix also matches what is under it). */
bool select_name(const select_matcher *s, const char *name);
/* True when s matches module or one of its parents. An empty or NULL module matches nothing. */
bool select_module(const select_matcher *s, const char *module);
/* The kind a bare name written by a user means: glob when it holds * ? or [, else exact. */
select_kind select_kind_of(const char *text);
/* "exact", "glob", "regex", "prefix" (NULL for an unknown kind). */
const char *select_kind_name(select_kind k);

#endif
