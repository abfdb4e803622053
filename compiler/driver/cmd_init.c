/* cmd_init.c — `qrc init model.onnx [--data DIR] [-o recipe.q] [--force]`: a starter recipe for a model.
 *
 * The recipe names the model's inputs (dtype and shape) and outputs, a W8A8 default rule, calibration
 * and evaluation on the data folder (images get a guessed preprocess block), and says in comments what
 * each choice means and what to try next. It is written in canonical layout (`qrc fmt --check` accepts
 * it) and, when --data is given, builds without edits.
 *
 * Exit status: 0 written, 2 usage, 3 unreadable model or data, an existing output without --force, or an
 * output that cannot be written. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"
#include "compile.h"
#include "driver/commands.h"
#include "driver/init_guess.h"
#include "front/fmt.h"
#include "onnx.h"

typedef struct init_args {
    const char *model, *data, *out;
    bool force;
} init_args;

static void usage(FILE *f)
{
    fprintf(f, "usage: qrc init model.onnx [--data DIR] [-o recipe.q] [--force]\n"
               "  writes a starter recipe (default: the model's name with .q, in the current folder)\n"
               "  --data DIR  a folder of images (class subfolders become labels) or of .npy files\n"
               "exit status: 0 written, 2 usage, 3 model, data or file error\n");
}

static int parse(int argc, char **argv, init_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) {
            usage(stdout);
            exit(QRC_EXIT_OK);
        } else if (!strcmp(k, "--data") || !strcmp(k, "-o") || !strcmp(k, "--output")) {
            if (!v)
                return fprintf(stderr, "qrc init: %s needs a value\n", k), -1;
            *(!strcmp(k, "--data") ? &a->data : &a->out) = v;
            i++;
        } else if (!strcmp(k, "--force")) {
            a->force = true;
        } else if (k[0] == '-') {
            return fprintf(stderr, "qrc init: unknown option '%s'\n", k), -1;
        } else if (!a->model) {
            a->model = k;
        } else {
            return fprintf(stderr, "qrc init: unexpected argument '%s'\n", k), -1;
        }
    }
    return a->model ? 0 : (fprintf(stderr, "qrc init: no model given\n"), -1);
}

/* The model's file name without folder and .onnx. */
static const char *stem_of(arena *a, const char *path)
{
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    size_t n = strlen(base);
    if (n > 5 && !strcmp(base + n - 5, ".onnx"))
        n -= 5;
    return arena_strndup(a, base, n);
}

/* Writes text to path, then rewrites it in canonical layout. */
static int write_canonical(arena *a, const char *path, const char *text, qrc_err *e)
{
    if (file_write_atomic(path, text, strlen(text), e))
        return -1;
    diag_list d;
    diag_init(&d, a);
    const char *original;
    char *canon = fmt_path(a, &d, path, &original);
    if (!canon)
        return err_set(e, "%s: the written recipe does not parse (a bug in qrc init)", path);
    return strcmp(canon, original) ? file_write_atomic(path, canon, strlen(canon), e) : 0;
}

static int run(const init_args *args, arena *a, qrc_err *e)
{
    const char *out = args->out ? args->out : arena_printf(a, "%s.q", stem_of(a, args->model));
    if (!args->force && access(out, F_OK) == 0)
        return err_set(e, "%s exists; pass --force to replace it", out);
    graph *g;
    if (onnx_load(args->model, &g, e))
        return -1;
    const char *recipe_dir = dirname(arena_strdup(a, out));
    init_model m = {init_relative_path(a, recipe_dir, args->model), stem_of(a, args->model), g};
    init_data d = {.kind = INIT_DATA_NONE, .input = g->n_inputs ? g->values[g->inputs[0]].name : "input"};
    int rc = args->data ? init_guess_data(a, g, args->data, recipe_dir, &d, e) : 0;
    const char *name = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
    if (!rc)
        rc = write_canonical(a, out, init_recipe_text(a, &m, &d, name), e);
    graph_free(g);
    if (!rc)
        printf("wrote %s%s\n", out, args->data ? "" : " (set the calibration data before building)");
    return rc;
}

int cmd_init(int argc, char **argv)
{
    init_args args;
    if (parse(argc, argv, &args)) {
        usage(stderr);
        return QRC_EXIT_USAGE;
    }
    arena a = {0};
    qrc_err e = {0};
    int rc = run(&args, &a, &e);
    if (rc)
        fprintf(stderr, "qrc init: %s\n", e.msg);
    arena_free(&a);
    return rc ? QRC_EXIT_RUNTIME : QRC_EXIT_OK;
}
