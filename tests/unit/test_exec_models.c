/* The executor on the real Fashion-MNIST models and kernels: one exec across changing batch sizes
 * gives the same bytes as a fresh exec, and installing an observer does not raise peak memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "exec.h"
#include "npy.h"
#include "onnx.h"

static const char *models[] = {"recipes/models/fmnist_cnn.onnx", "recipes/models/fmnist_resnet.onnx",
                               "recipes/models/fmnist_vit.onnx"};

static int count_values(int v, tensor *t, void *user, qrc_err *e)
{
    (void)v;
    (void)t;
    (void)e;
    ++*(int *)user;
    return 0;
}

static void batch_changes_and_observer(void **state)
{
    (void)state;
    qrc_err e;
    tensor *all;
    assert_int_equal(npy_read("tests/models/ort_ref/input_64.npy", &all, &e), 0);
    const int sizes[] = {4, 1, 3};
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        graph *g;
        assert_int_equal(onnx_load(models[m], &g, &e), 0);
        exec *x;
        assert_int_equal(exec_new(g, 1, &x, &e), 0);
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
            int64_t d[4] = {sizes[k], 1, 28, 28};
            tensor *in = tensor_view(DT_FLOAT, 4, d, all->data);
            const char *nm[] = {"image"};
            const tensor *ins[] = {in};
            tensor *o1, *o2;
            assert_int_equal(exec_run(x, 1, nm, ins, &o1, &e), 0);
            exec *f;
            assert_int_equal(exec_new(g, 1, &f, &e), 0);
            assert_int_equal(exec_run(f, 1, nm, ins, &o2, &e), 0);
            exec_free(f);
            assert_int_equal(o1->dims[0], sizes[k]);
            if (memcmp(o1->data, o2->data, tensor_nbytes(o1)))
                fail_msg("%s: batch %d after other batches differs from a fresh run", models[m], sizes[k]);
            tensor_free(o1);
            tensor_free(o2);
            tensor_free(in);
        }
        exec_free(x);
        /* same batch with and without an observer: the observer sees every value, costs no memory */
        int64_t d[4] = {8, 1, 28, 28};
        tensor *in = tensor_view(DT_FLOAT, 4, d, all->data);
        const char *nm[] = {"image"};
        const tensor *ins[] = {in};
        tensor *o;
        exec *a, *b;
        assert_int_equal(exec_new(g, 1, &a, &e), 0);
        assert_int_equal(exec_run(a, 1, nm, ins, &o, &e), 0);
        tensor_free(o);
        assert_int_equal(exec_new(g, 1, &b, &e), 0);
        int seen = 0;
        exec_set_observer(b, count_values, &seen);
        assert_int_equal(exec_run(b, 1, nm, ins, &o, &e), 0);
        tensor_free(o);
        int produced = 1; /* the input */
        for (int n = 0; n < g->n_nodes; n++)
            for (int k = 0; k < g->nodes[n].n_out; k++)
                produced += g->nodes[n].out[k] >= 0;
        assert_int_equal(seen, produced);
        /* the observed run also holds the input copy, one input-sized buffer at most */
        assert_true(exec_peak_bytes(b) <= exec_peak_bytes(a) + 8 * 28 * 28 * 4 + 64);
        print_message("%s: peak %zu bytes of activations at batch 8\n", models[m], exec_peak_bytes(a));
        exec_free(a);
        exec_free(b);
        tensor_free(in);
        graph_free(g);
    }
    tensor_free(all);
}

/* None of these models is split into sub-batches: no depthwise convolution, and the transformer mixes
 * tokens with ops that are not known to keep images apart. A forced split still equals a whole run. */
static void models_keep_whole_batches(void **state)
{
    (void)state;
    qrc_err e;
    tensor *all;
    assert_int_equal(npy_read("tests/models/ort_ref/input_64.npy", &all, &e), 0);
    for (size_t m = 0; m < sizeof models / sizeof *models; m++) {
        graph *g;
        assert_int_equal(onnx_load(models[m], &g, &e), 0);
        assert_int_equal(exec_split_size(g, 64, (size_t)1 << 20), 64);
        exec *x;
        assert_int_equal(exec_new(g, 1, &x, &e), 0);
        int64_t d[4] = {6, 1, 28, 28};
        tensor *in = tensor_view(DT_FLOAT, 4, d, all->data);
        const char *nm[] = {"image"};
        const tensor *ins[] = {in};
        tensor *whole, *split;
        assert_int_equal(exec_run(x, 1, nm, ins, &whole, &e), 0);
        if (exec_run_split(x, 1, nm, ins, 4, &split, &e))
            fail_msg("%s: %s", models[m], e.msg);
        assert_int_equal(split->dims[0], 6);
        assert_int_equal(tensor_nbytes(split), tensor_nbytes(whole));
        const float *a = whole->data, *b = split->data;
        for (int64_t i = 0; i < tensor_numel(whole); i++)
            if (fabsf(a[i] - b[i]) > 1e-4f * (1.0f + fabsf(a[i])))
                fail_msg("%s: element %lld: %g whole, %g split", models[m], (long long)i, a[i], b[i]);
        tensor_free(whole);
        tensor_free(split);
        tensor_free(in);
        exec_free(x);
        graph_free(g);
    }
    tensor_free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_changes_and_observer),
        cmocka_unit_test(models_keep_whole_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
