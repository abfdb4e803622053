/* recipe.h — a checked recipe: the merged settings of a recipe and its imports, before defaults.
 *
 * sema fills it file by file (imports first, so later files override earlier ones); plan_build turns it
 * into a Qrc__Plan, filling defaults and choosing the passes. A location with src == NULL means "not set".
 *
 * Ownership: everything is allocated from the compilation's arena (protobuf-c messages included; they
 * are never handed to protobuf-c's free functions). */
#ifndef QRC_RECIPE_H
#define QRC_RECIPE_H

#include <stdbool.h>
#include <stdint.h>

#include "front/ast.h"
#include "plan.pb-c.h"
#include "util.h"

/* A calibration scheme as written: `tf`, `percentile(99.9)`. */
typedef struct qscheme {
    ast_loc at;                          /* where it was set; src == NULL: not set */
    bool by_role;                        /* quantsim: set by act_scheme / weight_scheme, not by scheme */
    Qrc__Scheme scheme;
    double percentile;                   /* PERCENTILE only */
} qscheme;

typedef struct qsetting {
    ast_loc dtype_at, sym_at, gran_at;   /* where each part was set */
    qscheme scheme;
    Qrc__NumKind kind;
    unsigned bits;
    const char *dtype;
    Qrc__Symmetry symmetry;
    Qrc__Granularity granularity;
} qsetting;

typedef struct qrule {
    Qrc__RuleKind kind;
    Qrc__Selector **modules;
    size_t n_modules;
    Qrc__OpTypeRef **ops;
    size_t n_ops;
    double fraction;
    const char *ranking, *ranking_resolved; /* most_sensitive ... from "file" */
    qsetting act, weight;
    ast_loc loc;
} qrule;

typedef struct concrete {
    const char *name;
    const ast_atom *value;
    ast_loc loc;
    bool is_dim;            /* it pins a symbolic dim of a declared input (set by the final checks) */
} concrete;

typedef struct recipe {
    util_map locs;                       /* where a plan message (an input, a data binding) was written */
    const ast_source *root;
    const ast_file *root_file;           /* the root file's syntax tree (what could be parsed) */
    const ast_source **sources;          /* every file, in the order applied (imports first) */
    size_t n_sources;

    ast_loc model_at;
    const char *model_path, *model_resolved;
    Qrc__Input **inputs;
    size_t n_inputs;
    char **outputs;
    size_t n_outputs;

    ast_loc method_at;
    Qrc__PrepareMethod method;
    Qrc__Selector **excl_modules;
    size_t n_excl_modules;
    Qrc__OpTypeRef **excl_ops;
    size_t n_excl_ops;
    concrete **concretes;
    size_t n_concretes;
    ast_loc region_at;
    const char *region_start, *region_end;
    char **rewrites;
    size_t n_rewrites;
    ast_loc rewrites_at;

    qrule **rules;                       /* without the default rule, in priority order */
    size_t n_rules;
    qrule *default_rule;

    ast_loc rounding_at, act_bw_at, param_bw_at, config_at, simdtype_at;
    qscheme act_scheme, weight_scheme;   /* `scheme` sets both, `act_scheme` / `weight_scheme` one */
    Qrc__Rounding rounding;
    unsigned act_bw, param_bw;
    const char *config, *config_resolved;
    Qrc__SimDType simdtype;
    Qrc__Sensitivity sensitivity;        /* 0 when not given */
    ast_loc sensitivity_at;

    ast_loc calibrate_at, samples_at, batch_at, seed_at, encodings_at;
    Qrc__InputData **cal_data;
    size_t n_cal_data;
    unsigned samples, batch;
    uint64_t seed;
    const char *encodings, *encodings_resolved;

    ast_loc evaluate_at, labels_at, eval_batch_at, eval_samples_at;
    Qrc__InputData **eval_data;
    size_t n_eval_data;
    const char *labels, *labels_resolved;
    bool labels_from_folders;            /* labels folders; */
    unsigned eval_batch, eval_samples;

    Qrc__Preprocess **preprocess;        /* image preprocessing per graph input */
    size_t n_preprocess;

    ast_loc dir_at, prefix_at, version_at, artifacts_at, bias_at, opset_at;
    const char *dir, *dir_resolved, *prefix, *version;
    bool bias_int32;
    unsigned opset;                      /* export { opset N; }, 0 when automatic */
    Qrc__Artifact *artifacts;
    size_t n_artifacts;

    ast_loc passes_at;
    Qrc__Pass **passes;                  /* post-training passes the recipe listed, in order */
    size_t n_passes;
} recipe;

#endif
