/* cmd_run.h — `qrc run`: run an ONNX model on .npy inputs. */
#ifndef QRC_CMD_RUN_H
#define QRC_CMD_RUN_H

/* argv[0] is "run"; returns the process exit status (0, 1 output I/O, 2 usage, 3 model/data error). */
int cmd_run(int argc, char **argv);

#endif
