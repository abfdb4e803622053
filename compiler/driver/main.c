/* main.c — the qrc driver: one table row per subcommand. */
#include <stdio.h>
#include <string.h>

#include "driver/cmd_check.h"
#include "driver/cmd_run.h"
#include "driver/commands.h"
#include "ops/kern.h"
#include "version.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} command;

static int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("qrc %s\n", QRC_VERSION);
    return 0;
}

static const command commands[] = {
    {"version", "print the version", cmd_version},
    {"check", "validate a model for quantization and write the check report", cmd_check},
    {"run", "run an ONNX model on .npy inputs, write .npy outputs", cmd_run},
    {"convert", "rewrite an ONNX model to a newer opset (--opset N -o out.onnx)", cmd_convert},
    {"init", "write a starter recipe for a model (--data DIR, -o recipe.q)", cmd_init},
    {"compile", "check a recipe and write its pass plan (.qp)", cmd_compile},
    {"build", "run a recipe end to end: prepare, calibrate, evaluate, export", cmd_build},
    {"plan", "print the pass plan of a recipe (--json for JSON)", cmd_plan},
    {"fmt", "print a recipe in canonical form (--check, --write)", cmd_fmt},
    {"lsp", "serve the Language Server Protocol for recipes on stdin/stdout", cmd_lsp},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: qrc <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    kern_short_spin(argv);
    if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "qrc: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
