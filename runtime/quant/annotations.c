/* annotations.c — the prepare report's node annotations (excluded, float region, supergroups, keyed by
 * node name) as the per-node arrays quant_options takes. */
#include <stdlib.h>

#include "pass.h"
#include "quant.h"

int quant_annotations_from_report(const graph *g, const pass_report *r, bool *excluded, bool *fused_with_next,
                                  qrc_err *e)
{
    (void)e;
    for (int n = 0; n < g->n_nodes; n++) {
        const pass_node_info *info = r ? pass_report_find(r, g->nodes[n].name) : NULL;
        excluded[n] = info && (info->excluded || info->outside_region);
        fused_with_next[n] = info && info->group >= 0 && !info->group_output;
    }
    return 0;
}
