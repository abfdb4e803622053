/* build.h — the state of one `qrc build`, shared by the driver (cmd_build.c) and its stages.
 *
 * The driver walks the plan's passes in order and runs one stage per pass name (build_stages.c for
 * the model-side stages, build_export.c for what reads or writes artifacts). Each stage adds a line to
 * the summary (printed, and kept for the report) and its wall time to the timings.
 *
 * Ownership: a build owns everything it points to except plan and args; build_free releases it. */
#ifndef QRC_BUILD_H
#define QRC_BUILD_H

#include <stdbool.h>
#include <stdio.h>

#include "driver/build_config.h"
#include "export.h"
#include "plan.pb-c.h"

typedef struct build_args {
    const char *recipe;
    bool quiet;
    bool list;                 /* print every quantizer and its encoding, and the per-layer SQNR table */
    int threads;
    const char *trace_passes;  /* write each pass run, in order, with its time, to this file */
    const char *checkpoint;    /* save the quantsim state here once encodings exist */
    const char *resume;        /* take encodings from this checkpoint instead of calibrating */
    const char *save_outputs;  /* directory: simulated outputs on the evaluation data */
    bool json;                 /* the summary as one JSON object on stdout (the text goes to stderr) */
} build_args;

enum { BUILD_MAX_LINES = 32 };

typedef struct build {
    const Qrc__Plan *plan;
    const build_args *args;
    build_config cfg;
    arena a;                   /* summary texts */
    graph *g;                  /* the model, prepared in place */
    pass_report rep;
    int notes_shown;           /* prepare notes already summarised (build_prepared) */
    double prepare_s;          /* time spent in prepare passes so far */
    bool *excluded, *fused;    /* per node, from the prepare report */
    quant_sim *sim;
    bool encoded;              /* every quantizer has its encodings */
    quant_eval ev;
    bool evaluated;
    bool listing_analysis;     /* the sim's ranking was measured for --list only: not a report item */
    int64_t opset;             /* default-domain opset the export writes, set by convert_opset (0: not yet) */
    graph *converted;          /* the prepared model converted to that opset, or NULL */
    export_text lines[BUILD_MAX_LINES];   /* stage -> summary, in plan order */
    int n_lines;
    export_metric timings[BUILD_MAX_LINES];
    int n_timings;
} build;

/* Records a summary line for stage `name` and prints it ("  name  text"). */
void build_say(build *b, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prints a line the same way without recording it: side outputs the command line asked for
 * (checkpoint, saved outputs) stay out of the report, so it depends on the recipe alone. */
void build_print(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Runs one prepare pass of the plan on the model, with the options the plan gives that pass. 0, or -1
 * with e filled (its origin the recipe location of what failed when the plan knows it). */
int build_prepare_pass(build *b, const Qrc__Pass *p, qrc_err *e);
/* After the plan's last prepare pass: warnings and the "prepare" summary line. */
void build_prepared(build *b);

/* The stream the summary lines go to (stdout unless set), and its setter. */
FILE *build_summary_stream(void);
void build_set_summary_stream(FILE *f);
/* `--json`: the build's outcome as one JSON object on stdout (status, error or NULL, summary lines,
 * evaluation numbers, worst layers, artifacts). */
void build_print_json(const build *b, int status, const char *error);
/* Stages: 0, or -1 with e filled. */
int build_cle(build *b, bool absorb, qrc_err *e);
int build_place(build *b, qrc_err *e);
int build_seq_mse(build *b, uint32_t candidates, qrc_err *e);
int build_adaround(build *b, const Qrc__AdaroundParams *p, qrc_err *e);
int build_bias_correction(build *b, uint32_t samples, qrc_err *e);
int build_calibrate(build *b, qrc_err *e);
int build_compute_encodings(build *b, qrc_err *e);
int build_evaluate(build *b, qrc_err *e);
int build_load_encodings(build *b, const char *path, qrc_err *e);
int build_resume(build *b, qrc_err *e);
int build_save_checkpoint(build *b, qrc_err *e);
int build_save_outputs(build *b, qrc_err *e);
/* Converts the prepared model up to the opset the export writes (target, or automatic when 0). */
int build_convert_opset(build *b, unsigned target, qrc_err *e);
int build_export(build *b, qrc_err *e);

/* Warns, at its recipe line, about every qconfig rule that decided no op. */
void build_warn_unmatched_rules(const build *b);

/* build_ranking.c: the sensitivity ranking as report rows (the caller frees; *n = 0 when nothing was
 * ranked), and a ranking read back from a report for rules written `most_sensitive P% from "file"`
 * (errors carry the rule's location). */
export_ranked *build_ranking_rows(const build *b, int *n, qrc_err *e);
int build_load_ranking(build *b, qrc_err *e);
/* `qrc build --list`: the worst ops with their weight and activation quantizers measured alone, range and
 * clipped fraction (measured now unless a ranking exists). */
int build_list_analysis(build *b, qrc_err *e);
/* A summary line for a ranking the build measured. */
void build_say_ranking(build *b);

/* The sim's quantizers as the export side sees them (malloc'd array of quant_sim_count entries). */
export_quantizer *build_quantizers(const build *b, int *n, qrc_err *e);

#endif
