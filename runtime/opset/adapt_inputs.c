/* adapt_inputs.c — adapters for attributes that became inputs: Slice and TopK (10), Clip and Pad (11),
 * Dropout (12), Squeeze / Unsqueeze / ReduceSum / Split (13), the other Reduce ops (18), and Split's
 * num_outputs (18). The values move into int64 (or data-typed) initializers fed at the input position
 * the new version defines. */
#include <string.h>

#include "adapt.h"

/* 1 when the node still has the attribute form (input 1 absent and `name` present), 0 when it has the
 * input form already, -1 when the required attribute is missing. */
static int attr_form(const opset_step *s, const char *name)
{
    const graph_node *nd = &s->g->nodes[s->node];
    if (nd->n_in > 1)
        return 0;
    return graph_attr_find(nd, name) ? 1 : err_set(s->e, "needs attribute %s", name);
}

/* The dtype of the node's first input, or -1 with e filled when nothing says it. */
static int data_dtype(const opset_step *s, tensor_dtype *dt)
{
    const graph_node *nd = &s->g->nodes[s->node];
    *dt = opset_dtype(s, nd->in[0]);
    if (*dt == DT_UNDEFINED)
        return err_set(s->e, "the type of input '%s' is not known, so no constant of it can be made",
                       s->g->values[nd->in[0]].name);
    return 0;
}

int opset_slice_10(const opset_step *s)
{
    int rc = attr_form(s, "starts");
    if (rc <= 0)
        return rc;
    if (opset_attr_to_input(s, "starts", DT_INT64, 1) < 0 || opset_attr_to_input(s, "ends", DT_INT64, 2) < 0 ||
        opset_attr_to_input(s, "axes", DT_INT64, 3) < 0)
        return -1;
    return 1;
}

int opset_topk_10(const opset_step *s)
{
    int rc = attr_form(s, "k");
    return rc <= 0 ? rc : opset_attr_to_input(s, "k", DT_INT64, 1);
}

int opset_clip_11(const opset_step *s)
{
    const graph_node *nd = &s->g->nodes[s->node];
    if (!graph_attr_find(nd, "min") && !graph_attr_find(nd, "max"))
        return 0;
    tensor_dtype dt;
    if (data_dtype(s, &dt) || opset_attr_to_input(s, "min", dt, 1) < 0 || opset_attr_to_input(s, "max", dt, 2) < 0)
        return -1;
    return 1;
}

int opset_pad_11(const opset_step *s)
{
    const graph_node *nd = &s->g->nodes[s->node];
    int rc = attr_form(s, "pads");
    if (rc <= 0)
        return rc;
    float value = graph_attr_float(nd, "value", 0.0f);
    bool constant = !strcmp(graph_attr_string(nd, "mode", "constant"), "constant");
    if (opset_attr_to_input(s, "pads", DT_INT64, 1) < 0)
        return -1;
    if (!constant || value == 0.0f) {
        opset_attr_drop(s->g, s->node, "value");
        return 1;
    }
    tensor_dtype dt;
    return data_dtype(s, &dt) || opset_attr_to_input(s, "value", dt, 2) < 0 ? -1 : 1;
}

int opset_dropout_12(const opset_step *s)
{
    return opset_attr_to_input(s, "ratio", DT_FLOAT, 1);
}

int opset_axes_input(const opset_step *s)
{
    return s->g->nodes[s->node].n_in > 1 ? 0 : opset_attr_to_input(s, "axes", DT_INT64, 1);
}

int opset_split_13(const opset_step *s)
{
    return s->g->nodes[s->node].n_in > 1 ? 0 : opset_attr_to_input(s, "split", DT_INT64, 1);
}

int opset_split_18(const opset_step *s)
{
    const graph_node *nd = &s->g->nodes[s->node];
    if ((nd->n_in > 1 && nd->in[1] >= 0) || graph_attr_find(nd, "num_outputs"))
        return 0;
    /* an even split now has to say how many parts it makes */
    opset_attr_int(s->g, s->node, "num_outputs", nd->n_out);
    return 1;
}
