/* suggest.h — did-you-mean: the closest known names to a misspelt or renamed one, for recipe
 * diagnostics (keywords, values, op types, input names) and for prepare errors (module selectors and op
 * classes that match nothing, names of inputs and outputs).
 *
 * Ownership: nothing is kept; suggest_closest returns one of the caller's candidates and suggest_list
 * writes into the caller's buffer. */
#ifndef QRC_SUGGEST_H
#define QRC_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

/* Levenshtein distance between a and b (insertions, deletions and substitutions of one byte each);
 * fold_case compares ASCII letters without regard to case. */
int suggest_distance(const char *a, const char *b, bool fold_case);
/* The candidate closest to word, ignoring case, when it is close enough to be a plausible misspelling
 * (1 edit for words up to 3 letters, 2 up to 6, else 3); NULL otherwise. Ties go to the first. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);
/* Writes up to 3 distinct candidates closest to query into buf as "a, b, c", closest first (ties by
 * order; a candidate containing the query or contained in it counts as four times closer), each spelled
 * as a recipe takes it (quote.h): always quoted when strings (module selectors), else bare when plain. */
void suggest_list(const char *query, const char *const *cands, int n, bool strings, char *buf, size_t size);

#endif
