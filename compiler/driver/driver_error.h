/* driver_error.h — how the qrc commands show an error the runtime (or the plan translation) raised.
 *
 * An error whose origin (err.h) is a location in one of the plan's recipe files reads as a recipe
 * diagnostic, `r.q:3:27: error: message` with the source line and a caret, as `qrc compile` prints them;
 * any other error as `qrc <cmd>: error: message`.
 *
 * Ownership: nothing is kept; plan and e are only read (plan may be NULL). */
#ifndef QRC_DRIVER_ERROR_H
#define QRC_DRIVER_ERROR_H

#include "base/err.h"
#include "plan.pb-c.h"

/* Prints e to stderr for command `cmd` ("build", "check"). */
void driver_error_print(const char *cmd, const Qrc__Plan *plan, const qrc_err *e);

#endif
