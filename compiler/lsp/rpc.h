/* rpc.h — JSON-RPC 2.0 messages framed by `Content-Length: N\r\n\r\n` headers (the LSP base protocol).
 *
 * rpc_read never trusts its input: a header it cannot use, a body larger than RPC_MAX_BODY or a stream
 * that ends inside a message is reported as a status, and reading can carry on with the next message.
 *
 * Ownership: rpc_read hands back a malloc'd body the caller frees; rpc_write only reads its message. */
#ifndef QRC_LSP_RPC_H
#define QRC_LSP_RPC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

/* The largest body accepted: a recipe is at most 16 MiB, and JSON escaping may double it. */
enum { RPC_MAX_BODY = 40 << 20 };

/* JSON-RPC and LSP error codes. */
enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    RPC_NOT_INITIALIZED = -32002,
    RPC_REQUEST_FAILED = -32803,
};

typedef enum rpc_status {
    RPC_OK,
    RPC_EOF,           /* the stream ended (cleanly or inside a message) */
    RPC_BAD_HEADER,    /* a header block without a usable Content-Length; skipped */
    RPC_TOO_LARGE,     /* a body over RPC_MAX_BODY; skipped */
} rpc_status;

/* A buffered reader over a file descriptor: it can tell whether input is waiting without blocking. */
typedef struct rpc_reader {
    int fd;
    size_t pos, end;
    char buf[65536];
} rpc_reader;

void rpc_reader_init(rpc_reader *r, int fd);
/* True when a byte can be read without blocking (buffered, or ready on the descriptor). */
bool rpc_pending(rpc_reader *r);
/* Reads one message. On RPC_OK *body (NUL-terminated) and *len are set. On RPC_TOO_LARGE *len is the
 * announced size. */
rpc_status rpc_read(rpc_reader *in, char **body, size_t *len);
/* Writes msg framed and flushes. Returns 0, or -1 when the output is gone. */
int rpc_write(FILE *out, const json_t *msg);
/* A response to id (NULL: null) carrying result (stolen reference). */
json_t *rpc_result(const json_t *id, json_t *result);
/* An error response to id (NULL: null). */
json_t *rpc_error(const json_t *id, int code, const char *message);
/* A notification (params stolen). */
json_t *rpc_notification(const char *method, json_t *params);

#endif
