/* quote.c — recipe spelling of names in suggestions. */
#include "base/quote.h"

#include <stdio.h>

bool quote_is_plain(const char *name)
{
    if (!name || !((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z') || *name == '_'))
        return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            return false;
    return true;
}

const char *quote_string(char *buf, size_t size, const char *name)
{
    size_t o = 0;
    if (size < 3) {
        if (size)
            buf[0] = 0;
        return buf;
    }
    buf[o++] = '"';
    for (const char *p = name; *p && o + 3 < size; p++) {
        bool esc = *p == '"' || *p == '\\' || *p == '\n' || *p == '\t';   /* the lexer's escapes */
        if (esc)
            buf[o++] = '\\';
        buf[o++] = *p == '\n' ? 'n' : *p == '\t' ? 't' : *p;
    }
    buf[o++] = '"';
    buf[o] = 0;
    return buf;
}

const char *quote_name(char *buf, size_t size, const char *name)
{
    if (quote_is_plain(name)) {
        snprintf(buf, size, "%s", name);
        return buf;
    }
    return quote_string(buf, size, name);
}

const char *quote_in_text(char *buf, size_t size, const char *name)
{
    if (quote_is_plain(name)) {
        snprintf(buf, size, "'%s'", name);
        return buf;
    }
    return quote_string(buf, size, name);
}
