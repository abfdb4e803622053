/* cmd_build.c — `qrc build`: a recipe (or a compiled plan) end to end.
 *
 *   qrc build recipe.q|plan.qp [--quiet] [--list] [--threads N] [--checkpoint F.qck] [--resume F.qck]
 *                              [--save-outputs DIR]
 *
 * Loads the model and runs the plan's passes in order, one stage per pass (build.h). Each stage's
 * outcome is one line of the summary on stdout; diagnostics and errors go to stderr. Exit status as in
 * compile.h: 1 recipe errors, 2 usage, 3 model/data/runtime. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "driver/build.h"
#include "driver/commands.h"
#include "compile.h"
#include "onnx.h"
#include "front/sema.h"

static const char USAGE[] = "usage: qrc build recipe.q|plan.qp [--quiet] [--json] [--list] [--threads N] "
                            "[--checkpoint F.qck] [--resume F.qck] [--save-outputs DIR]\n";

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

/* ---- Stages: one per pass name ---------------------------------------------------------------------- */

typedef int (*stage_fn)(build *b, const Qrc__Pass *p, qrc_err *e);

/* Once encodings exist: the listing and the checkpoint the command line asked for. */
static int encodings_done(build *b, qrc_err *e)
{
    if (b->args->list && quant_sim_list(b->sim, stdout, e))
        return -1;
    return b->args->checkpoint ? build_save_checkpoint(b, e) : 0;
}

static int st_place(build *b, const Qrc__Pass *p, qrc_err *e) { return build_place(b, e); }
static int st_cle(build *b, const Qrc__Pass *p, qrc_err *e) { return build_cle(b, p->cle->high_bias_absorption, e); }
static int st_adaround(build *b, const Qrc__Pass *p, qrc_err *e) { return build_adaround(b, p->adaround, e); }
static int st_seq_mse(build *b, const Qrc__Pass *p, qrc_err *e) { return build_seq_mse(b, p->seq_mse->candidates, e); }
static int st_calibrate(build *b, const Qrc__Pass *p, qrc_err *e) { return build_calibrate(b, e); }
static int st_export(build *b, const Qrc__Pass *p, qrc_err *e) { return build_export(b, e); }

static int st_convert_opset(build *b, const Qrc__Pass *p, qrc_err *e)
{
    if (!build_convert_opset(b, p->convert_opset->target, e))
        return 0;
    return p->loc ? err_wrap(e, "%s", p->loc) : -1;
}

static int st_compute(build *b, const Qrc__Pass *p, qrc_err *e)
{
    return build_compute_encodings(b, e) || encodings_done(b, e) ? -1 : 0;
}

static int st_load(build *b, const Qrc__Pass *p, qrc_err *e)
{
    return build_load_encodings(b, p->load_encodings->path, e) || encodings_done(b, e) ? -1 : 0;
}

static int st_bias_correction(build *b, const Qrc__Pass *p, qrc_err *e)
{
    return build_bias_correction(b, p->bias_correction->samples, e);
}

static int st_evaluate(build *b, const Qrc__Pass *p, qrc_err *e)
{
    return build_evaluate(b, e) || (b->args->save_outputs && build_save_outputs(b, e)) ? -1 : 0;
}

static const struct {
    const char *pass;
    stage_fn run;
} STAGES[] = {
    {"place_quantizers", st_place},
    {"cle", st_cle},
    {"seq_mse", st_seq_mse},
    {"adaround", st_adaround},
    {"calibrate", st_calibrate},
    {"compute_encodings", st_compute},
    {"load_encodings", st_load},
    {"bias_correction", st_bias_correction},
    {"evaluate", st_evaluate},
    {"convert_opset", st_convert_opset},
    {"export", st_export},
};

/* Runs pass p; *timing names the phase its time is recorded under (NULL: not recorded). The prepare
 * passes run together, at the first of them, as prepare_run applies them. */
static int run_pass(build *b, const Qrc__Pass *p, const char **timing, qrc_err *e)
{
    *timing = p->name;
    if (pass_find(p->name)) {
        *timing = b->prepared ? NULL : "prepare";
        return build_prepare(b, e);
    }
    for (size_t i = 0; i < sizeof STAGES / sizeof *STAGES; i++)
        if (!strcmp(p->name, STAGES[i].pass))
            return STAGES[i].run(b, p, e);
    err_set(e, "the %s pass is not available in this version of qrc", p->name);
    return p->loc ? err_wrap(e, "%s", p->loc) : -1;
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

/* Length of the token starting at text (a quoted string or regex, or a run of name characters). */
static int token_len(const char *text)
{
    const char *p = text;
    if (p[0] == 'r' && p[1] == 'e' && p[2] == '"')
        p += 2;
    if (*p == '"') {
        for (p++; *p && *p != '"' && *p != '\n'; p += p[0] == '\\' && p[1] ? 2 : 1)
            ;
        return (int)(p - text) + (*p == '"');
    }
    while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
        p++;
    return p > text ? (int)(p - text) : 1;
}

/* A runtime error that the plan located in one of the recipe's files ("r.q:3:27: message") is shown as a
 * recipe diagnostic, with the source line and a caret; anything else as a plain error. */
static void print_error(const Qrc__Plan *plan, const char *msg)
{
    for (size_t i = 0; i < plan->n_sources + 1; i++) {
        const char *path = i < plan->n_sources ? plan->sources[i] : plan->recipe;
        size_t n = path ? strlen(path) : 0;
        int line, col, used = 0;
        if (!n || strncmp(msg, path, n) || sscanf(msg + n, ":%d:%d: %n", &line, &col, &used) != 2 || !used)
            continue;
        arena a = {0};
        diag_list d;
        diag_init(&d, &a);
        const char *why;
        ast_source *src = sema_read_source(&a, path, (ast_loc){0}, &why);
        if (src) {
            const char *at = src->text;
            for (int l = 1; l < line && (at = strchr(at, '\n')); l++)
                at++;
            int len = at && (size_t)col <= strcspn(at, "\n") ? token_len(at + col - 1) : 1;
            diag_error(&d, (ast_loc){src, line, col, line, col + len - 1}, "%s", msg + n + used);
            diag_render(&d, stderr);
        }
        arena_free(&a);
        if (src)
            return;
    }
    fprintf(stderr, "qrc build: error: %s\n", msg);
}

/* Everything after the plan: the runtime stages. Returns an exit status. */
static int run_plan(const Qrc__Plan *plan, const build_args *a)
{
    qrc_err e = {{0}};
    build b = {.plan = plan, .args = a};
    pass_report_init(&b.rep);
    int status = QRC_EXIT_RUNTIME;
    double t0 = now_s();

    fprintf(build_summary_stream(), "qrc build %s\n", plan->recipe);
    build_say(&b, "recipe", "sha256 %.16s (qrc %s)", plan->recipe_sha256, plan->version);
    if (a->save_outputs && !plan->evaluate) {
        err_set(&e, "--save-outputs needs an evaluate section in the recipe");
        goto fail;
    }
    if (onnx_load(plan->model->resolved_path, &b.g, &e) || build_config_from_plan(plan, b.g, &b.cfg, &e))
        goto fail;
    build_say(&b, "model", "%s: %d nodes", plan->model->path, b.g->n_nodes);
    for (size_t i = 0; i < plan->n_passes; i++) {
        double t = now_s();
        const char *timing;
        if (run_pass(&b, plan->passes[i], &timing, &e))
            goto fail;
        if (timing && b.n_timings < BUILD_MAX_LINES)
            b.timings[b.n_timings++] = (export_metric){timing, now_s() - t};
    }
    fprintf(build_summary_stream(), "  %-11s in %.2f s\n", "done", now_s() - t0);
    status = QRC_EXIT_OK;
fail:
    fflush(build_summary_stream());
    if (status != QRC_EXIT_OK)
        print_error(plan, e.msg);
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
