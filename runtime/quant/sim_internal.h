/* sim_internal.h — the quantization simulation's state, shared by the files of runtime/quant/ that build
 * and run it (placement, rules, calibration, evaluation, listing). Not part of the public API. */
#ifndef QRC_QUANT_SIM_INTERNAL_H
#define QRC_QUANT_SIM_INTERNAL_H

#include "base/arena.h"
#include "exec.h"
#include "graph.h"
#include "npy.h"
#include "quant.h"

/* One rule with its patterns copied and compiled. */
typedef struct quant_rule_rt {
    quant_rule r;              /* label and patterns point into the sim's arena */
    select_matcher *sel;             /* one per pattern, compiled (malloc'd; select_free each) */
    int n_sel;                 /* how many of sel are compiled */
    int hits;                  /* ops this rule decided */
} quant_rule_rt;

/* The qconfig an op ends up with. */
typedef struct quant_resolved {
    int rule;                  /* deciding rule, or -1 */
    const char *by;
    bool act_on, weight_on, bias_on, per_channel;
    quant_format act, weight;
    quant_method act_method, weight_method; /* always set: the rule's, the default rule's or the options' */
    const quant_config_op *cop; /* the config's op_type section, or NULL */
} quant_resolved;

struct quant_sim {
    graph *g;
    arena mem;
    quant_rule_rt *rules;
    int n_rules;
    int default_rule;          /* first QUANT_SEL_DEFAULT rule, or -1 */
    const quant_config *cfg;
    quant_options opts;
    bool *excluded, *fused;    /* per node: left in float; output inside a supergroup */
    bool *prep_fused;          /* per node: the caller's supergroup marks (fused_with_next), or NULL */
    int *sens_rank;            /* per node: 0 = most sensitive, -1 unranked */
    int n_ranked;
    quant_quantizer *q;
    int n_q, cap_q;
    quant_observer **obs;      /* per quantizer, during calibration */
    int *carrier;              /* per value: quantizer whose encoding it carries, or -1 */
    bool *is_float, *is_data;  /* per value: float element type; derived from input data (not shapes) */
    uint64_t stream;           /* stochastic rounding call counter */

    /* Running. */
    enum { SIM_FLOAT, SIM_CALIBRATE, SIM_SIMULATE, SIM_RECORD } mode;
    exec *fexec, *qexec;       /* float model; model with fake-quantized weights */
    bool weights_applied;      /* qexec's initializers are the quantized ones */
    const bool *active;        /* per quantizer: applied in simulation (NULL: all) */
    float **rec;               /* SIM_RECORD: float activations of the current batch, per quantizer */
    size_t *rec_n, *rec_cap;
    double *sig, *noise;       /* per quantizer: sums of squares for the per-layer SQNR */
    bool compare;              /* SIMULATE also compares with rec */
    tensor **float_params;     /* per value: what the float model reads instead of the graph's (or NULL) */
    quant_tap_fn tap;          /* quant_simulate_tapped: sees every value after fake quantization */
    void *tap_user;
    quant_sens_info *sens;     /* ranked ops, most sensitive first */
    int n_sens;
    double sens_seconds;       /* time the last measured ranking took */
};

/* A stream of batches over a quant_data: one tensor per feed per batch. */
typedef struct quant_stream {
    const quant_data *d;
    const graph *g;
    int64_t served, batch, limit, total; /* rows served so far, rows per batch, max rows, rows available */
    npy_reader **r;            /* per feed: the open file */
    int *file;                 /* per feed: index of the open file */
    bool fixed;                /* the model's batch dimension is fixed */
} quant_stream;

/* Opens every feed's first file, checking names against the graph inputs and shapes. */
int quant_stream_open(quant_stream *st, const quant_data *d, const graph *g, qrc_err *e);
/* Next batch into batch[] (one new tensor per feed, the caller's); *rows = 0 at the end. */
int quant_stream_next(quant_stream *st, tensor **batch, int64_t *rows, qrc_err *e);
void quant_stream_close(quant_stream *st);
/* Input names of the feeds, in feed order (pointers into d). */
void quant_stream_names(const quant_stream *st, const char **names);

/* The executors, created on first use. */
int quant_float_exec(quant_sim *s, exec **out, qrc_err *e);
int quant_sim_exec(quant_sim *s, exec **out, qrc_err *e);
/* Puts fake-quantized weights into the simulation executor (only the active ones when s->active). */
int quant_apply_weights(quant_sim *s, qrc_err *e);
/* The executor observer: calibration, simulation, recording, comparison. */
int quant_on_value(int value, tensor *t, void *user, qrc_err *e);
/* Drops statistics and computed (not frozen) encodings. */
void quant_reset_encodings(quant_sim *s);

/* Terminal progress (no-op unless opts.progress is a terminal). */
typedef struct quant_progress {
    FILE *out;
    const char *what;
    double start;
    int64_t total;
} quant_progress;
void quant_progress_begin(quant_progress *p, const quant_sim *s, const char *what, int64_t total);
void quant_progress_step(quant_progress *p, int64_t done);
void quant_progress_end(quant_progress *p);
double quant_now(void);

/* Copies and compiles rules into s. */
int quant_rules_compile(quant_sim *s, const quant_rule *rules, int n, qrc_err *e);
void quant_rules_release(quant_sim *s);
/* The qconfig of node n (counts the deciding rule's hit when count is set). */
void quant_resolve(quant_sim *s, int n, bool count, quant_resolved *out);

/* A fake-quantized copy of parameter quantizer q's tensor (rounded to nearest), the caller's. */
int quant_param_fake(const quant_sim *s, const quant_quantizer *q, tensor **out, qrc_err *e);
/* The local ranking (sensitivity_local.c): fills out[k] for nodes[k], k < n_ops. */
int quant_rank_local(quant_sim *s, const quant_data *d, const int *nodes, int n_ops, quant_sens_info *out,
                     qrc_err *e);

/* Places every quantizer (clears any previous placement). */
int quant_place(quant_sim *s, qrc_err *e);
void quant_quantizers_clear(quant_sim *s);

#endif
