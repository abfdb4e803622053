/* rpc.c — Content-Length framing and the shapes of JSON-RPC messages. */
#include "lsp/rpc.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum { MAX_HEADER_LINE = 1024 };

void rpc_reader_init(rpc_reader *r, int fd)
{
    r->fd = fd;
    r->pos = r->end = 0;
}

static bool fill(rpc_reader *r)
{
    for (;;) {
        ssize_t got = read(r->fd, r->buf, sizeof r->buf);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        r->pos = 0;
        r->end = (size_t)got;
        return true;
    }
}

static int get_byte(rpc_reader *r)
{
    if (r->pos == r->end && !fill(r))
        return EOF;
    return (unsigned char)r->buf[r->pos++];
}

/* Copies up to n bytes to dst (NULL: drops them); returns how many there were before the end. */
static size_t get_bytes(rpc_reader *r, char *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        if (r->pos == r->end && !fill(r))
            break;
        size_t k = r->end - r->pos < n - done ? r->end - r->pos : n - done;
        if (dst)
            memcpy(dst + done, r->buf + r->pos, k);
        r->pos += k;
        done += k;
    }
    return done;
}

bool rpc_pending(rpc_reader *r)
{
    if (r->pos < r->end)
        return true;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* Reads one header line without its line end into buf. Returns its length, -1 at end of input. A line
 * longer than the buffer is cut (the rest is read and dropped). */
static int read_line(rpc_reader *in, char *buf, size_t cap)
{
    size_t n = 0;
    int c;
    while ((c = get_byte(in)) != EOF && c != '\n')
        if (n + 1 < cap)
            buf[n++] = (char)c;
    if (c == EOF && n == 0)
        return -1;
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = 0;
    return (int)n;
}

/* The value of a Content-Length header anywhere in line (garbage before it is tolerated so a stream
 * resynchronises after a bad body), or -1. */
static long long content_length(const char *line)
{
    const char *p = line;
    static const char key[] = "content-length:";
    while (*p && strncasecmp(p, key, sizeof key - 1))
        p++;
    if (!*p)
        return -1;
    p += sizeof key - 1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    long long v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (1LL << 40))
            return (1LL << 40);
        v = v * 10 + (*p - '0');
    }
    return *p ? -1 : v;
}

static void skip_bytes(rpc_reader *in, long long n)
{
    get_bytes(in, NULL, (size_t)n);
}

rpc_status rpc_read(rpc_reader *in, char **body, size_t *len)
{
    char line[MAX_HEADER_LINE];
    long long length = -1;
    bool bad = false, any = false;
    int n;
    while ((n = read_line(in, line, sizeof line)) != 0) {
        if (n < 0)
            return RPC_EOF;
        any = true;
        long long v = content_length(line);
        if (v >= 0)
            length = v;
        else if (!strchr(line, ':'))
            bad = true;
    }
    if (!any)
        return RPC_BAD_HEADER;   /* a stray empty line */
    if (length < 0 || bad)
        return length < 0 ? RPC_BAD_HEADER : (skip_bytes(in, length), RPC_BAD_HEADER);
    *len = (size_t)length;
    if (length > RPC_MAX_BODY) {
        skip_bytes(in, length);
        return RPC_TOO_LARGE;
    }
    char *buf = malloc((size_t)length + 1);
    if (!buf) {
        skip_bytes(in, length);
        return RPC_TOO_LARGE;
    }
    if (get_bytes(in, buf, (size_t)length) != (size_t)length) {
        free(buf);
        return RPC_EOF;
    }
    buf[length] = 0;
    *body = buf;
    return RPC_OK;
}

int rpc_write(FILE *out, const json_t *msg)
{
    char *text = json_dumps(msg, JSON_COMPACT);
    if (!text)
        return -1;
    int rc = fprintf(out, "Content-Length: %zu\r\n\r\n%s", strlen(text), text) < 0 || fflush(out) ? -1 : 0;
    free(text);
    return rc;
}

json_t *rpc_result(const json_t *id, json_t *result)
{
    return json_pack("{s:s, s:O?, s:o}", "jsonrpc", "2.0", "id", id, "result", result ? result : json_null());
}

json_t *rpc_error(const json_t *id, int code, const char *message)
{
    return json_pack("{s:s, s:O?, s:{s:i, s:s}}", "jsonrpc", "2.0", "id", id, "error", "code", code, "message",
                     message);
}

json_t *rpc_notification(const char *method, json_t *params)
{
    return json_pack("{s:s, s:s, s:o}", "jsonrpc", "2.0", "method", method, "params", params);
}
