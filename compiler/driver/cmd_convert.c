/* cmd_convert.c — `qrc convert model.onnx --opset N -o out.onnx`: the opset converter on its own.
 *
 * Exit status: 0 converted (or already at N), 2 usage, 3 unreadable model, an opset out of range, a node
 * that cannot be carried across (every such node is listed), or an output that cannot be written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/commands.h"
#include "compile.h"
#include "onnx.h"
#include "opset.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: qrc convert model.onnx --opset N -o out.onnx\n"
               "  rewrites the model's default-domain (ai.onnx) ops from its opset up to N (%d..%d), op by op\n"
               "exit status: 0 converted, 2 usage, 3 model error or a node that cannot be converted\n",
            OPSET_MIN, OPSET_MAX);
}

typedef struct convert_args {
    const char *model, *out;
    long opset;
} convert_args;

static int parse(int argc, char **argv, convert_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            usage(stdout);
            exit(QRC_EXIT_OK);
        } else if (!strcmp(k, "--opset")) {
            char *end;
            errno = 0;
            a->opset = v ? strtol(v, &end, 10) : 0;
            if (!v || errno || *end || !*v)
                return fprintf(stderr, "qrc convert: --opset needs a number, got '%s'\n", v ? v : ""), -1;
            i++;
        } else if (!strcmp(k, "-o") || !strcmp(k, "--output")) {
            if (!v)
                return fprintf(stderr, "qrc convert: %s needs a file name\n", k), -1;
            a->out = v;
            i++;
        } else if (k[0] == '-') {
            return fprintf(stderr, "qrc convert: unknown option '%s'\n", k), -1;
        } else if (!a->model) {
            a->model = k;
        } else {
            return fprintf(stderr, "qrc convert: unexpected argument '%s'\n", k), -1;
        }
    }
    if (!a->model || !a->out || !a->opset)
        return fprintf(stderr, "qrc convert: %s\n",
                       !a->model ? "no model given" : !a->out ? "no output given (-o out.onnx)" : "no --opset given"),
               -1;
    if (a->opset < OPSET_MIN || a->opset > OPSET_MAX)
        return fprintf(stderr, "qrc convert: --opset %ld is outside %d..%d\n", a->opset, OPSET_MIN, OPSET_MAX), -1;
    return 0;
}

static void list_blocker(void *ctx, const graph_node *nd, const char *why)
{
    const char *model = ctx;
    if (nd)
        fprintf(stderr, "qrc convert: %s: node '%s' (%s): %s\n", model, nd->name, nd->op_type, why);
    else
        fprintf(stderr, "qrc convert: %s: %s\n", model, why);
}

int cmd_convert(int argc, char **argv)
{
    convert_args a;
    if (parse(argc, argv, &a)) {
        usage(stderr);
        return QRC_EXIT_USAGE;
    }
    graph *g;
    qrc_err e = {0};
    if (onnx_load(a.model, &g, &e)) {
        fprintf(stderr, "qrc convert: %s\n", e.msg);
        return QRC_EXIT_RUNTIME;
    }
    int64_t from = graph_opset_version(g, "");
    int n_blocked = opset_blockers(g, a.opset, list_blocker, (void *)a.model);
    if (n_blocked) {
        if (n_blocked > 0)
            fprintf(stderr, "qrc convert: %s: %d node%s cannot be carried from opset %lld to %ld\n", a.model,
                    n_blocked, n_blocked > 1 ? "s" : "", (long long)from, a.opset);
        graph_free(g);
        return QRC_EXIT_RUNTIME;
    }
    int rewritten = opset_upgrade(g, a.opset, &e);
    if (rewritten < 0 || onnx_save(g, a.out, &e)) {
        fprintf(stderr, "qrc convert: %s: %s\n", a.model, e.msg);
        graph_free(g);
        return QRC_EXIT_RUNTIME;
    }
    printf("%s: opset %lld -> %ld (IR %lld), %d node%s rewritten, written to %s\n", a.model, (long long)from,
           a.opset, (long long)g->ir_version, rewritten, rewritten == 1 ? "" : "s", a.out);
    graph_free(g);
    return QRC_EXIT_OK;
}
