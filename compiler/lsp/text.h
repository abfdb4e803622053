/* text.h — positions in a document: LSP's (0-based line, UTF-16 code unit) against byte offsets, and
 * file URIs against paths.
 *
 * Ownership: a text_lines index is malloc'd and released with text_lines_free; it points into the text
 * it was built from, which must outlive it. URI and path strings returned are malloc'd (caller frees). */
#ifndef QRC_LSP_TEXT_H
#define QRC_LSP_TEXT_H

#include <jansson.h>
#include <stddef.h>

typedef struct text_lines {
    const char *text;
    size_t len;
    size_t *starts;    /* byte offset where each line starts */
    size_t n;
} text_lines;

/* Indexes the lines of text (len bytes). */
void text_lines_init(text_lines *t, const char *text, size_t len);
void text_lines_free(text_lines *t);
/* Byte offset of the LSP position (line, character in UTF-16 units), clamped into the text. */
size_t text_offset(const text_lines *t, long line, long character);
/* LSP position {line, character} of a byte offset. */
json_t *text_position(const text_lines *t, size_t offset);
/* Byte offset of a 1-based line and byte column (a diagnostic's location), clamped into the text. */
size_t text_offset_of_col(const text_lines *t, int line, int col);
/* The LSP range of the 1-based, end-inclusive byte span of a diagnostic (end_line 0: a point). */
json_t *text_range(const text_lines *t, int line, int col, int end_line, int end_col);

/* Splits a location "path:line:col" (as plan messages record them): *path_len, *line, *col. Returns -1
 * when where has no such form. */
int text_parse_where(const char *where, size_t *path_len, int *line, int *col);

/* The path of a file:// URI (percent-decoded), or NULL for another scheme. */
char *text_uri_to_path(const char *uri);
/* The file:// URI of an absolute or relative path (made absolute against the working directory). */
char *text_path_to_uri(const char *path);

#endif
