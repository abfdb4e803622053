/* preprocess.c — one decoded image to one model input row, as the recipe's preprocess block says. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

int image_prep_channels(const image_prep *p)
{
    return p->color == IMAGE_GRAY ? 1 : 3;
}

/* Height and width of the rows, or 0 where they would follow each image's own size. */
static void fixed_hw(const image_prep *p, int *h, int *w)
{
    *h = p->crop_h ? p->crop_h : p->resize == IMAGE_RESIZE_EXACT || p->resize == IMAGE_RESIZE_HEIGHT ? p->size_h : 0;
    *w = p->pad_width ? p->pad_width : p->crop_w ? p->crop_w : p->resize == IMAGE_RESIZE_EXACT ? p->size_w : 0;
}

int image_prep_row_dims(const image_prep *p, int64_t dims[3], qrc_err *e)
{
    int h, w, c = image_prep_channels(p);
    fixed_hw(p, &h, &w);
    if (!h || !w)
        return err_set(e, "the preprocessing leaves the image size to each image: add a crop, an exact resize "
                          "or pad_width");
    int64_t chw[3] = {c, h, w}, hwc[3] = {h, w, c};
    memcpy(dims, p->layout == IMAGE_NCHW ? chw : hwc, sizeof chw);
    return 0;
}

int image_prep_check(const image_prep *p, qrc_err *e)
{
    int c = image_prep_channels(p);
    if ((p->n_mean > 1 && p->n_mean != c) || (p->n_std > 1 && p->n_std != c))
        return err_set(e, "mean and std take 1 or %d values for %d-channel images", c, c);
    for (int i = 0; i < p->n_std; i++)
        if (!(p->std[i] != 0.0f) || !isfinite(p->std[i]))
            return err_set(e, "std %g cannot divide", (double)p->std[i]);
    int sides[] = {p->size_w, p->size_h, p->crop_w, p->crop_h, p->pad_width};
    for (size_t i = 0; i < sizeof sides / sizeof *sides; i++)
        if (sides[i] < 0 || sides[i] > IMAGE_MAX_SIDE)
            return err_set(e, "image size %d is outside 0..%d", sides[i], IMAGE_MAX_SIDE);
    return 0;
}

static void append(char *buf, size_t n, size_t *at, const char *fmt, double a, double b)
{
    if (*at < n)
        *at += (size_t)snprintf(buf + *at, n - *at, fmt, a, b);
}

static void append_list(char *buf, size_t n, size_t *at, const char *name, const float *v, int k)
{
    if (!k)
        return;
    append(buf, n, at, name, 0, 0);
    for (int i = 0; i < k; i++)
        append(buf, n, at, i ? ",%g" : "%g", (double)v[i], 0);
}

const char *image_prep_describe(const image_prep *p, char *buf, size_t n)
{
    static const char *const colors[] = {"rgb", "bgr", "gray"};
    size_t at = 0;
    buf[0] = 0;
    append(buf, n, &at, colors[p->color], 0, 0);
    if (p->resize == IMAGE_RESIZE_SHORTER)
        append(buf, n, &at, ", resize shorter %g", p->size_w, 0);
    else if (p->resize == IMAGE_RESIZE_EXACT)
        append(buf, n, &at, ", resize exact %gx%g", p->size_w, p->size_h);
    else if (p->resize == IMAGE_RESIZE_HEIGHT)
        append(buf, n, &at, ", resize height %g", p->size_h, 0);
    if (p->crop_w)
        append(buf, n, &at, ", crop %gx%g", p->crop_w, p->crop_h);
    append(buf, n, &at, p->unit ? ", unit" : ", raw", 0, 0);
    append_list(buf, n, &at, ", mean ", p->mean, p->n_mean);
    append_list(buf, n, &at, ", std ", p->std, p->n_std);
    append(buf, n, &at, p->layout == IMAGE_NCHW ? ", NCHW" : ", NHWC", 0, 0);
    if (p->pad_width)
        append(buf, n, &at, ", pad_width %g", p->pad_width, 0);
    return buf;
}

/* RGB bytes to c float channels (HWC) in the requested order; equal R, G and B stay exact in gray. */
static void to_channels(const image_prep *p, const uint8_t *rgb, int64_t npix, float *out)
{
    for (int64_t i = 0; i < npix; i++) {
        float r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
        if (p->color == IMAGE_GRAY)
            out[i] = r == g && g == b ? r : 0.299f * r + 0.587f * g + 0.114f * b;
        else if (p->color == IMAGE_BGR)
            out[3 * i] = b, out[3 * i + 1] = g, out[3 * i + 2] = r;
        else
            out[3 * i] = r, out[3 * i + 1] = g, out[3 * i + 2] = b;
    }
}

/* Bilinear resize of an HWC float image with half-pixel centers (edges clamped). */
static void resize_bilinear(const float *in, int w, int h, int c, float *out, int tw, int th)
{
    double sx = (double)w / tw, sy = (double)h / th;
    for (int y = 0; y < th; y++) {
        double fy = fmax(0.0, (y + 0.5) * sy - 0.5);
        int y0 = (int)fy < h - 1 ? (int)fy : h - 1, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        float dy = (float)(fy - y0);
        for (int x = 0; x < tw; x++) {
            double fx = fmax(0.0, (x + 0.5) * sx - 0.5);
            int x0 = (int)fx < w - 1 ? (int)fx : w - 1, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            float dx = (float)(fx - x0);
            for (int k = 0; k < c; k++) {
                float a = in[((int64_t)y0 * w + x0) * c + k], b = in[((int64_t)y0 * w + x1) * c + k];
                float d = in[((int64_t)y1 * w + x0) * c + k], f = in[((int64_t)y1 * w + x1) * c + k];
                float top = a + (b - a) * dx, bot = d + (f - d) * dx;
                out[((int64_t)y * tw + x) * c + k] = top + (bot - top) * dy;
            }
        }
    }
}

/* The size the resize step gives a w x h image. */
static void resized_size(const image_prep *p, int w, int h, int *tw, int *th)
{
    *tw = w, *th = h;
    if (p->resize == IMAGE_RESIZE_SHORTER) {
        double s = (double)p->size_w / (w < h ? w : h);
        *tw = (int)lround(w * s), *th = (int)lround(h * s);
    } else if (p->resize == IMAGE_RESIZE_EXACT) {
        *tw = p->size_w, *th = p->size_h;
    } else if (p->resize == IMAGE_RESIZE_HEIGHT) {
        *th = p->size_h;
        *tw = (int)ceil((double)w * p->size_h / h);
        if (p->pad_width && *tw > p->pad_width)
            *tw = p->pad_width;
    }
    *tw = *tw < 1 ? 1 : *tw;
    *th = *th < 1 ? 1 : *th;
}

/* Writes the (cropped) HWC image into the row: scaled, normalized, laid out, zero-padded on the right. */
static void write_row(const image_prep *p, const float *img, int iw, int x0, int y0, int w, int h, int c, float *row,
                      int rw)
{
    memset(row, 0, sizeof *row * (size_t)rw * (size_t)h * (size_t)c);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < c; k++) {
                float v = img[((int64_t)(y + y0) * iw + x + x0) * c + k];
                if (p->unit)
                    v /= 255.0f;
                if (p->n_mean)
                    v -= p->mean[p->n_mean > 1 ? k : 0];
                if (p->n_std)
                    v /= p->std[p->n_std > 1 ? k : 0];
                int64_t at = p->layout == IMAGE_NCHW ? ((int64_t)k * h + y) * rw + x : ((int64_t)y * rw + x) * c + k;
                row[at] = v;
            }
}

int image_preprocess(const image_prep *p, const uint8_t *rgb, int w, int h, float *row, qrc_err *e)
{
    int c = image_prep_channels(p), tw, th, rh, rw;
    fixed_hw(p, &rh, &rw);
    resized_size(p, w, h, &tw, &th);
    int cw = p->crop_w ? p->crop_w : tw, ch = p->crop_h ? p->crop_h : th;
    if (cw > tw || ch > th)
        return err_set(e, "image of %dx%d (%dx%d after resizing) is smaller than the %dx%d crop", w, h, tw, th, cw, ch);
    if (ch != rh || cw > rw)
        return err_set(e, "image of %dx%d gives %dx%d pixels, the rows take %dx%d", w, h, cw, ch, rw, rh);
    float *img = malloc(sizeof *img * (size_t)w * (size_t)h * (size_t)c);
    float *sized = tw == w && th == h ? img : malloc(sizeof *sized * (size_t)tw * (size_t)th * (size_t)c);
    if (!img || !sized) {
        free(img);
        return err_set(e, "out of memory");
    }
    to_channels(p, rgb, (int64_t)w * h, img);
    if (sized != img)
        resize_bilinear(img, w, h, c, sized, tw, th);
    write_row(p, sized, tw, (tw - cw) / 2, (th - ch) / 2, cw, ch, c, row, rw);
    if (sized != img)
        free(sized);
    free(img);
    return 0;
}

int image_load_row(const image_prep *p, const char *path, float *row, qrc_err *e)
{
    uint8_t *rgb;
    int w, h;
    if (image_decode(path, &rgb, &w, &h, e))
        return -1;
    int rc = image_preprocess(p, rgb, w, h, row, e);
    free(rgb);
    return rc ? err_wrap(e, "%s", path) : 0;
}
