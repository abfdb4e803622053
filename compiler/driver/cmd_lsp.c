/* cmd_lsp.c — `qrc lsp`: the language server for recipes on stdin/stdout (see lsp/server.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "driver/commands.h"
#include "lsp/server.h"

int cmd_lsp(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--stdio"))
            continue;   /* what editors pass; stdio is the only transport */
        fprintf(stderr, "usage: qrc lsp [--stdio]\n  serves the Language Server Protocol on stdin/stdout\n");
        return !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ? QRC_EXIT_OK : QRC_EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);   /* a client that goes away ends the loop through a failed write */
    return lsp_serve(STDIN_FILENO, stdout);
}
