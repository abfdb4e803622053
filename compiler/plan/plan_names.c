/* plan_names.c — enum value names as the recipe language spells them; tables checked against the enums. */
#include "plan/plan.h"

#define NAME_OF(table, v) ((unsigned)(v) < sizeof table / sizeof *table && table[v] ? table[v] : "?")

const char *plan_method_name(Qrc__PrepareMethod m)
{
    return prepare_method_name(plan_prepare_method(m));
}

select_kind plan_select_kind(Qrc__SelectorKind k)
{
    static const select_kind t[] = {
        [QRC__SELECTOR_KIND__EXACT] = SELECT_EXACT, [QRC__SELECTOR_KIND__GLOB] = SELECT_GLOB,
        [QRC__SELECTOR_KIND__REGEX] = SELECT_REGEX, [QRC__SELECTOR_KIND__PREFIX] = SELECT_PREFIX,
    };
    _Static_assert(sizeof t / sizeof *t == SELECT_KIND_COUNT_ + 1, "every plan selector kind maps to a select_kind");
    return (unsigned)k < sizeof t / sizeof *t && k ? t[k] : SELECT_KIND_COUNT_;
}

const char *plan_selector_kind_name(Qrc__SelectorKind k)
{
    const char *name = select_kind_name(plan_select_kind(k));
    return name ? name : "?";
}

const char *plan_dtype_name(Qrc__DType d)
{
    static const char *const t[] = {
        [QRC__DTYPE__FLOAT32] = "float32", [QRC__DTYPE__UINT8] = "uint8",     [QRC__DTYPE__INT8] = "int8",
        [QRC__DTYPE__UINT16] = "uint16",   [QRC__DTYPE__INT16] = "int16",     [QRC__DTYPE__INT32] = "int32",
        [QRC__DTYPE__INT64] = "int64",     [QRC__DTYPE__BOOL] = "bool",       [QRC__DTYPE__FLOAT16] = "float16",
        [QRC__DTYPE__FLOAT64] = "float64", [QRC__DTYPE__UINT32] = "uint32",   [QRC__DTYPE__UINT64] = "uint64",
    };
    return NAME_OF(t, d);
}

const char *plan_symmetry_name(Qrc__Symmetry s)
{
    static const char *const t[] = {[QRC__SYMMETRY__ASYMMETRIC] = "asymmetric", [QRC__SYMMETRY__SYMMETRIC] = "symmetric",
                                    [QRC__SYMMETRY__STRICT_SYMMETRIC] = "strict_symmetric",
                                    [QRC__SYMMETRY__UNSIGNED_SYMMETRIC] = "unsigned_symmetric"};
    return NAME_OF(t, s);
}

const char *plan_granularity_name(Qrc__Granularity g)
{
    static const char *const t[] = {[QRC__GRANULARITY__PER_TENSOR] = "per_tensor",
                                    [QRC__GRANULARITY__PER_CHANNEL] = "per_channel"};
    return NAME_OF(t, g);
}

const char *plan_rule_kind_name(Qrc__RuleKind k)
{
    static const char *const t[] = {[QRC__RULE_KIND__BY_MODULE] = "module", [QRC__RULE_KIND__BY_OP] = "op",
                                    [QRC__RULE_KIND__BY_SENSITIVITY] = "most_sensitive",
                                    [QRC__RULE_KIND__BY_DEFAULT] = "default"};
    return NAME_OF(t, k);
}

const char *plan_scheme_name(Qrc__Scheme s)
{
    return (unsigned)plan_quant_scheme(s) < QUANT_SCHEME_COUNT_ ? quant_scheme_name(plan_quant_scheme(s)) : "?";
}

const char *plan_rounding_name(Qrc__Rounding r)
{
    static const char *const t[] = {[QRC__ROUNDING__NEAREST] = "nearest", [QRC__ROUNDING__STOCHASTIC] = "stochastic"};
    return NAME_OF(t, r);
}

const char *plan_artifact_name(Qrc__Artifact a)
{
    static const char *const t[] = {[QRC__ARTIFACT__QDQ_MODEL] = "model", [QRC__ARTIFACT__ENCODINGS] = "encodings",
                                    [QRC__ARTIFACT__PREPARED_MODEL] = "prepared", [QRC__ARTIFACT__REPORT] = "report"};
    return NAME_OF(t, a);
}
