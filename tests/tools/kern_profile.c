/* kern_profile — times the kernels of a model, node by node, without the executor.
 *
 *   kern_profile model.onnx [batch] [threads] [runs]
 *
 * Feeds every graph input with pseudo-random floats (symbolic dims take `batch`), runs the nodes in
 * topological order `runs` times (after one warm-up run, keeping each node's kernel state across runs)
 * and prints the median and fastest time of a whole run and, per op type, the sum of each node's fastest
 * time (a busy machine inflates single runs, not minima). A slow path shows up
 * here as one op type taking far more than its share. KERN_PROFILE_FUSE=1 first rewrites the graph with
 * kern_fuse_conv (BatchNorm folding, Conv+activation fusion). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "onnx.h"
#include "op.h"
#include "ops/nn_ops.h"

/* Wall time, or with KERN_PROFILE_CPU set, CPU time of the process (all threads): on a shared machine
 * the CPU time of a one-thread run measures the work without the time spent waiting for a core. */
static double now_ms(void)
{
    static int cpu = -1;
    if (cpu < 0)
        cpu = getenv("KERN_PROFILE_CPU") != NULL;
    struct timespec t;
    clock_gettime(cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: kern_profile model.onnx [batch] [threads] [runs]\n");
        return 2;
    }
    int64_t batch = argc > 2 ? atoll(argv[2]) : 1;
    int threads = argc > 3 ? atoi(argv[3]) : 2, runs = argc > 4 ? atoi(argv[4]) : 5;
    qrc_err e;
    graph *g;
    if (onnx_load(argv[1], &g, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    int fused = 0;
    if (getenv("KERN_PROFILE_FUSE") && (kern_fuse_conv(g, &fused, &e) || kern_fuse_units(g, NULL, &e))) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    tensor **vals = calloc((size_t)g->n_values, sizeof *vals);
    void **states = calloc((size_t)g->n_nodes, sizeof *states);
    const op_def **defs = calloc((size_t)g->n_nodes, sizeof *defs);
    double *per_node = calloc((size_t)g->n_nodes, sizeof *per_node), *totals = calloc((size_t)runs + 1, sizeof *totals);
    uint64_t seed = 1;
    for (int i = 0; i < g->n_inputs; i++) {
        graph_value *v = &g->values[g->inputs[i]];
        int64_t dims[TENSOR_MAX_RANK];
        for (int d = 0; d < v->rank; d++)
            dims[d] = v->dims[d] < 0 ? batch : v->dims[d];
        vals[g->inputs[i]] = tensor_new(DT_FLOAT, v->rank, dims, &e);
        float *p = vals[g->inputs[i]]->data;
        for (int64_t k = 0; k < tensor_numel(vals[g->inputs[i]]); k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            p[k] = (float)(seed >> 40) / (float)(1 << 24) - 0.5f;
        }
    }
    for (int k = 0; k < g->n_nodes; k++) {
        graph_node *n = &g->nodes[g->order[k]];
        defs[g->order[k]] = op_find(n->domain, n->op_type, graph_opset_version(g, n->domain));
        if (!defs[g->order[k]] || (defs[g->order[k]]->check && defs[g->order[k]]->check(g, n, &e))) {
            fprintf(stderr, "node '%s' (%s): %s\n", n->name, n->op_type, defs[g->order[k]] ? e.msg : "no kernel");
            return 1;
        }
    }
    for (int r = 0; r <= runs; r++) {
        double t0 = now_ms();
        for (int k = 0; k < g->n_nodes; k++) {
            int ni = g->order[k];
            graph_node *n = &g->nodes[ni];
            const tensor *ins[16] = {0};
            tensor *outs[16] = {0};
            for (int i = 0; i < n->n_in && i < 16; i++)
                ins[i] = n->in[i] < 0 ? NULL : g->values[n->in[i]].init ? g->values[n->in[i]].init : vals[n->in[i]];
            op_ctx ctx = {.graph = g, .node = n, .n_in = n->n_in, .in = ins, .n_out = n->n_out, .out = outs,
                          .threads = threads, .state = &states[ni], .err = &e};
            double t1 = now_ms();
            if (defs[ni]->run(&ctx)) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
            }
            double dt = now_ms() - t1;
            if (r == 1 || (r > 1 && dt < per_node[ni]))
                per_node[ni] = dt;   /* the fastest run of each node: robust to a busy machine */
            for (int i = 0; i < n->n_out; i++) {
                if (n->out[i] < 0)
                    continue;
                tensor_free(vals[n->out[i]]);
                vals[n->out[i]] = outs[i];
            }
        }
        totals[r] = now_ms() - t0;
    }
    qsort(totals + 1, (size_t)runs, sizeof *totals, cmp_double);
    printf("%s batch %lld threads %d: median %.2f ms, min %.2f ms over %d runs\n", argv[1], (long long)batch, threads,
           totals[1 + runs / 2], totals[1], runs);
    if (getenv("KERN_PROFILE_NODES"))   /* every node with its input shape */
        for (int k = 0; k < g->n_nodes; k++) {
            int ni = g->order[k];
            graph_node *n = &g->nodes[ni];
            char buf[128] = "";
            if (n->n_in && n->in[0] >= 0 && vals[n->in[0]])
                tensor_describe(vals[n->in[0]], buf, sizeof buf);
            printf("  %8.3f ms  %-12s %-40s %s\n", per_node[ni], n->op_type, n->name, buf);
        }
    /* per op type, largest first */
    for (;;) {
        const char *best = NULL;
        double bt = 0;
        int cnt = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            if (per_node[i] < 0)
                continue;
            double t = 0;
            int c = 0;
            for (int j = 0; j < g->n_nodes; j++)
                if (per_node[j] >= 0 && !strcmp(g->nodes[j].op_type, g->nodes[i].op_type)) {
                    t += per_node[j];
                    c++;
                }
            if (!best || t > bt) {
                best = g->nodes[i].op_type;
                bt = t;
                cnt = c;
            }
        }
        if (!best)
            break;
        printf("  %-20s %4d nodes %8.2f ms\n", best, cnt, bt);
        for (int j = 0; j < g->n_nodes; j++)
            if (per_node[j] >= 0 && !strcmp(g->nodes[j].op_type, best))
                per_node[j] = -1;
    }
    for (int i = 0; i < g->n_nodes; i++)
        if (states[i] && defs[i]->release)
            defs[i]->release(states[i]);
    for (int i = 0; i < g->n_values; i++)
        tensor_free(vals[i]);
    free(vals);
    free(states);
    free(defs);
    free(per_node);
    free(totals);
    graph_free(g);
    return 0;
}
