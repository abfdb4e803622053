/* test_recipe.c — unit tests of the recipe compiler's pieces: scanner/parser, paths, sema
 * merging and defaults, fmt, SHA-256 and plan files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "compile.h"
#include "front/fmt.h"
#include "front/parse.h"
#include "util.h"

static int parse_text(arena *a, diag_list *d, const char *text, ast_file *f)
{
    ast_source *src = arena_alloc(a, sizeof *src);
    src->path = "t.q";
    src->text = text;
    src->len = strlen(text);
    diag_init(d, a);
    return parse_source(a, d, src, f);
}

static void parser_builds_groups_terms_and_locations(void **state)
{
    (void)state;
    arena a = {0};
    diag_list d;
    ast_file f;
    assert_int_equal(parse_text(&a, &d, "x {\n  input img: float32[N, 3];\n  a 1, -2 3.5 20%;\n}\n", &f), 0);
    assert_int_equal(d.errors, 0);
    const ast_stmt *s = f.stmts;
    assert_non_null(s);
    assert_true(s->has_block);
    assert_int_equal(s->close_loc.line, 4);
    const ast_stmt *in = s->body;
    assert_int_equal(in->sep, ':');
    assert_int_equal(in->head->groups->n, 2);
    const ast_atom *t = in->rhs->groups->atoms;
    assert_int_equal(t->kind, ATOM_INDEX);
    assert_string_equal(t->text, "float32");
    assert_int_equal(t->args->n, 2);
    assert_int_equal(t->loc.line, 2);
    assert_int_equal(t->loc.col, 14);
    const ast_stmt *v = in->next;
    assert_int_equal(v->head->n, 2);
    const ast_atom *one = v->head->groups->atoms->next;
    assert_int_equal(one->kind, ATOM_INT);
    assert_int_equal(one->ival, 1);
    const ast_atom *neg = v->head->groups->next->atoms;
    assert_int_equal(neg->ival, -2);
    assert_int_equal(neg->next->kind, ATOM_FLOAT);
    assert_true(neg->next->num == 3.5);
    assert_int_equal(neg->next->next->kind, ATOM_PERCENT);
    assert_true(neg->next->next->num == 20);
    arena_free(&a);
}

static void strings_regexes_and_comments(void **state)
{
    (void)state;
    arena a = {0};
    diag_list d;
    ast_file f;
    assert_int_equal(parse_text(&a, &d, "# c1\nk \"a\\\"b\\n\" re\"x\\.y\\\"\"; /* c2 */\n", &f), 0);
    const ast_atom *s = f.stmts->head->groups->atoms->next;
    assert_int_equal(s->kind, ATOM_STRING);
    assert_string_equal(s->text, "a\"b\n");
    assert_int_equal(s->next->kind, ATOM_REGEX);
    assert_string_equal(s->next->text, "x\\.y\"");
    assert_non_null(f.comments);
    assert_string_equal(f.comments->text, "# c1");
    assert_string_equal(f.comments->next->text, "/* c2 */");
    arena_free(&a);
}

static void every_syntax_error_is_reported(void **state)
{
    (void)state;
    arena a = {0};
    diag_list d;
    ast_file f;
    /* an unterminated string, a stray character, a missing ';' before '}', an unterminated comment */
    assert_int_equal(parse_text(&a, &d, "a \"x;\nb @;\nc { d e }\n/* open", &f), -1);
    assert_int_equal(d.errors, 4);
    assert_false(f.syntax_ok);
    arena_free(&a);
}

static void paths_resolve_lexically(void **state)
{
    (void)state;
    arena a = {0};
    assert_string_equal(util_path_resolve(&a, "recipes/demo.q", "models/m.onnx"), "recipes/models/m.onnx");
    assert_string_equal(util_path_resolve(&a, "recipes/base/b.q", "../data/x.npy"), "recipes/data/x.npy");
    assert_string_equal(util_path_resolve(&a, "demo.q", "../out"), "../out");
    assert_string_equal(util_path_resolve(&a, "r/demo.q", "/abs/./x/../y"), "/abs/y");
    assert_string_equal(util_path_resolve(&a, "a/b.q", ".."), ".");
    assert_string_equal(util_path_stem(&a, "dir/my.recipe.q"), "my.recipe");
    arena_free(&a);
}

static char *write_temp(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void imports_merge_and_rules_inherit_defaults(void **state)
{
    (void)state;
    char dir[] = "/tmp/qrc_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *base = write_temp(dir, "base.q",
                            "quantsim { weight_scheme percentile(99.9); scheme tf; act_bitwidth 16; }\n"
                            "qconfig { op Softmax: act int16; default: act uint16, weight int8 per_channel; }\n"
                            "prepare { exclude ops ArgMax; }\n");
    char *top = write_temp(dir, "top.q",
                           "import \"base.q\";\nmodel \"m.onnx\";\n"
                           "prepare { exclude ops Softmax; }\n"
                           "qconfig { module \"fc\": weight int4; }\n"
                           "quantsim { act_scheme mse; }\n"
                           "calibrate { data x = \"c.npy\"; samples 8; }\n");
    compile_result r;
    assert_int_equal(compile_recipe(top, &r), 0);
    const Qrc__Plan *p = r.plan;
    assert_int_equal(p->n_sources, 2);
    /* base's weight_scheme wins over its own 'scheme'; top's act_scheme replaces base's */
    assert_int_equal(p->quantsim->act_scheme, QRC__SCHEME__MSE);
    assert_int_equal(p->quantsim->weight_scheme, QRC__SCHEME__PERCENTILE);
    assert_true(p->quantsim->weight_percentile == 99.9);
    assert_int_equal(p->quantsim->act_bitwidth, 16);
    assert_int_equal(p->prepare->n_exclude_ops, 2);
    assert_int_equal(p->n_qconfig, 3);
    /* top's rule first, then base's, then base's default; unset parts come from the default */
    assert_int_equal(p->qconfig[0]->kind, QRC__RULE_KIND__BY_MODULE);
    assert_int_equal(p->qconfig[0]->weight->bitwidth, 4);
    assert_int_equal(p->qconfig[0]->weight->granularity, QRC__GRANULARITY__PER_CHANNEL);
    assert_string_equal(p->qconfig[0]->act->dtype, "uint16");
    assert_int_equal(p->qconfig[0]->act->scheme, QRC__SCHEME__MSE);
    assert_int_equal(p->qconfig[0]->weight->scheme, QRC__SCHEME__PERCENTILE);
    assert_int_equal(p->qconfig[2]->kind, QRC__RULE_KIND__BY_DEFAULT);
    assert_int_equal(p->calibrate->batch, 8);   /* default 32 clipped to samples */
    assert_int_equal(strlen(p->recipe_sha256), 64);

    /* the plan survives a file round trip */
    char *qp = malloc(strlen(dir) + 8);
    sprintf(qp, "%s/t.qp", dir);
    qrc_err e;
    assert_int_equal(plan_write_file(p, qp, &e), 0);
    Qrc__Plan *back = plan_read_file(qp, &e);
    assert_non_null(back);
    assert_string_equal(back->recipe_sha256, p->recipe_sha256);
    assert_int_equal(back->n_passes, p->n_passes);
    plan_free(back);
    assert_null(plan_read_file(top, &e));   /* a recipe is not a plan */
    assert_non_null(strstr(e.msg, "not a qrc plan"));
    compile_result_free(&r);
    remove(qp);
    remove(top);
    remove(base);
    rmdir(dir);
    free(qp);
    free(top);
    free(base);
}

/* The malloc'd copy compile_recipe returns is the plan compile_recipe_scoped keeps in its arena, field for
 * field (compared through their serializations), on a recipe that sets every section and oneof kind. */
static void plan_copy_matches_the_arena_plan(void **state)
{
    (void)state;
    const char *path = "tests/fuzz/corpus/recipe/full.q";
    compile_result copied, scoped;
    assert_int_equal(compile_recipe(path, &copied), 0);
    assert_int_equal(compile_recipe_scoped(path, &scoped), 0);
    assert_false(copied.plan_in_arena);
    assert_true(scoped.plan_in_arena);
    size_t n = qrc__plan__get_packed_size(copied.plan);
    assert_int_equal(n, qrc__plan__get_packed_size(scoped.plan));
    uint8_t *a = malloc(n), *b = malloc(n);
    qrc__plan__pack(copied.plan, a);
    qrc__plan__pack(scoped.plan, b);
    assert_memory_equal(a, b, n);
    assert_true(copied.plan->n_passes > 3);
    assert_ptr_not_equal(copied.plan->passes[0], scoped.plan->passes[0]);
    free(a);
    free(b);
    compile_result_free(&copied);
    compile_result_free(&scoped);
}

static void errors_are_all_collected(void **state)
{
    (void)state;
    char dir[] = "/tmp/qrc_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *q = write_temp(dir, "bad.q",
                         "model \"m.onnx\";\nquantsim { scheme percentile(150); rounding nerest; }\n"
                         "calibrate { data x = \"c.npy\"; batch 0; }\nqconfig { default: act int3; }\n");
    compile_result r;
    assert_int_equal(compile_recipe(q, &r), -1);
    assert_null(r.plan);
    assert_int_equal(r.diags.errors, 4);
    assert_non_null(r.diags.head->hint == NULL ? r.diags.head->next->hint : r.diags.head->hint);
    compile_result_free(&r);
    remove(q);
    rmdir(dir);
    free(q);
}

static void fmt_is_canonical_and_idempotent(void **state)
{
    (void)state;
    arena a = {0};
    diag_list d;
    ast_file f;
    assert_int_equal(parse_text(&a, &d, "q{scheme tf;# why\nx a,b;}", &f), 0);
    char *once = fmt_file(&a, &f);
    assert_string_equal(once, "q {\n  scheme tf;  # why\n  x a, b;\n}\n");
    ast_file g;
    assert_int_equal(parse_text(&a, &d, once, &g), 0);
    assert_string_equal(fmt_file(&a, &g), once);
    arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser_builds_groups_terms_and_locations),
        cmocka_unit_test(strings_regexes_and_comments),
        cmocka_unit_test(every_syntax_error_is_reported),
        cmocka_unit_test(paths_resolve_lexically),
        cmocka_unit_test(imports_merge_and_rules_inherit_defaults),
        cmocka_unit_test(plan_copy_matches_the_arena_plan),
        cmocka_unit_test(errors_are_all_collected),
        cmocka_unit_test(fmt_is_canonical_and_idempotent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
