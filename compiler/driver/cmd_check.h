/* cmd_check.h — `qrc check`: the model validator's command. */
#ifndef QRC_CMD_CHECK_H
#define QRC_CMD_CHECK_H

/* argv[0] is "check". Exit status: 0 the model passes, 1 it fails, 2 bad usage, 3 unreadable model. */
int cmd_check(int argc, char **argv);

#endif
