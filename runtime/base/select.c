/* select.c — compiling and matching module and op selectors (see select.h). */
#include "base/select.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

static const char *const KIND_NAMES[] = {
    [SELECT_EXACT] = "exact", [SELECT_GLOB] = "glob", [SELECT_REGEX] = "regex", [SELECT_PREFIX] = "prefix",
};
_Static_assert(sizeof KIND_NAMES / sizeof *KIND_NAMES == SELECT_KIND_COUNT_, "a name for every select_kind");

int select_compile(select_matcher *s, select_spec spec, qrc_err *e)
{
    memset(s, 0, sizeof *s);
    s->spec = spec;
    if ((unsigned)spec.kind >= SELECT_KIND_COUNT_)
        return err_set(e, "unknown selector kind %d", (int)spec.kind);
    if (spec.kind != SELECT_REGEX)
        return 0;
    /* Whole-name match: anchor the user's expression. */
    size_t n = strlen(spec.text) + 5;
    char *anchored = mem_alloc(n);
    snprintf(anchored, n, "^(%s)$", spec.text);
    int rc = regcomp(&s->re, anchored, REG_EXTENDED | REG_NOSUB);
    free(anchored);
    if (rc) {
        char msg[256];
        regerror(rc, &s->re, msg, sizeof msg);
        return err_set(e, "%s", msg);
    }
    s->compiled = true;
    return 0;
}

void select_free(select_matcher *s)
{
    if (s->compiled)
        regfree(&s->re);
    s->compiled = false;
}

bool select_name(const select_matcher *s, const char *name)
{
    const char *text = s->spec.text;
    switch (s->spec.kind) {
    case SELECT_EXACT:
        return !strcmp(name, text);
    case SELECT_GLOB:
        return fnmatch(text, name, 0) == 0;
    case SELECT_REGEX:
        return s->compiled && regexec(&s->re, name, 0, NULL, 0) == 0;
    case SELECT_PREFIX: {
        size_t n = strlen(text);
        return !strncmp(name, text, n) && (name[n] == '\0' || name[n] == '.');
    }
    default:
        return false;
    }
}

bool select_module(const select_matcher *s, const char *module)
{
    if (!module || !module[0])
        return false;
    size_t n = strlen(module);
    char stack_buf[256];
    char *buf = n < sizeof stack_buf ? stack_buf : mem_alloc(n + 1);
    memcpy(buf, module, n + 1);
    bool hit = false;
    for (;;) {
        if ((hit = select_name(s, buf)))
            break;
        char *dot = strrchr(buf, '.');
        if (!dot)
            break;
        *dot = 0;
    }
    if (buf != stack_buf)
        free(buf);
    return hit;
}

select_kind select_kind_of(const char *text)
{
    return strpbrk(text, "*?[") ? SELECT_GLOB : SELECT_EXACT;
}

const char *select_kind_name(select_kind k)
{
    return (unsigned)k < SELECT_KIND_COUNT_ ? KIND_NAMES[k] : NULL;
}
