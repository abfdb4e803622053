/* plan_move — moves one pass of a compiled plan, for tests that check the build follows the plan's order:
 *
 *   plan_move in.qp NAME before|after OTHER out.qp
 *
 * The first pass called NAME is taken out and put back just before (or after) the first pass called
 * OTHER; everything else in the plan stays as compiled. Exit status 0 on success, 1 on an error
 * (printed), 2 on bad usage. */
#include <stdio.h>
#include <string.h>

#include "plan/plan.h"

static int find(const Qrc__Plan *p, const char *name)
{
    for (size_t i = 0; i < p->n_passes; i++)
        if (!strcmp(p->passes[i]->name, name))
            return (int)i;
    return -1;
}

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[3], "before") && strcmp(argv[3], "after")) || !strcmp(argv[2], argv[4])) {
        fprintf(stderr, "usage: plan_move in.qp NAME before|after OTHER out.qp\n");
        return 2;
    }
    qrc_err e;
    Qrc__Plan *p = plan_read_file(argv[1], &e);
    if (!p) {
        fprintf(stderr, "plan_move: %s\n", e.msg);
        return 1;
    }
    int from = find(p, argv[2]), rc = 1;
    if (from < 0 || find(p, argv[4]) < 0) {
        fprintf(stderr, "plan_move: the plan has no pass called '%s'\n", from < 0 ? argv[2] : argv[4]);
        goto done;
    }
    Qrc__Pass *moved = p->passes[from];
    memmove(&p->passes[from], &p->passes[from + 1], (p->n_passes - (size_t)from - 1) * sizeof *p->passes);
    size_t to = (size_t)find(p, argv[4]) + (strcmp(argv[3], "after") == 0);
    memmove(&p->passes[to + 1], &p->passes[to], (p->n_passes - 1 - to) * sizeof *p->passes);
    p->passes[to] = moved;
    if (plan_write_file(p, argv[5], &e)) {
        fprintf(stderr, "plan_move: %s\n", e.msg);
        goto done;
    }
    rc = 0;
done:
    plan_free(p);
    return rc;
}
