/* commands.h — the subcommands of the qrc driver, one file each (cmd_*.c). Each takes argv with argv[0]
 * being the subcommand's name and returns the process exit status (QRC_EXIT_* in compile.h). */
#ifndef QRC_COMMANDS_H
#define QRC_COMMANDS_H

int cmd_compile(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_lsp(int argc, char **argv);
int cmd_init(int argc, char **argv);

#endif
