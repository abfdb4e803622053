#include "ops/tables.h"

const op_def ops_basic[] = {
    {0},
};
const int ops_basic_count = 0;
