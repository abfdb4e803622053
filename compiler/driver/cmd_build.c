/* cmd_build.c — `qrc build`: a recipe (or a compiled plan) end to end.
 *
 *   qrc build recipe.q|plan.qp [--quiet] [--list] [--threads N] [--checkpoint F.qck] [--resume F.qck]
 *                              [--save-outputs DIR] [--trace-passes FILE]
 *
 * Loads the model and runs the plan's passes one by one, in the plan's order, one stage per pass
 * (build.h): a prepare pass runs its rewrite with the options the plan gives it, the others their
 * build stage. Each stage's outcome is one line of the summary on stdout; diagnostics and errors go to
 * stderr. --trace-passes writes "name<TAB>seconds" per pass as it finishes. Exit status as in
 * compile.h: 1 recipe errors, 2 usage, 3 model/data/runtime. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver/build.h"
#include "driver/driver_error.h"
#include "driver/commands.h"
#include "compile.h"
#include "onnx.h"
#include "front/sema.h"

static const char USAGE[] = "usage: qrc build recipe.q|plan.qp [--quiet] [--json] [--list] [--threads N] "
                            "[--checkpoint F.qck] [--resume F.qck] [--save-outputs DIR] [--trace-passes FILE]\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int parse_args(int argc, char **argv, build_args *a)
{
    *a = (build_args){.threads = 2};
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        const char **path = !strcmp(k, "--checkpoint")     ? &a->checkpoint
                            : !strcmp(k, "--resume")       ? &a->resume
                            : !strcmp(k, "--save-outputs") ? &a->save_outputs
                            : !strcmp(k, "--trace-passes") ? &a->trace_passes
                                                           : NULL;
        if (!strcmp(k, "--quiet") || !strcmp(k, "-q"))
            a->quiet = true;
        else if (!strcmp(k, "--json"))
            a->json = true;
        else if (!strcmp(k, "--list"))
            a->list = true;
        else if ((path || !strcmp(k, "--threads")) && i + 1 >= argc) {
            fprintf(stderr, "qrc build: %s needs a value\n", k);
            return -1;
        } else if (path)
            *path = argv[++i];
        else if (!strcmp(k, "--threads")) {
            char *end;
            errno = 0;
            long n = strtol(argv[++i], &end, 10);
            if (errno || *end || n < 1 || n > 256) {
                fprintf(stderr, "qrc build: --threads needs a number in 1..256, got '%s'\n", argv[i]);
                return -1;
            }
            a->threads = (int)n;
        } else if (k[0] == '-' || a->recipe) {
            fprintf(stderr, "qrc build: unexpected argument '%s'\n", k);
            return -1;
        } else
            a->recipe = k;
    }
    if (!a->recipe) {
        fputs(USAGE, stderr);
        return -1;
    }
    return 0;
}

/* The plan of a recipe (diagnostics rendered on failure) or of a .qp file. */
static Qrc__Plan *load_plan(const char *path, int *status)
{
    size_t n = strlen(path);
    if (n > 3 && !strcmp(path + n - 3, ".qp")) {
        qrc_err e;
        Qrc__Plan *p = plan_read_file(path, &e);
        if (!p) {
            fprintf(stderr, "qrc build: %s\n", e.msg);
            *status = QRC_EXIT_RUNTIME;
        }
        return p;
    }
    compile_result res;
    Qrc__Plan *p = NULL;
    if (compile_recipe(path, &res) == 0) {
        p = res.plan;
        res.plan = NULL;
    } else
        *status = QRC_EXIT_RECIPE;
    diag_render(&res.diags, stderr);
    compile_result_free(&res);
    return p;
}

/* ---- Stages: one per pass of pass_list.h --------------------------------------------------------------- */

typedef int (*stage_fn)(build *b, const Qrc__Pass *p, qrc_err *e);

/* Once encodings exist: the listing and the checkpoint the command line asked for. */
static int encodings_done(build *b, qrc_err *e)
{
    if (b->args->list && quant_sim_list(b->sim, stdout, e))
        return -1;
    return b->args->checkpoint ? build_save_checkpoint(b, e) : 0;
}

/* A plan file may come from elsewhere: a pass without the parameters it needs (its params case) is an
 * error, not a crash. */
static int no_params(const Qrc__Pass *p, qrc_err *e)
{
    err_set(e, "the plan's %s pass has no parameters", p->name);
    return err_origin(e, p->loc);
}

static int st_prepare(build *b, const Qrc__Pass *p, qrc_err *e) { return build_prepare_pass(b, p, e); }
static int st_place_quantizers(build *b, const Qrc__Pass *p, qrc_err *e) { return build_place(b, e); }
static int st_calibrate(build *b, const Qrc__Pass *p, qrc_err *e) { return build_calibrate(b, e); }
static int st_export(build *b, const Qrc__Pass *p, qrc_err *e) { return build_export(b, e); }

static int st_cle(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (p->params_case != QRC__PASS__PARAMS_CLE)
        return no_params(p, e);
    return build_cle(b, p->cle->high_bias_absorption, e);
}

static int st_adaround(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (p->params_case != QRC__PASS__PARAMS_ADAROUND)
        return no_params(p, e);
    return build_adaround(b, p->adaround, e);
}

static int st_seq_mse(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (p->params_case != QRC__PASS__PARAMS_SEQ_MSE)
        return no_params(p, e);
    return build_seq_mse(b, p->seq_mse->candidates, e);
}

static int st_convert_opset(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (p->params_case != QRC__PASS__PARAMS_CONVERT_OPSET)
        return no_params(p, e);
    if (!build_convert_opset(b, p->convert_opset->target, e))
        return 0;
    return err_origin(e, p->loc);
}

static int st_compute_encodings(build *b, const Qrc__Pass *p, qrc_err *e)
{
    return build_compute_encodings(b, e) || encodings_done(b, e) ? -1 : 0;
}

static int st_load_encodings(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (p->params_case != QRC__PASS__PARAMS_LOAD_ENCODINGS)
        return no_params(p, e);
    return build_load_encodings(b, p->load_encodings->path, e) || encodings_done(b, e) ? -1 : 0;
}

static int st_bias_correction(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (p->params_case != QRC__PASS__PARAMS_BIAS_CORRECTION)
        return no_params(p, e);
    return build_bias_correction(b, p->bias_correction->samples, e);
}

static int st_evaluate(build *b, const Qrc__Pass *p, qrc_err *e)
{
    return build_evaluate(b, e) || (b->args->save_outputs && build_save_outputs(b, e)) ? -1 : 0;
}

/* The stage of every pass of pass_list.h: the rewrites share st_prepare, the others have their own. */
#define STAGE_PREPARE(n) st_prepare
#define STAGE_REWRITE(n) st_prepare
#define STAGE_BUILD(n) st_##n
static const stage_fn STAGES[] = {
#define STAGE_ROW(n, k, s) [PASS_ID_##n] = STAGE_##k(n),
    PASS_LIST(STAGE_ROW)
#undef STAGE_ROW
};
static_assert(sizeof STAGES / sizeof *STAGES == PASS_ID_COUNT_, "one stage per pass id");

/* The pass id of p, or -1 with e filled (located where the recipe asked for it) when this qrc has no
 * such pass (a plan from another version). */
static int pass_of(const Qrc__Pass *p, qrc_err *e)
{
    int id = pass_id_parse(p->name);
    if (id >= 0)
        return id;
    err_set(e, "the %s pass is not available in this version of qrc", p->name);
    return err_origin(e, p->loc);
}

/* Index of the plan's last prepare pass (its "prepare" summary follows it), or -1. */
static int last_prepare_pass(const Qrc__Plan *plan)
{
    int last = -1;
    for (size_t i = 0; i < plan->n_passes; i++) {
        int id = pass_id_parse(plan->passes[i]->name);
        if (id >= 0 && pass_id_is_prepare((pass_id)id))
            last = (int)i;
    }
    return last;
}

/* Runs the plan's passes in order. Prepare passes' time adds up under one "prepare" timing, recorded
 * with the summary after the last of them; every other pass's under its own name. */
static int run_passes(build *b, FILE *trace, qrc_err *e)
{
    const Qrc__Plan *plan = b->plan;
    int last_prepare = last_prepare_pass(plan);
    for (size_t i = 0; i < plan->n_passes; i++) {
        const Qrc__Pass *p = plan->passes[i];
        int id = pass_of(p, e);
        double t = now_s();
        if (id < 0 || STAGES[id](b, p, e))
            return -1;
        double took = now_s() - t;
        if (trace)
            fprintf(trace, "%s\t%.6f\n", p->name, took), fflush(trace);
        bool prepare = pass_id_is_prepare((pass_id)id);
        b->prepare_s += prepare ? took : 0;
        if ((int)i == last_prepare)
            build_prepared(b);
        const char *timing = (int)i == last_prepare ? "prepare" : prepare ? NULL : p->name;
        if (timing && b->n_timings < BUILD_MAX_LINES)
            b->timings[b->n_timings++] = (export_metric){timing, prepare ? b->prepare_s : took};
    }
    return 0;
}

static void build_free(build *b)
{
    quant_eval_release(&b->ev);
    quant_sim_free(b->sim);
    free(b->excluded);
    free(b->fused);
    pass_report_free(&b->rep);
    graph_free(b->converted);
    graph_free(b->g);
    build_config_free(&b->cfg);
    arena_free(&b->a);
}

/* One line of the wall time of each stage, in plan order (the report's "timings" hold the same); printed,
 * not recorded, so that the summary in the report stays the same from build to build. */
static void print_timings(const build *b)
{
    char text[512];
    int used = 0;
    for (int i = 0; i < b->n_timings && used < (int)sizeof text; i++)
        used += snprintf(text + used, sizeof text - (size_t)used, "%s%s %.2f s", i ? ", " : "", b->timings[i].name,
                         b->timings[i].value);
    if (b->n_timings)
        build_print("stages", "%s", text);
}

/* Everything after the plan: the runtime stages. Returns an exit status. */
static int run_plan(const Qrc__Plan *plan, const build_args *a)
{
    qrc_err e = {0};
    build b = {.plan = plan, .args = a};
    pass_report_init(&b.rep);
    int status = QRC_EXIT_RUNTIME;
    double t0 = now_s();
    FILE *trace = NULL;

    fprintf(build_summary_stream(), "qrc build %s\n", plan->recipe);
    build_say(&b, "recipe", "sha256 %.16s (qrc %s)", plan->recipe_sha256, plan->version);
    if (a->save_outputs && !plan->evaluate) {
        err_set(&e, "--save-outputs needs an evaluate section in the recipe");
        goto fail;
    }
    if (onnx_load(plan->model->resolved_path, &b.g, &e) || build_config_from_plan(plan, b.g, &b.cfg, &e))
        goto fail;
    build_say(&b, "model", "%s: %d nodes", plan->model->path, b.g->n_nodes);
    if (a->trace_passes && !(trace = fopen(a->trace_passes, "w"))) {
        err_set(&e, "%s: cannot write: %s", a->trace_passes, strerror(errno));
        goto fail;
    }
    if (run_passes(&b, trace, &e))
        goto fail;
    if (trace && fclose(trace)) {
        trace = NULL;
        err_set(&e, "%s: write failed", a->trace_passes);
        goto fail;
    }
    trace = NULL;
    print_timings(&b);
    fprintf(build_summary_stream(), "  %-11s in %.2f s\n", "done", now_s() - t0);
    status = QRC_EXIT_OK;
fail:
    fflush(build_summary_stream());
    if (trace)
        fclose(trace);
    if (status != QRC_EXIT_OK)
        driver_error_print("build", plan, &e);
    if (a->json)
        build_print_json(&b, status, status == QRC_EXIT_OK ? NULL : e.msg);
    build_free(&b);
    return status;
}
int cmd_build(int argc, char **argv)
{
    build_args a;
    if (parse_args(argc, argv, &a))
        return QRC_EXIT_USAGE;
    if (a.json && a.list) {
        fputs("qrc build: --json and --list both want stdout; use one\n", stderr);
        return QRC_EXIT_USAGE;
    }
    build_set_summary_stream(a.json ? stderr : stdout);
    int status = QRC_EXIT_OK;
    Qrc__Plan *plan = load_plan(a.recipe, &status);
    if (!plan) {
        if (a.json)
            build_print_json(NULL, status, "the recipe or plan could not be read (diagnostics on stderr)");
        return status;
    }
    status = run_plan(plan, &a);
    plan_free(plan);
    return status;
}
