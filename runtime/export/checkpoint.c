/* checkpoint.c — the .qck container: prepared graph, encodings and recipe hash, checked on load.
 *
 * Layout (integers little-endian):
 *   8 bytes  magic "QRCCKPT\n"
 *   u32      format version (EXPORT_CHECKPOINT_VERSION)
 *   u32      section count
 *   sections { 4-byte tag, u64 length, length bytes }: "ONNX" prepared graph as an ONNX model,
 *            "ENCS" encodings JSON (version 1.0.0), "RCPH" recipe hash (text)
 *   32 bytes SHA-256 of everything before it */
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/mem.h"
#include "export.h"
#include "onnx.h"
#include "base/sha256.h"

static const char MAGIC[8] = {'Q', 'R', 'C', 'C', 'K', 'P', 'T', '\n'};

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static int put(buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = (b->cap ? b->cap * 2 : 4096) + n;
        unsigned char *p = realloc(b->p, cap);
        if (!p)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return 0;
}

static int put_le(buf *b, uint64_t v, int bytes)
{
    unsigned char le[8];
    for (int i = 0; i < bytes; i++)
        le[i] = (unsigned char)(v >> (8 * i));
    return put(b, le, (size_t)bytes);
}

static int put_section(buf *b, const char tag[4], const void *data, size_t n)
{
    return put(b, tag, 4) || put_le(b, n, 8) || put(b, data, n);
}

int export_checkpoint_pack(const graph *g, const export_quantizer *q, int n, const char *recipe_hash, void **out,
                           size_t *out_n, qrc_err *e)
{
    *out = NULL;
    *out_n = 0;
    if (export_quantizers_check(g, q, n, e))
        return err_wrap(e, "checkpoint");
    void *model;
    size_t model_n;
    char *enc;
    if (onnx_save_mem(g, &model, &model_n, e))
        return err_wrap(e, "checkpoint");
    if (export_encodings_dump(q, n, EXPORT_ENC_1_0_0, NULL, &enc, e)) {
        free(model);
        return err_wrap(e, "checkpoint");
    }
    const char *rh = recipe_hash ? recipe_hash : "";
    buf b = {0};
    int bad = put(&b, MAGIC, 8) || put_le(&b, EXPORT_CHECKPOINT_VERSION, 4) || put_le(&b, 3, 4) ||
              put_section(&b, "ONNX", model, model_n) || put_section(&b, "ENCS", enc, strlen(enc)) ||
              put_section(&b, "RCPH", rh, strlen(rh));
    free(model);
    free(enc);
    unsigned char digest[32];
    if (!bad) {
        sha256_digest(b.p, b.n, digest);
        bad = put(&b, digest, 32);
    }
    if (bad) {
        free(b.p);
        return err_set(e, "checkpoint: out of memory for %zu bytes", b.n + model_n);
    }
    *out = b.p;
    *out_n = b.n;
    return 0;
}

int export_checkpoint_save(const char *path, const graph *g, const export_quantizer *q, int n,
                           const char *recipe_hash, qrc_err *e)
{
    void *data;
    size_t len;
    if (export_checkpoint_pack(g, q, n, recipe_hash, &data, &len, e))
        return err_wrap(e, "%s", path);
    int rc = file_write_atomic(path, data, len, e);
    free(data);
    return rc;
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

int export_checkpoint_unpack(const void *data, size_t n, const char *what, const char *expect_recipe_hash,
                             graph **g_out, export_quant_set **q_out, qrc_err *e)
{
    *g_out = NULL;
    *q_out = NULL;
    const unsigned char *p = data;
    if (n < 8 || memcmp(p, MAGIC, 8))
        return err_set(e, "%s: not a qrc checkpoint (bad magic)", what);
    if (n < 16 + 32)
        return err_set(e, "%s: truncated checkpoint (%zu bytes)", what, n);
    uint32_t version = (uint32_t)get_le(p + 8, 4), count = (uint32_t)get_le(p + 12, 4);
    if (version != EXPORT_CHECKPOINT_VERSION)
        return err_set(e, "%s: checkpoint format version %u, this qrc reads version %d", what, version,
                       EXPORT_CHECKPOINT_VERSION);
    const unsigned char *sec[3] = {0};
    size_t sec_n[3] = {0};
    static const char *const TAGS[3] = {"ONNX", "ENCS", "RCPH"};
    size_t at = 16, end = n - 32;
    for (uint32_t s = 0; s < count; s++) {
        if (at + 12 > end)
            return err_set(e, "%s: truncated checkpoint (section %u header)", what, s);
        uint64_t len = get_le(p + at + 4, 8);
        if (len > end - at - 12)
            return err_set(e, "%s: truncated checkpoint (section %.4s needs %llu bytes)", what, (const char *)p + at,
                           (unsigned long long)len);
        for (int t = 0; t < 3; t++)
            if (!memcmp(p + at, TAGS[t], 4))
                sec[t] = p + at + 12, sec_n[t] = (size_t)len;
        at += 12 + (size_t)len;
    }
    if (at != end)
        return err_set(e, "%s: truncated or corrupt checkpoint (%zu stray bytes)", what, end - at);
    unsigned char digest[32];
    sha256_digest(p, end, digest);
    if (memcmp(digest, p + end, 32))
        return err_set(e, "%s: checkpoint hash mismatch (file corrupt or modified)", what);
    for (int t = 0; t < 3; t++)
        if (!sec[t])
            return err_set(e, "%s: checkpoint lacks its %s section", what, TAGS[t]);
    if (expect_recipe_hash && (strlen(expect_recipe_hash) != sec_n[2] ||
                               memcmp(expect_recipe_hash, sec[2], sec_n[2])))
        return err_set(e, "%s: checkpoint was made by recipe %.*s, not by this recipe (%s)", what, (int)sec_n[2],
                       (const char *)sec[2], expect_recipe_hash);
    graph *g;
    if (onnx_load_mem(sec[0], sec_n[0], NULL, &g, e))
        return err_wrap(e, "%s: checkpoint model", what);
    if (export_encodings_parse((const char *)sec[1], sec_n[1], what, g, q_out, e)) {
        graph_free(g);
        return -1;
    }
    *g_out = g;
    return 0;
}

int export_checkpoint_load(const char *path, const char *expect_recipe_hash, graph **g, export_quant_set **q,
                           qrc_err *e)
{
    *g = NULL;
    *q = NULL;
    void *data;
    size_t n;
    if (file_read(path, FILE_NO_LIMIT, &data, &n, e))
        return -1;
    int rc = export_checkpoint_unpack(data, n, path, expect_recipe_hash, g, q, e);
    free(data);
    return rc;
}
