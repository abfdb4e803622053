#include "ops/tables.h"

const op_def ops_basic[] = {
    {"", "", 0, NULL, NULL, NULL},
};
const int ops_basic_count = 0;
