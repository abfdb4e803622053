/* cmd_build.c — `qrc build`: a recipe (or a compiled plan) end to end.
 *
 *   qrc build recipe.q|plan.qp [--quiet] [--threads N]
 *
 * compile -> load the model -> prepare -> place quantizers -> calibrate -> compute encodings ->
 * evaluate -> export. Each stage's outcome is one line of the summary on stdout; diagnostics and
 * errors go to stderr. Exit status as in compile.h: 1 recipe errors, 2 usage, 3 model/data/runtime. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build_config.h"
#include "commands.h"
#include "compile.h"
#include "onnx.h"

typedef struct build_args {
    const char *recipe;
    bool quiet;
    int threads;
} build_args;

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
        if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
            a->quiet = true;
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
            char *end;
            errno = 0;
            long n = strtol(argv[++i], &end, 10);
            if (errno || *end || n < 1 || n > 256) {
                fprintf(stderr, "qrc build: --threads needs a number in 1..256, got '%s'\n", argv[i]);
                return -1;
            }
            a->threads = (int)n;
        } else if (argv[i][0] == '-' || a->recipe) {
            fprintf(stderr, "qrc build: unexpected argument '%s'\n", argv[i]);
            return -1;
        } else
            a->recipe = argv[i];
    }
    if (!a->recipe) {
        fprintf(stderr, "usage: qrc build recipe.q|plan.qp [--quiet] [--threads N]\n");
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

/* Prepare's warnings (a module called several times, a branch never taken) go to stderr. */
static void print_warnings(const pass_report *r)
{
    fflush(stdout);
    for (int i = 0; i < r->n_notes; i++) {
        const pass_note *n = &r->notes[i];
        if (n->level >= PASS_WARN)
            fprintf(stderr, "qrc build: warning: %s%s%s\n", n->node ? n->node : "", n->node ? ": " : "", n->msg);
    }
}

static void print_eval(const quant_eval *ev)
{
    if (ev->has_labels)
        printf("  accuracy    float top-1 %.2f %%, quantized top-1 %.2f %% (%+.2f points)\n", 100 * ev->float_top1,
               100 * ev->quant_top1, 100 * (ev->quant_top1 - ev->float_top1));
    printf("  agreement   top-1 %.2f %%, output SQNR %.1f dB over %lld samples\n", 100 * ev->top1_agreement,
           ev->output_sqnr_db, (long long)ev->samples);
    int shown = ev->n_layers < 5 ? ev->n_layers : 5;
    if (shown)
        printf("  worst layers");
    for (int i = 0; i < shown; i++)
        printf("%s %s %.1f dB", i ? "," : "", ev->layers[i].tensor, ev->layers[i].sqnr_db);
    if (shown)
        printf("\n");
}

/* Points a prepare error about a selector or a concrete arg back at the recipe line that wrote it. */
static void locate_prepare_error(const Qrc__Plan *plan, qrc_err *e)
{
    const Qrc__Prepare *p = plan->prepare;
    char quoted[512];
    for (size_t i = 0; i < p->n_exclude_modules; i++) {
        snprintf(quoted, sizeof quoted, "\"%s\"", p->exclude_modules[i]->pattern);
        if (strstr(e->msg, quoted)) {
            err_wrap(e, "%s", p->exclude_modules[i]->loc);
            return;
        }
    }
    for (size_t i = 0; i < p->n_args; i++) {
        snprintf(quoted, sizeof quoted, "'%s'", p->args[i]->name);
        if (strstr(e->msg, quoted)) {
            err_wrap(e, "%s", p->args[i]->loc);
            return;
        }
    }
}

/* Everything after the plan: the runtime stages. Returns an exit status. */
static int run_plan(const Qrc__Plan *plan, const build_args *a)
{
    qrc_err e = {{0}};
    build_config cfg;
    graph *g = NULL;
    quant_sim *sim = NULL;
    pass_report rep;
    pass_report_init(&rep);
    bool *excluded = NULL, *fused = NULL;
    quant_eval ev = {0};
    int status = QRC_EXIT_RUNTIME;
    double t0 = now_s();

    printf("qrc build %s\n  recipe      sha256 %.16s (qrc %s)\n", plan->recipe, plan->recipe_sha256, plan->version);
    if (build_config_from_plan(plan, &cfg, &e))
        goto fail;
    if (onnx_load(plan->model->resolved_path, &g, &e))
        goto fail;
    printf("  model       %s: %d nodes\n", plan->model->path, g->n_nodes);

    if (prepare_run(g, &cfg.prepare, &rep, &e)) {
        locate_prepare_error(plan, &e);
        goto fail;
    }
    print_warnings(&rep);
    printf("  prepare     %s: %d nodes, %d supergroups, %d rewrites, %d warnings\n",
           prepare_method_name(cfg.prepare.method), g->n_nodes, rep.n_groups, rep.changes,
           pass_report_count(&rep, NULL, PASS_WARN));

    excluded = calloc((size_t)g->n_nodes + 1, sizeof *excluded);
    fused = calloc((size_t)g->n_nodes + 1, sizeof *fused);
    if (!excluded || !fused || quant_annotations_from_report(g, &rep, excluded, fused, &e))
        goto fail;
    cfg.quant.excluded = excluded;
    cfg.quant.fused_with_next = fused;
    cfg.quant.threads = a->threads;
    cfg.quant.progress = a->quiet ? NULL : stderr;
    if (!(sim = quant_sim_create(g, cfg.rules, cfg.n_rules, cfg.quantsim_config, &cfg.quant, &e)))
        goto fail;

    if (cfg.calib.n_feeds == 0) {
        err_set(&e, "the recipe gives no calibration data (calibrate { data ... })");
        goto fail;
    }
    double tc = now_s();
    if (quant_calibrate(sim, &cfg.calib, &e) || quant_compute_encodings(sim, &e))
        goto fail;
    printf("  calibrate   %d quantizers, %s, %.2f s\n", quant_sim_count(sim), quant_scheme_name(cfg.quant.scheme),
           now_s() - tc);
    fflush(stdout);
    for (size_t i = 0; i < plan->n_qconfig; i++)
        if (plan->qconfig[i]->kind != QRC__RULE_KIND__BY_DEFAULT && quant_sim_rule_matches(sim, (int)i) == 0)
            fprintf(stderr, "%s: warning: this qconfig rule matches no op of the model\n", plan->qconfig[i]->loc);

    if (cfg.eval.n_feeds) {
        if (quant_evaluate(sim, &cfg.eval, cfg.labels, &ev, &e))
            goto fail;
        print_eval(&ev);
    }
    printf("  done        in %.2f s\n", now_s() - t0);
    status = QRC_EXIT_OK;
fail:
    fflush(stdout);
    if (status != QRC_EXIT_OK)
        fprintf(stderr, "qrc build: error: %s\n", e.msg);
    quant_eval_release(&ev);
    quant_sim_free(sim);
    free(excluded);
    free(fused);
    pass_report_free(&rep);
    graph_free(g);
    build_config_free(&cfg);
    return status;
}

int cmd_build(int argc, char **argv)
{
    build_args a;
    if (parse_args(argc, argv, &a))
        return QRC_EXIT_USAGE;
    int status = QRC_EXIT_OK;
    Qrc__Plan *plan = load_plan(a.recipe, &status);
    if (!plan)
        return status;
    status = run_plan(plan, &a);
    plan_free(plan);
    return status;
}
