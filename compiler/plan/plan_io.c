/* plan_io.c — .qp files: magic bytes + serialized Plan, written atomically (base/file.h). */
#include <stdlib.h>
#include <string.h>

#include "base/file.h"
#include "base/mem.h"
#include "plan/plan.h"

enum { MAX_PLAN_BYTES = 64 << 20 };

int plan_write_file(const Qrc__Plan *plan, const char *path, qrc_err *e)
{
    size_t n = qrc__plan__get_packed_size(plan);
    uint8_t *buf = mem_alloc(n + 8);
    memcpy(buf, PLAN_FILE_MAGIC, 8);
    qrc__plan__pack(plan, buf + 8);
    int rc = file_write_atomic(path, buf, n + 8, e);
    free(buf);
    return rc;
}

Qrc__Plan *plan_read_file(const char *path, qrc_err *e)
{
    void *data;
    size_t n;
    const char *why;
    file_fault ff = file_load(path, MAX_PLAN_BYTES, &data, &n, &why);
    if (ff == FILE_CANNOT_OPEN || ff == FILE_NOT_REGULAR) {
        err_set(e, "cannot open plan '%s': %s", path, why);
        return NULL;
    }
    if (ff != FILE_OK) {
        err_set(e, "cannot read plan '%s': %s", path, ff == FILE_READ_FAILED ? why : "too large or out of memory");
        return NULL;
    }
    const uint8_t *buf = data;
    if (n < 8 || memcmp(buf, PLAN_FILE_MAGIC, 8)) {
        free(data);
        err_set(e, "'%s' is not a qrc plan (compile one with: qrc compile recipe.q -o plan.qp)", path);
        return NULL;
    }
    Qrc__Plan *p = qrc__plan__unpack(NULL, n - 8, buf + 8);
    free(data);
    if (!p)
        err_set(e, "'%s' is a damaged qrc plan", path);
    return p;
}

void plan_free(Qrc__Plan *plan)
{
    if (plan)
        qrc__plan__free_unpacked(plan, NULL);
}
