/* text.c — line index, UTF-16 columns, file URIs. */
#include "lsp/text.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void text_lines_init(text_lines *t, const char *text, size_t len)
{
    size_t n = 1;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + len - p))); p++)
        n++;
    t->text = text;
    t->len = len;
    t->starts = malloc(n * sizeof *t->starts);
    if (!t->starts) {
        fprintf(stderr, "qrc lsp: out of memory\n");
        abort();
    }
    t->n = 0;
    t->starts[t->n++] = 0;
    for (const char *p = text; (p = memchr(p, '\n', (size_t)(text + len - p))); p++)
        t->starts[t->n++] = (size_t)(p + 1 - text);
}

void text_lines_free(text_lines *t)
{
    free(t->starts);
    t->starts = NULL;
    t->n = 0;
}

/* Length in UTF-16 units of the UTF-8 code point starting with byte c (4-byte sequences are pairs). */
static int units_of(unsigned char c)
{
    return c >= 0xF0 ? 2 : 1;
}

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

static size_t line_end(const text_lines *t, size_t line)
{
    size_t end = line + 1 < t->n ? t->starts[line + 1] - 1 : t->len;
    if (end > t->starts[line] && t->text[end - 1] == '\r')
        end--;
    return end;
}

size_t text_offset(const text_lines *t, long line, long character)
{
    if (line < 0)
        return 0;
    if ((size_t)line >= t->n)
        return t->len;
    size_t p = t->starts[line], end = line_end(t, (size_t)line);
    long units = 0;
    while (p < end && units < character) {
        units += units_of((unsigned char)t->text[p]);
        p++;
        while (p < end && is_continuation((unsigned char)t->text[p]))
            p++;
    }
    return p;
}

json_t *text_position(const text_lines *t, size_t offset)
{
    if (offset > t->len)
        offset = t->len;
    size_t lo = 0, hi = t->n;   /* the last line starting at or before offset */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t->starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    long units = 0;
    for (size_t p = t->starts[lo]; p < offset; p++)
        if (!is_continuation((unsigned char)t->text[p]))
            units += units_of((unsigned char)t->text[p]);
    return json_pack("{s:I, s:I}", "line", (json_int_t)lo, "character", (json_int_t)units);
}

size_t text_offset_of_col(const text_lines *t, int line, int col)
{
    if (line < 1)
        return 0;
    if ((size_t)line > t->n)
        return t->len;
    size_t p = t->starts[line - 1] + (size_t)(col > 1 ? col - 1 : 0);
    size_t end = line_end(t, (size_t)line - 1);
    return p > end ? end : p;
}

json_t *text_range(const text_lines *t, int line, int col, int end_line, int end_col)
{
    size_t start = text_offset_of_col(t, line, col);
    size_t end = end_line ? text_offset_of_col(t, end_line, end_col + 1) : start;
    if (end < start)
        end = start;
    return json_pack("{s:o, s:o}", "start", text_position(t, start), "end", text_position(t, end));
}

int text_parse_where(const char *where, size_t *path_len, int *line, int *col)
{
    const char *c2 = where ? strrchr(where, ':') : NULL;
    const char *c1 = c2 ? memrchr(where, ':', (size_t)(c2 - where)) : NULL;
    if (!c1)
        return -1;
    *path_len = (size_t)(c1 - where);
    *line = atoi(c1 + 1);
    *col = atoi(c2 + 1);
    return 0;
}

static int hex(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *text_uri_to_path(const char *uri)
{
    static const char scheme[] = "file://";
    if (!uri || strncmp(uri, scheme, sizeof scheme - 1))
        return NULL;
    const char *p = uri + sizeof scheme - 1;
    char *out = malloc(strlen(p) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *p; p++) {
        if (*p == '%' && hex(p[1]) >= 0 && hex(p[2]) >= 0) {
            *o++ = (char)(hex(p[1]) * 16 + hex(p[2]));
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
    if (strlen(out) != (size_t)(o - out) || out[0] != '/') {   /* an encoded NUL, or not absolute */
        free(out);
        return NULL;
    }
    return out;
}

char *text_path_to_uri(const char *path)
{
    char cwd[4096] = "";
    if (path[0] != '/' && !getcwd(cwd, sizeof cwd))
        cwd[0] = 0;
    size_t n = strlen(cwd) + strlen(path) + 2;
    char *out = malloc(7 + 3 * n + 1), *o = out;
    if (!out)
        return NULL;
    o += sprintf(o, "file://");
    const char *parts[] = {cwd, cwd[0] ? "/" : "", path};
    static const char keep[] = "/-._~";
    for (int i = 0; i < 3; i++)
        for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
            o += (p[0] < 0x80 && (isalnum(p[0]) || strchr(keep, p[0]))) ? sprintf(o, "%c", p[0]) : sprintf(o, "%%%02X", p[0]);
    *o = 0;
    return out;
}
