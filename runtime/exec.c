/* exec.c — run plan, liveness-driven buffer pool, observer and initializer overrides. */
#include "exec.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "op.h"

/* Pooled buffers are larger than asked for and outlive the values they held. Under AddressSanitizer the
 * bytes a kernel must not touch (the tail past the request, a whole released buffer) are poisoned, so an
 * overrun or a read after release is reported instead of landing in pool slack. */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#define POOL_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define POOL_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POOL_POISON(p, n) ((void)(p), (void)(n))
#define POOL_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

enum { LIVE_FOREVER = INT_MAX };  /* last_use of graph outputs: never released during a run */

typedef enum slot_kind { SLOT_NONE, SLOT_POOLED, SLOT_OWNED, SLOT_BORROWED } slot_kind;

typedef struct pool_buf {
    void *data;
    size_t cap;
} pool_buf;

typedef struct step {
    int node;
    const op_def *def;
    void *state;
} step;

struct exec {
    const graph *g;
    exec *parent;
    int threads;
    step *steps;
    int n_steps;
    int *last_use;        /* per value: last step reading it, -1 if none, LIVE_FOREVER for outputs */
    int *outer;           /* per value: the parent graph's index for an outer-scope value, else -1 */
    tensor **override;    /* per value: substituted initializer (owned) or NULL */
    int max_out, max_in;
    /* run state */
    tensor **slot;        /* per value: its tensor while alive */
    unsigned char *kind;  /* per value: slot_kind */
    size_t *cap;          /* per value: pooled buffer capacity */
    const tensor **ins;   /* scratch, max_in */
    tensor **outs;        /* scratch, max_out */
    size_t *out_cap;      /* scratch, max_out */
    bool *out_pooled;     /* scratch, max_out */
    pool_buf *pool;
    int n_pool, cap_pool;
    size_t live_bytes, peak_bytes;
    exec_observer_fn obs;
    void *obs_user;
};

/* ---- buffer pool ------------------------------------------------------------------------------ */

/* A buffer of at least n bytes: the smallest free one that is not wastefully large, else a new one. */
static void *pool_get(exec *x, size_t n, size_t *cap)
{
    int best = -1;
    for (int i = 0; i < x->n_pool; i++)
        if (x->pool[i].cap >= n && x->pool[i].cap <= 2 * n + 4096 &&
            (best < 0 || x->pool[i].cap < x->pool[best].cap))
            best = i;
    void *p;
    if (best >= 0) {
        p = x->pool[best].data;
        *cap = x->pool[best].cap;
        x->pool[best] = x->pool[--x->n_pool];
    } else {
        *cap = (n + 63) & ~(size_t)63;
        p = aligned_alloc(64, *cap);
        if (!p)
            return NULL;
    }
#ifdef __SANITIZE_ADDRESS__
    /* kernels must not assume zeroed outputs: make sanitizer runs see garbage */
    POOL_UNPOISON(p, *cap);
    memset(p, 0xA5, *cap);
    POOL_POISON(p, *cap);
#endif
    POOL_UNPOISON(p, n);
    x->live_bytes += *cap;
    if (x->live_bytes > x->peak_bytes)
        x->peak_bytes = x->live_bytes;
    return p;
}

static void pool_put(exec *x, void *p, size_t cap)
{
    if (!p)
        return;
    POOL_POISON(p, cap);
    x->live_bytes -= cap;
    if (x->n_pool == x->cap_pool) {
        x->cap_pool = x->cap_pool ? 2 * x->cap_pool : 16;
        x->pool = mem_grow(x->pool, (size_t)x->cap_pool, sizeof *x->pool);
    }
    x->pool[x->n_pool++] = (pool_buf){p, cap};
}

/* A pooled tensor header over a pool buffer. */
static tensor *pooled_tensor(exec *x, tensor_dtype dt, int rank, const int64_t *dims, size_t *cap, qrc_err *e)
{
    if (!tensor_dtype_size(dt)) {
        err_set(e, "unsupported output dtype %s", tensor_dtype_name(dt));
        return NULL;
    }
    if (rank < 0 || rank > TENSOR_MAX_RANK) {
        err_set(e, "output rank %d is outside 0..%d", rank, TENSOR_MAX_RANK);
        return NULL;
    }
    size_t bytes = tensor_dtype_size(dt);
    const size_t limit = (size_t)16 << 30;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) {
            err_set(e, "output dim %d is negative (%lld)", i, (long long)dims[i]);
            return NULL;
        }
        if (dims[i] && bytes > limit / (size_t)dims[i]) {
            err_set(e, "output of dim %d = %lld exceeds 16 GiB", i, (long long)dims[i]);
            return NULL;
        }
        bytes *= (size_t)dims[i];
    }
    tensor *t = tensor_view(dt, rank, dims, NULL);
    *cap = 0;
    if (bytes && !(t->data = pool_get(x, bytes, cap))) {
        free(t);
        err_set(e, "out of memory allocating %zu bytes", bytes);
        return NULL;
    }
    return t;
}

static tensor *exec_alloc(op_ctx *ctx, int i, tensor_dtype dt, int rank, const int64_t *dims)
{
    exec *x = ctx->exec;
    if (ctx->out[i]) { /* the kernel allocates output i again: recycle the first buffer */
        if (x->out_pooled[i]) {
            pool_put(x, ctx->out[i]->data, x->out_cap[i]);
            free(ctx->out[i]);
        } else {
            tensor_free(ctx->out[i]);
        }
        ctx->out[i] = NULL;
    }
    size_t cap;
    tensor *t = pooled_tensor(x, dt, rank, dims, &cap, ctx->err);
    if (!t)
        return NULL;
    ctx->out[i] = t;
    x->out_cap[i] = cap;
    x->out_pooled[i] = true;
    return t;
}

static void release_value(exec *x, int v)
{
    tensor *t = x->slot[v];
    if (!t)
        return;
    switch ((slot_kind)x->kind[v]) {
    case SLOT_POOLED:
        pool_put(x, t->data, x->cap[v]);
        free(t);
        break;
    case SLOT_OWNED: tensor_free(t); break;
    default: break;
    }
    x->slot[v] = NULL;
    x->kind[v] = SLOT_NONE;
}

static void release_all(exec *x)
{
    for (int v = 0; v < x->g->n_values; v++)
        release_value(x, v);
}

/* ---- compile ---------------------------------------------------------------------------------- */

static int compile(exec *x, const graph *g, qrc_err *e)
{
    if (!g->order || g->n_order != g->n_nodes)
        return err_set(e, "graph '%s' changed since its last graph_reindex; reindex before running", g->name);
    int nv = g->n_values;
    x->g = g;
    x->steps = mem_zalloc((size_t)g->n_nodes, sizeof *x->steps);
    x->last_use = mem_zalloc((size_t)nv, sizeof *x->last_use);
    x->outer = mem_zalloc((size_t)nv, sizeof *x->outer);
    x->override = mem_zalloc((size_t)nv, sizeof *x->override);
    x->slot = mem_zalloc((size_t)nv, sizeof *x->slot);
    x->kind = mem_zalloc((size_t)nv, sizeof *x->kind);
    x->cap = mem_zalloc((size_t)nv, sizeof *x->cap);
    for (int v = 0; v < nv; v++) {
        x->last_use[v] = -1;
        x->outer[v] = -1;
    }
    for (int s = 0; s < g->n_nodes; s++) {
        const graph_node *n = &g->nodes[g->order[s]];
        if (n->dead)
            return err_set(e, "node '%s' (%s) is marked dead; reindex before running", n->name, n->op_type);
        int64_t opset = graph_opset_version(g, n->domain);
        const op_def *def = op_find(n->domain, n->op_type, opset);
        if (!def) {
            if (op_find(n->domain, n->op_type, 0))
                return err_set(e, "node '%s' (%s): not supported at opset %lld", n->name, n->op_type, (long long)opset);
            return err_set(e, "node '%s': unsupported op '%s%s%s'", n->name, *n->domain ? n->domain : "",
                           *n->domain ? "." : "", n->op_type);
        }
        if (def->check && def->check(g, n, e)) {
            if (!strstr(e->msg, n->name) || !*n->name)
                err_wrap(e, "node '%s' (%s)", n->name, n->op_type);
            return -1;
        }
        x->steps[s] = (step){g->order[s], def, NULL};
        for (int k = 0; k < n->n_in + n->n_captures; k++) {
            int v = k < n->n_in ? n->in[k] : n->captures[k - n->n_in];
            if (v >= 0)
                x->last_use[v] = s;
        }
        if (n->n_in > x->max_in)
            x->max_in = n->n_in;
        if (n->n_out > x->max_out)
            x->max_out = n->n_out;
    }
    x->n_steps = g->n_nodes;
    for (int i = 0; i < g->n_outputs; i++)
        x->last_use[g->outputs[i]] = LIVE_FOREVER;
    x->ins = mem_zalloc((size_t)x->max_in, sizeof *x->ins);
    x->outs = mem_zalloc((size_t)x->max_out, sizeof *x->outs);
    x->out_cap = mem_zalloc((size_t)x->max_out, sizeof *x->out_cap);
    x->out_pooled = mem_zalloc((size_t)x->max_out, sizeof *x->out_pooled);
    for (int v = 0; v < nv; v++) {
        if (!graph_value_is_outer(g, v) || (x->last_use[v] < 0 && !g->values[v].is_output))
            continue;
        if (!x->parent)
            return err_set(e, "graph '%s' reads '%s' from an enclosing graph but runs on its own", g->name,
                           g->values[v].name);
        x->outer[v] = graph_find_value(x->parent->g, g->values[v].name);
        if (x->outer[v] < 0 && !x->parent->parent)
            return err_set(e, "graph '%s': outer value '%s' not found in the enclosing graph", g->name,
                           g->values[v].name);
    }
    return 0;
}

static exec *exec_alloc_struct(int threads)
{
    exec *x = mem_zalloc(1, sizeof *x);
    x->threads = threads > 0 ? threads : 2;
    return x;
}

int exec_new(const graph *g, int threads, exec **out, qrc_err *e)
{
    *out = NULL;
    exec *x = exec_alloc_struct(threads);
    if (compile(x, g, e)) {
        exec_free(x);
        return -1;
    }
    *out = x;
    return 0;
}

int exec_new_sub(const graph *sub, exec *parent, exec **out, qrc_err *e)
{
    *out = NULL;
    exec *x = exec_alloc_struct(parent->threads);
    x->parent = parent;
    if (compile(x, sub, e)) {
        exec_free(x);
        return -1;
    }
    *out = x;
    return 0;
}

void exec_free(exec *x)
{
    if (!x)
        return;
    if (x->slot)
        release_all(x);
    for (int s = 0; s < x->n_steps; s++)
        if (x->steps[s].state && x->steps[s].def->release)
            x->steps[s].def->release(x->steps[s].state);
    if (x->override)
        for (int v = 0; v < x->g->n_values; v++)
            tensor_free(x->override[v]);
    for (int i = 0; i < x->n_pool; i++) {
        POOL_UNPOISON(x->pool[i].data, x->pool[i].cap);
        free(x->pool[i].data);
    }
    free(x->pool);
    free(x->steps);
    free(x->last_use);
    free(x->outer);
    free(x->override);
    free(x->slot);
    free(x->kind);
    free(x->cap);
    free(x->ins);
    free(x->outs);
    free(x->out_cap);
    free(x->out_pooled);
    free(x);
}

void exec_set_threads(exec *x, int threads)
{
    x->threads = threads > 0 ? threads : 2;
}

void exec_set_observer(exec *x, exec_observer_fn fn, void *user)
{
    x->obs = fn;
    x->obs_user = user;
}

size_t exec_peak_bytes(const exec *x)
{
    return x->peak_bytes;
}

const graph *exec_graph(const exec *x)
{
    return x->g;
}

int exec_set_initializer(exec *x, int v, tensor *t, qrc_err *e)
{
    const graph *g = x->g;
    if (v < 0 || v >= g->n_values || !g->values[v].init) {
        tensor_free(t);
        return err_set(e, "value %d is not an initializer", v);
    }
    const tensor *orig = g->values[v].init;
    if (t && (t->dtype != orig->dtype || t->rank != orig->rank ||
              memcmp(t->dims, orig->dims, (size_t)t->rank * sizeof *t->dims))) {
        char a[96], b[96];
        err_set(e, "initializer '%s': replacement %s does not match %s", g->values[v].name,
                tensor_describe(t, a, sizeof a), tensor_describe(orig, b, sizeof b));
        tensor_free(t);
        return -1;
    }
    tensor_free(x->override[v]);
    x->override[v] = t;
    /* kernels may have packed the old weights into their state */
    for (int s = 0; s < x->n_steps; s++) {
        const graph_node *n = &g->nodes[x->steps[s].node];
        bool reads = false;
        for (int k = 0; k < n->n_in; k++)
            reads |= n->in[k] == v;
        if (reads && x->steps[s].state) {
            if (x->steps[s].def->release)
                x->steps[s].def->release(x->steps[s].state);
            x->steps[s].state = NULL;
        }
    }
    return 0;
}

/* ---- run -------------------------------------------------------------------------------------- */

/* The tensor value v currently has: produced or bound, substituted or own initializer, or an
 * enclosing graph's value. */
static const tensor *value_tensor(const exec *x, int v)
{
    if (x->slot[v])
        return x->slot[v];
    if (x->override[v])
        return x->override[v];
    if (x->g->values[v].init)
        return x->g->values[v].init;
    if (x->parent) {
        int pv = x->outer[v] >= 0 ? x->outer[v] : graph_find_value(x->parent->g, x->g->values[v].name);
        if (pv >= 0)
            return value_tensor(x->parent, pv);
    }
    return NULL;
}

static int observe(exec *x, int v, qrc_err *e)
{
    if (!x->obs || !x->slot[v])
        return 0;
    if (x->obs(v, x->slot[v], x->obs_user, e))
        return err_wrap(e, "observer at '%s'", x->g->values[v].name);
    return 0;
}

static int run_step(exec *x, int s, qrc_err *e)
{
    const step *st = &x->steps[s];
    const graph_node *n = &x->g->nodes[st->node];
    for (int k = 0; k < n->n_in; k++) {
        x->ins[k] = n->in[k] >= 0 ? value_tensor(x, n->in[k]) : NULL;
        if (n->in[k] >= 0 && !x->ins[k])
            return err_set(e, "node '%s' (%s): input '%s' has no value", n->name, n->op_type,
                           x->g->values[n->in[k]].name);
    }
    for (int k = 0; k < n->n_out; k++) {
        x->outs[k] = NULL;
        x->out_pooled[k] = false;
        x->out_cap[k] = 0;
    }
    op_ctx ctx = {
        .graph = x->g,
        .node = n,
        .n_in = n->n_in,
        .in = x->ins,
        .n_out = n->n_out,
        .out = x->outs,
        .threads = x->threads,
        .state = &x->steps[s].state,
        .alloc = exec_alloc,
        .exec = x,
        .err = e,
    };
    int rc = st->def->run(&ctx);
    for (int k = 0; k < n->n_out && !rc; k++)
        if (n->out[k] >= 0 && !x->outs[k])
            rc = err_set(e, "kernel produced no tensor for output %d ('%s')", k, x->g->values[n->out[k]].name);
    /* hand outputs to their values (or drop omitted ones) */
    for (int k = 0; k < n->n_out; k++) {
        tensor *t = x->outs[k];
        if (!t)
            continue;
        int v = n->out[k];
        if (rc || v < 0) {
            if (x->out_pooled[k]) {
                pool_put(x, t->data, x->out_cap[k]);
                free(t);
            } else {
                tensor_free(t);
            }
            continue;
        }
        x->slot[v] = t;
        x->kind[v] = x->out_pooled[k] ? SLOT_POOLED : SLOT_OWNED;
        x->cap[v] = x->out_cap[k];
    }
    if (rc) {
        if (!*n->name || !strstr(e->msg, n->name))
            err_wrap(e, "node '%s' (%s)", n->name, n->op_type);
        return -1;
    }
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        if (v >= 0 && observe(x, v, e))
            return -1;
    }
    /* liveness: inputs read for the last time, and outputs nobody reads */
    for (int k = 0; k < n->n_in + n->n_captures; k++) {
        int v = k < n->n_in ? n->in[k] : n->captures[k - n->n_in];
        if (v >= 0 && x->last_use[v] == s)
            release_value(x, v);
    }
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        if (v >= 0 && x->last_use[v] < 0)
            release_value(x, v);
    }
    return 0;
}

/* Copies or hands over the graph's outputs into outs. */
static int collect_outputs(exec *x, tensor **outs, qrc_err *e)
{
    const graph *g = x->g;
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        tensor *t = x->slot[v];
        if (t && x->kind[v] == SLOT_POOLED) {
            x->live_bytes -= x->cap[v];
            t->owned = true; /* pool buffers are plain aligned allocations: the caller frees it */
            outs[i] = t;
            x->slot[v] = NULL;
            x->kind[v] = SLOT_NONE;
        } else if (t && x->kind[v] == SLOT_OWNED) {
            outs[i] = t;
            x->slot[v] = NULL;
            x->kind[v] = SLOT_NONE;
        } else {
            const tensor *src = value_tensor(x, v);
            if (!src || !(outs[i] = tensor_clone(src, e))) {
                for (int j = 0; j < i; j++) {
                    tensor_free(outs[j]);
                    outs[j] = NULL;
                }
                return src ? -1 : err_set(e, "graph output '%s' was not computed", g->values[v].name);
            }
        }
    }
    return 0;
}

static int run_all(exec *x, tensor **outs, qrc_err *e)
{
    for (int s = 0; s < x->n_steps; s++)
        if (run_step(x, s, e)) {
            release_all(x);
            return -1;
        }
    int rc = collect_outputs(x, outs, e);
    release_all(x);
    return rc;
}

/* Checks input tensor t against the graph's declaration of value v; binds symbolic dims in syms. */
static int check_input(const graph_value *d, const tensor *t, const char **sym_names, int64_t *sym_vals, int *n_sym,
                       qrc_err *e)
{
    char buf[96];
    if (d->dtype != DT_UNDEFINED && t->dtype != d->dtype)
        return err_set(e, "input '%s': expected %s, got %s", d->name, tensor_dtype_name(d->dtype),
                       tensor_describe(t, buf, sizeof buf));
    if (d->rank >= 0 && t->rank != d->rank)
        return err_set(e, "input '%s': expected rank %d, got %s", d->name, d->rank,
                       tensor_describe(t, buf, sizeof buf));
    for (int i = 0; d->rank >= 0 && i < d->rank; i++) {
        if (d->dim_param[i]) {
            int k = 0;
            while (k < *n_sym && strcmp(sym_names[k], d->dim_param[i]))
                k++;
            if (k == *n_sym) {
                if (*n_sym < 64) {
                    sym_names[*n_sym] = d->dim_param[i];
                    sym_vals[(*n_sym)++] = t->dims[i];
                }
            } else if (sym_vals[k] != t->dims[i]) {
                return err_set(e, "input '%s': dim %d ('%s') is %lld but another input has %s = %lld", d->name, i,
                               d->dim_param[i], (long long)t->dims[i], d->dim_param[i], (long long)sym_vals[k]);
            }
        } else if (d->dims[i] >= 0 && d->dims[i] != t->dims[i]) {
            return err_set(e, "input '%s': dim %d must be %lld, got %s", d->name, i, (long long)d->dims[i],
                           tensor_describe(t, buf, sizeof buf));
        }
    }
    if (tensor_numel(t) && !t->data)
        return err_set(e, "input '%s': tensor has no data", d->name);
    return 0;
}

static int bind_inputs(exec *x, int n, const char *const *names, const tensor *const *inputs, qrc_err *e)
{
    const graph *g = x->g;
    const char *sym_names[64];
    int64_t sym_vals[64];
    int n_sym = 0;
    for (int i = 0; i < n; i++) {
        int v = names[i] ? graph_find_value(g, names[i]) : -1;
        if (v < 0 || !g->values[v].is_input)
            return err_set(e, "the model has no input called '%s'", names[i] ? names[i] : "(null)");
        if (x->slot[v])
            return err_set(e, "input '%s' is given twice", names[i]);
        if (!inputs[i])
            return err_set(e, "input '%s': no tensor", names[i]);
        if (check_input(&g->values[v], inputs[i], sym_names, sym_vals, &n_sym, e))
            return -1;
        if (x->obs) { /* the observer may write: give it a private copy */
            size_t cap;
            tensor *c = pooled_tensor(x, inputs[i]->dtype, inputs[i]->rank, inputs[i]->dims, &cap, e);
            if (!c)
                return -1;
            if (tensor_nbytes(c))
                memcpy(c->data, inputs[i]->data, tensor_nbytes(c));
            x->slot[v] = c;
            x->kind[v] = SLOT_POOLED;
            x->cap[v] = cap;
        } else {
            x->slot[v] = (tensor *)inputs[i];
            x->kind[v] = SLOT_BORROWED;
        }
    }
    for (int i = 0; i < g->n_inputs; i++)
        if (!x->slot[g->inputs[i]])
            return err_set(e, "input '%s' was not given", g->values[g->inputs[i]].name);
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        if (observe(x, v, e))
            return -1;
        if (x->last_use[v] < 0)
            release_value(x, v);
    }
    return 0;
}

int exec_run(exec *x, int n_inputs, const char *const *names, const tensor *const *inputs, tensor **outs,
             qrc_err *e)
{
    for (int i = 0; i < x->g->n_outputs; i++)
        outs[i] = NULL;
    if (bind_inputs(x, n_inputs, names, inputs, e)) {
        release_all(x);
        return -1;
    }
    return run_all(x, outs, e);
}

int exec_run_sub(exec *x, tensor **outs, qrc_err *e)
{
    if (x->g->n_inputs)
        return err_set(e, "subgraph '%s' takes inputs; only input-free branches run here", x->g->name);
    if (x->parent)
        x->threads = x->parent->threads;
    for (int i = 0; i < x->g->n_outputs; i++)
        outs[i] = NULL;
    return run_all(x, outs, e);
}
