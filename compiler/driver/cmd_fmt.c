/* cmd_fmt.c — `qrc fmt [--check | --write] RECIPE.q...`: print, check or rewrite recipes in canonical form. */
#include <stdio.h>
#include <string.h>

#include "base/file.h"
#include "driver/commands.h"
#include "compile.h"
#include "front/fmt.h"

static int usage(void)
{
    fprintf(stderr, "usage: qrc fmt [--check | --write] RECIPE.q...\n"
                    "  prints the canonical form; --check exits with %d if a file is not canonical;\n"
                    "  --write rewrites files in place\n",
            QRC_EXIT_UNFORMATTED);
    return QRC_EXIT_USAGE;
}

int cmd_fmt(int argc, char **argv)
{
    bool check = false, write = false;
    int first = 1;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--check"))
            check = true;
        else if (!strcmp(argv[first], "--write") || !strcmp(argv[first], "-w"))
            write = true;
        else
            return usage();
    }
    if (first == argc || (check && write))
        return usage();
    int status = QRC_EXIT_OK;
    for (int i = first; i < argc; i++) {
        arena a = {0};
        diag_list d;
        diag_init(&d, &a);
        const char *original = NULL;
        char *text = fmt_path(&a, &d, argv[i], &original);
        diag_render(&d, stderr);
        if (!text) {
            status = QRC_EXIT_RECIPE;
        } else if (check) {
            if (strcmp(text, original)) {
                fprintf(stderr, "%s: not in canonical form (run: qrc fmt --write %s)\n", argv[i], argv[i]);
                if (status == QRC_EXIT_OK)
                    status = QRC_EXIT_UNFORMATTED;
            }
        } else if (write) {
            qrc_err e;
            if (strcmp(text, original) && file_write_atomic(argv[i], text, strlen(text), &e)) {
                fprintf(stderr, "qrc: error: %s\n", e.msg);
                status = QRC_EXIT_RUNTIME;
            }
        } else {
            fputs(text, stdout);
        }
        arena_free(&a);
    }
    return status;
}
