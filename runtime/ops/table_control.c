#include "ops/tables.h"

const op_def ops_control[] = {
    {0},
};
const int ops_control_count = 0;
