/* suggest.c — edit distance and the two ways qrc proposes names (see suggest.h). */
#include "base/suggest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/quote.h"

static bool same_char(char x, char y, bool fold_case)
{
    return fold_case ? tolower((unsigned char)x) == tolower((unsigned char)y) : x == y;
}

int suggest_distance(const char *a, const char *b, bool fold_case)
{
    size_t la = strlen(a), lb = strlen(b);
    int stack_row[128];
    int *row = lb < 128 ? stack_row : mem_alloc((lb + 1) * sizeof *row);
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0]; /* row[i-1][j-1] */
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + !same_char(a[i - 1], b[j - 1], fold_case);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int d = row[lb];
    if (row != stack_row)
        free(row);
    return d;
}

const char *suggest_closest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    int best_d = 0;
    for (size_t i = 0; i < n; i++) {
        int d = suggest_distance(word, candidates[i], true);
        if (!best || d < best_d) {
            best_d = d;
            best = candidates[i];
        }
    }
    size_t len = strlen(word);
    int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    return best && best_d <= limit ? best : NULL;
}

/* Inserts candidate i at distance d into the sorted top-3 lists if it belongs there. */
static void keep_best(int best[3], int dist[3], int i, int d)
{
    for (int k = 0; k < 3; k++)
        if (best[k] < 0 || d < dist[k]) {
            for (int m = 2; m > k; m--) {
                best[m] = best[m - 1];
                dist[m] = dist[m - 1];
            }
            best[k] = i;
            dist[k] = d;
            return;
        }
}

void suggest_list(const char *query, const char *const *cands, int n, bool strings, char *buf, size_t size)
{
    int best[3] = {-1, -1, -1}, dist[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        bool dup = false;
        for (int k = 0; k < 3; k++)
            dup |= best[k] >= 0 && !strcmp(cands[best[k]], cands[i]);
        if (dup)
            continue;
        int d = suggest_distance(query, cands[i], false);
        if (strcasestr(cands[i], query) || strcasestr(query, cands[i]))
            d = d / 4; /* a name containing the query (or inside it) is most likely what was meant */
        keep_best(best, dist, i, d);
    }
    size_t off = 0;
    buf[0] = 0;
    for (int k = 0; k < 3 && best[k] >= 0 && off < size; k++) {
        char q[512];
        const char *c = strings ? quote_string(q, sizeof q, cands[best[k]]) : quote_name(q, sizeof q, cands[best[k]]);
        int w = snprintf(buf + off, size - off, "%s%s", k ? ", " : "", c);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}
