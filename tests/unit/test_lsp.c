/* The language server's building blocks: UTF-16 positions, file URIs, framing of hostile input, the
 * cursor context, and the reference table generated from the README. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "front/sema.h"
#include "lsp/context.h"
#include "lsp/reference.h"
#include "lsp/rpc.h"
#include "lsp/text.h"

static void positions(void **state)
{
    /* "é" is 2 bytes / 1 unit, "😀" 4 bytes / 2 units; the second line ends with CRLF */
    const char *t = "ab\xc3\xa9\xf0\x9f\x98\x80z\nx\r\nlast";
    text_lines l;
    text_lines_init(&l, t, strlen(t));
    assert_int_equal(l.n, 3);
    assert_int_equal(text_offset(&l, 0, 3), 4);       /* after é */
    assert_int_equal(text_offset(&l, 0, 5), 8);       /* after the surrogate pair */
    assert_int_equal(text_offset(&l, 0, 99), 9);      /* clamped to the line's end */
    assert_int_equal(text_offset(&l, 1, 5), 11);      /* not into the CR */
    assert_int_equal(text_offset(&l, 7, 0), strlen(t));
    json_t *p = text_position(&l, 8);
    assert_int_equal(json_integer_value(json_object_get(p, "character")), 5);
    json_decref(p);
    p = text_position(&l, 14);
    assert_int_equal(json_integer_value(json_object_get(p, "line")), 2);
    assert_int_equal(json_integer_value(json_object_get(p, "character")), 1);
    json_decref(p);
    text_lines_free(&l);
}

static void uris(void **state)
{
    char *p = text_uri_to_path("file:///a%20b/c%C3%A9.q");
    assert_string_equal(p, "/a b/c\xc3\xa9.q");
    char *u = text_path_to_uri(p);
    assert_string_equal(u, "file:///a%20b/c%C3%A9.q");
    free(p);
    free(u);
    assert_null(text_uri_to_path("untitled:Untitled-1"));
    assert_null(text_uri_to_path("file:///a%00b"));      /* an encoded NUL */
    assert_null(text_uri_to_path("file://host/share"));  /* not a local absolute path */
}

/* Reads every message of a byte stream; returns the statuses as letters (o ok, b bad header, l too large). */
static void read_all(const char *bytes, size_t n, char *out)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], bytes, n), (ssize_t)n);
    close(fds[1]);
    rpc_reader *r = malloc(sizeof *r);
    rpc_reader_init(r, fds[0]);
    for (;;) {
        char *body = NULL;
        size_t len;
        rpc_status st = rpc_read(r, &body, &len);
        if (st == RPC_EOF)
            break;
        *out++ = st == RPC_OK ? 'o' : st == RPC_BAD_HEADER ? 'b' : 'l';
        if (st == RPC_OK)
            assert_int_equal(strlen(body), len);
        free(body);
    }
    *out = 0;
    free(r);
    close(fds[0]);
}

static void framing(void **state)
{
    char got[16];
    const char ok2[] = "Content-Length: 2\r\n\r\n{}content-length:2\r\nContent-Type: x\r\n\r\n[]";
    read_all(ok2, sizeof ok2 - 1, got);
    assert_string_equal(got, "oo");
    const char bad[] = "Content-Length: x\r\n\r\nnonsense\r\n\r\nContent-Length: 2\r\n\r\n{}";
    read_all(bad, sizeof bad - 1, got);
    assert_string_equal(got, "bbo");                    /* a bad header, a stray line, then in step again */
    char big[64];
    int n = snprintf(big, sizeof big, "Content-Length: %d\r\n\r\n", RPC_MAX_BODY + 1);
    read_all(big, (size_t)n, got);                      /* refused before reading the body (here: cut short) */
    assert_string_equal(got, "l");
    const char cut[] = "Content-Length: 10\r\n\r\n{}";
    read_all(cut, sizeof cut - 1, got);
    assert_string_equal(got, "");                       /* the input ends inside the body */
}

static void context(void **state)
{
    const char *t = "prepare {\n  exclude ops Relu, # c\n  Sig";
    lsp_context c;
    lsp_context_at(&c, t, strlen(t), strlen(t));
    assert_int_equal(c.depth, 1);
    assert_string_equal(c.blocks[0], "prepare");
    assert_int_equal(c.n_words, 3);
    assert_string_equal(c.words[1], "ops");
    assert_false(c.in_string);
    const char *s = "qconfig { module \"la";
    lsp_context_at(&c, s, strlen(s), strlen(s));
    assert_true(c.in_string);
    assert_int_equal(c.token_start, 17);
    const char *e = "calibrate { data x = \"a\\\"b\"; } passes { adaround { it";
    lsp_context_at(&c, e, strlen(e), strlen(e));
    assert_false(c.in_string);
    assert_int_equal(c.depth, 2);
    assert_string_equal(c.blocks[1], "adaround");
    assert_int_equal(c.n_tokens, 0);
}

static void reference(void **state)
{
    /* every key the checker accepts has reference text (the README documents them all) */
    for (size_t s = 0; sema_block_key(NULL, s); s++) {
        const char *section = sema_block_key(NULL, s);
        assert_non_null(lsp_ref_find(section, NULL, NULL));
        for (size_t k = 0; strcmp(section, "passes") && sema_block_key(section, k); k++) {
            const char *key = sema_block_key(section, k);
            if (!lsp_ref_find(section, key, NULL))
                fail_msg("no reference text for '%s' in '%s'", key, section);
        }
    }
    const lsp_ref_entry *ops = lsp_ref_find("prepare", "exclude", "ops");
    assert_non_null(strstr(ops->syntax, "exclude ops"));
    assert_non_null(strstr(lsp_ref_find("evaluate", "labels", NULL)->text, "`labels"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(positions), cmocka_unit_test(uris), cmocka_unit_test(framing),
                                       cmocka_unit_test(context), cmocka_unit_test(reference)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
