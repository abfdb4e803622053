#include "ops/tables.h"

const op_def ops_nn[] = {
    {0},
};
const int ops_nn_count = 0;
