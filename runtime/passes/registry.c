/* registry.c — every pass of pass_list.h by name and id; the rewrites with their functions. */
#include <assert.h>
#include <string.h>

#include "pass.h"

#define RUN_PREPARE(n) pass_##n
#define RUN_REWRITE(n) pass_##n
#define RUN_BUILD(n) NULL

const pass_def pass_table[] = {
#define ROW(n, k, s) [PASS_ID_##n] = {#n, PASS_KIND_##k, RUN_##k(n), s},
    PASS_LIST(ROW)
#undef ROW
};

static_assert(sizeof pass_table / sizeof *pass_table == PASS_ID_COUNT_, "one registry row per pass id");

const char *pass_id_name(pass_id id)
{
    return (unsigned)id < PASS_ID_COUNT_ ? pass_table[id].name : "?";
}

int pass_id_parse(const char *name)
{
    for (int i = 0; i < PASS_ID_COUNT_; i++)
        if (!strcmp(pass_table[i].name, name))
            return i;
    return -1;
}

pass_kind pass_id_kind(pass_id id)
{
    return pass_table[id].kind;
}

int pass_id_is_prepare(pass_id id)
{
    return (unsigned)id < PASS_ID_COUNT_ && pass_table[id].kind != PASS_KIND_BUILD;
}

const char *pass_id_summary(pass_id id)
{
    return (unsigned)id < PASS_ID_COUNT_ ? pass_table[id].summary : "?";
}

const pass_def *pass_find(const char *name)
{
    int id = pass_id_parse(name);
    return id < 0 ? NULL : &pass_table[id];
}

pass_opts pass_opts_default(void)
{
    pass_opts o;
    memset(&o, 0, sizeof o);
    o.fold_forward_bn = true;
    o.inline_if = true;
    return o;
}
