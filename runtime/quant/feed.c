/* feed.c — batches of rows streamed from .npy files or decoded from images, one stream per graph input;
 * only the current batch is ever in memory. */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "image/image.h"
#include "sim_internal.h"

/* An image feed's rows must fit the graph input: [N, C, H, W] (or NHWC) from the preprocessing. */
static int check_image_feed(const quant_feed *feed, const graph_value *gv, qrc_err *e)
{
    int64_t dims[3];
    if (image_prep_check(feed->image, e) || image_prep_row_dims(feed->image, dims, e))
        return err_wrap(e, "input '%s'", feed->input);
    if (gv->rank < 0)
        return 0;
    bool ok = gv->rank == 4;
    for (int i = 1; ok && i < 4; i++)
        ok = gv->dims[i] < 0 || gv->dim_param[i] || gv->dims[i] == dims[i - 1];
    if (!ok)
        return err_set(e, "input '%s': the preprocessing makes rows of [%lld, %lld, %lld], the model takes rank %d "
                          "[%lld, %lld, %lld]", feed->input, (long long)dims[0], (long long)dims[1],
                       (long long)dims[2], gv->rank, gv->rank == 4 ? (long long)gv->dims[1] : 0LL,
                       gv->rank == 4 ? (long long)gv->dims[2] : 0LL, gv->rank == 4 ? (long long)gv->dims[3] : 0LL);
    return 0;
}

/* Decodes the next `want` images of feed f into one tensor; st->file[f] is the next image. */
static int read_images(quant_stream *st, int f, int64_t want, tensor **out, qrc_err *e)
{
    const quant_feed *feed = &st->d->feeds[f];
    int64_t dims[4] = {want};
    if (image_prep_row_dims(feed->image, dims + 1, e))
        return -1;
    tensor *t = tensor_new(DT_FLOAT, 4, dims, e);
    if (!t)
        return -1;
    int64_t per_row = dims[1] * dims[2] * dims[3];
    for (int64_t i = 0; i < want; i++)
        if (image_load_row(feed->image, feed->files[st->file[f]++], (float *)t->data + i * per_row, e)) {
            tensor_free(t);
            return err_wrap(e, "input '%s'", feed->input);
        }
    *out = t;
    return 0;
}

/* Opens file k of feed f, checking its dtype and per-row shape against the graph input. */
static int open_file(quant_stream *st, int f, int k, qrc_err *e)
{
    const quant_feed *feed = &st->d->feeds[f];
    npy_reader *r;
    if (npy_open(feed->files[k], &r, e))
        return err_wrap(e, "input '%s'", feed->input);
    int v = graph_find_value(st->g, feed->input);
    const graph_value *gv = &st->g->values[v];
    if (r->dtype != DT_FLOAT) {
        err_set(e, "%s: input '%s' needs float32 data, the file holds %s", feed->files[k], feed->input,
                tensor_dtype_name(r->dtype));
        npy_close(r);
        return -1;
    }
    if (gv->rank >= 0) {
        bool ok = r->rank == gv->rank;
        for (int i = 1; ok && i < gv->rank; i++)
            ok = gv->dims[i] < 0 || gv->dims[i] == r->dims[i];
        if (!ok) {
            char have[128];
            tensor hdr = {.dtype = r->dtype, .rank = r->rank};
            memcpy(hdr.dims, r->dims, sizeof hdr.dims);
            err_set(e, "%s: rows of shape %s do not fit input '%s' of rank %d", feed->files[k],
                    tensor_describe(&hdr, have, sizeof have), feed->input, gv->rank);
            npy_close(r);
            return -1;
        }
    }
    npy_close(st->r[f]);
    st->r[f] = r;
    st->file[f] = k;
    return 0;
}

int quant_stream_open(quant_stream *st, const quant_data *d, const graph *g, qrc_err *e)
{
    memset(st, 0, sizeof *st);
    st->d = d;
    st->g = g;
    if (d->n_feeds < 1)
        return err_set(e, "no data given");
    st->r = mem_zalloc((size_t)d->n_feeds, sizeof *st->r);
    st->file = mem_zalloc((size_t)d->n_feeds, sizeof *st->file);
    st->batch = d->batch > 0 ? d->batch : 32;
    for (int f = 0; f < d->n_feeds; f++) {
        const quant_feed *feed = &d->feeds[f];
        int v = graph_find_value(g, feed->input);
        if (v < 0 || !g->values[v].is_input || g->values[v].init)
            return err_set(e, "data given for '%s', which is not an input of the model", feed->input);
        if (feed->n_files < 1)
            return err_set(e, "input '%s': no data files", feed->input);
        const graph_value *gv = &g->values[v];
        if (gv->rank >= 1 && gv->dims[0] > 0 && !gv->dim_param[0] && gv->dims[0] < st->batch)
            st->batch = gv->dims[0];
        if (feed->image) {
            if (check_image_feed(feed, gv, e))
                return -1;
            if (f > 0 && feed->n_files != st->total)
                return err_set(e, "input '%s' has %d images but '%s' has %lld rows", feed->input, feed->n_files,
                               d->feeds[0].input, (long long)st->total);
            st->total = feed->n_files;
            continue;
        }
        int64_t rows = 0;
        for (int k = 0; k < feed->n_files; k++) {
            if (open_file(st, f, k, e))
                return -1;
            rows += st->r[f]->dims[0];
        }
        if (f > 0 && rows != st->total)
            return err_set(e, "input '%s' has %lld rows but '%s' has %lld", feed->input, (long long)rows,
                           d->feeds[0].input, (long long)st->total);
        st->total = rows;
        if (open_file(st, f, 0, e))
            return -1;
    }
    /* A model with a fixed batch dimension takes exactly that many rows per run. */
    for (int f = 0; f < d->n_feeds; f++) {
        const graph_value *gv = &g->values[graph_find_value(g, d->feeds[f].input)];
        if (gv->rank >= 1 && gv->dims[0] > 0 && !gv->dim_param[0]) {
            st->batch = gv->dims[0];
            st->fixed = true;
        }
    }
    st->limit = d->max_samples > 0 && d->max_samples < st->total ? d->max_samples : st->total;
    return 0;
}

/* Reads `want` rows of feed f (crossing into its next files as needed) into one tensor. */
static int read_feed(quant_stream *st, int f, int64_t want, tensor **out, qrc_err *e)
{
    if (st->d->feeds[f].image)
        return read_images(st, f, want, out, e);
    npy_reader *r = st->r[f];
    int64_t dims[TENSOR_MAX_RANK];
    memcpy(dims, r->dims, sizeof dims);
    dims[0] = want;
    tensor *t = tensor_new(DT_FLOAT, r->rank, dims, e);
    if (!t)
        return -1;
    size_t row_bytes = tensor_nbytes(t) / (size_t)(want > 0 ? want : 1);
    int64_t got = 0;
    while (got < want) {
        tensor *chunk = NULL;
        if (npy_read_rows(st->r[f], want - got, &chunk, e))
            goto fail;
        if (!chunk) {
            const quant_feed *feed = &st->d->feeds[f];
            if (st->file[f] + 1 >= feed->n_files) {
                err_set(e, "input '%s': data ended early", feed->input);
                goto fail;
            }
            if (open_file(st, f, st->file[f] + 1, e))
                goto fail;
            continue;
        }
        if (tensor_nbytes(chunk) / (size_t)chunk->dims[0] != row_bytes) {
            err_set(e, "input '%s': files disagree on the row shape", st->d->feeds[f].input);
            tensor_free(chunk);
            goto fail;
        }
        memcpy((char *)t->data + (size_t)got * row_bytes, chunk->data, tensor_nbytes(chunk));
        got += chunk->dims[0];
        tensor_free(chunk);
    }
    *out = t;
    return 0;
fail:
    tensor_free(t);
    return -1;
}

int quant_stream_next(quant_stream *st, tensor **batch, int64_t *rows, qrc_err *e)
{
    int64_t want = st->limit - st->served;
    want = want < st->batch ? want : st->batch;
    *rows = 0;
    if (want <= 0 || (st->fixed && want < st->batch))
        return 0; /* a fixed batch dimension cannot take a short last batch: it is left out */
    for (int f = 0; f < st->d->n_feeds; f++) {
        batch[f] = NULL;
        if (read_feed(st, f, want, &batch[f], e)) {
            for (int k = 0; k < f; k++)
                tensor_free(batch[k]);
            return -1;
        }
    }
    st->served += want;
    *rows = want;
    return 0;
}

void quant_stream_close(quant_stream *st)
{
    for (int f = 0; st->r && f < st->d->n_feeds; f++)
        npy_close(st->r[f]);
    free(st->r);
    free(st->file);
    st->r = NULL;
    st->file = NULL;
}

void quant_stream_names(const quant_stream *st, const char **names)
{
    for (int f = 0; f < st->d->n_feeds; f++)
        names[f] = st->d->feeds[f].input;
}

int quant_data_first_batch(const quant_data *d, const graph *g, tensor **batch, const char **names, int64_t *rows,
                           qrc_err *e)
{
    quant_stream st;
    *rows = 0;
    int rc = quant_stream_open(&st, d, g, e);
    if (!rc) {
        quant_stream_names(&st, names);
        rc = quant_stream_next(&st, batch, rows, e);
    }
    quant_stream_close(&st);
    return rc;
}
