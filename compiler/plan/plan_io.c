/* plan_io.c — .qp files: magic bytes + serialized Plan, written atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan/plan.h"

enum { MAX_PLAN_BYTES = 64 << 20 };

int plan_write_file(const Qrc__Plan *plan, const char *path, qrc_err *e)
{
    size_t n = qrc__plan__get_packed_size(plan);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return err_set(e, "%s: out of memory packing the plan", path);
    qrc__plan__pack(plan, buf);
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) {
        free(buf);
        return err_set(e, "%s: out of memory", path);
    }
    snprintf(tmp, plen + 32, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "wb");
    int rc = 0;
    if (!f) {
        rc = err_set(e, "cannot write '%s': %s", tmp, strerror(errno));
    } else {
        bool ok = fwrite(PLAN_FILE_MAGIC, 1, 8, f) == 8 && fwrite(buf, 1, n, f) == n;
        ok &= fflush(f) == 0;
        ok &= fclose(f) == 0;
        if (!ok)
            rc = err_set(e, "cannot write '%s': %s", tmp, strerror(errno));
        else if (rename(tmp, path))
            rc = err_set(e, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        if (rc)
            remove(tmp);
    }
    free(tmp);
    free(buf);
    return rc;
}

Qrc__Plan *plan_read_file(const char *path, qrc_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, "cannot open plan '%s': %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = cap >= MAX_PLAN_BYTES ? NULL : realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (!got)
            break;
        n += got;
    }
    bool read_error = ferror(f);
    fclose(f);
    if (!buf || read_error) {
        free(buf);
        err_set(e, "cannot read plan '%s': %s", path, read_error ? "read error" : "too large or out of memory");
        return NULL;
    }
    if (n < 8 || memcmp(buf, PLAN_FILE_MAGIC, 8)) {
        free(buf);
        err_set(e, "'%s' is not a qrc plan (compile one with: qrc compile recipe.q -o plan.qp)", path);
        return NULL;
    }
    Qrc__Plan *p = qrc__plan__unpack(NULL, n - 8, buf + 8);
    free(buf);
    if (!p)
        err_set(e, "'%s' is a damaged qrc plan", path);
    return p;
}

void plan_free(Qrc__Plan *plan)
{
    if (plan)
        qrc__plan__free_unpacked(plan, NULL);
}
