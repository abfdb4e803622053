/* decode.c — PNG (libpng's simplified API) and JPEG (libjpeg-turbo) files to 8-bit RGB pixels. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "image/image.h"

/* Refuses sizes that are empty or too large to decode and convert in memory (a header can claim any). */
static int check_size(const char *path, long w, long h, qrc_err *e)
{
    if (w < 1 || h < 1 || w > IMAGE_MAX_SIDE || h > IMAGE_MAX_SIDE || (long long)w * h > IMAGE_MAX_PIXELS)
        return err_set(e, "%s: image of %ldx%ld pixels (expected 1..%d on each side, at most %d pixels)", path, w, h,
                       IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
    return 0;
}

static int decode_png(const char *path, uint8_t **rgb, int *w, int *h, qrc_err *e)
{
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&im, path))
        return err_set(e, "%s: not a readable PNG (%s)", path, im.message);
    if (check_size(path, (long)im.width, (long)im.height, e)) {
        png_image_free(&im);
        return -1;
    }
    im.format = PNG_FORMAT_RGB;
    uint8_t *buf = malloc(PNG_IMAGE_SIZE(im));
    if (!buf) {
        png_image_free(&im);
        return err_set(e, "%s: out of memory", path);
    }
    if (!png_image_finish_read(&im, NULL, buf, 0, NULL)) {
        free(buf);
        return err_set(e, "%s: broken PNG (%s)", path, im.message);
    }
    *rgb = buf;
    *w = (int)im.width;
    *h = (int)im.height;
    return 0;
}

typedef struct jpeg_fail {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
    char msg[JMSG_LENGTH_MAX];
} jpeg_fail;

/* libjpeg reports errors through a callback that must not return: jump back with the message. */
static void jpeg_error_exit(j_common_ptr c)
{
    jpeg_fail *f = (jpeg_fail *)c->err;
    c->err->format_message(c, f->msg);
    longjmp(f->jump, 1);
}

/* Corrupt-data warnings (a truncated file is padded with gray) are errors here: a silently damaged
 * calibration image is worse than a stop. */
static void jpeg_warning(j_common_ptr c, int level)
{
    if (level < 0)
        jpeg_error_exit(c);
}

static int decode_jpeg(const char *path, FILE *fp, uint8_t **rgb, int *w, int *h, qrc_err *e)
{
    struct jpeg_decompress_struct d;
    jpeg_fail fail;
    uint8_t *volatile buf = NULL;
    d.err = jpeg_std_error(&fail.mgr);
    fail.mgr.error_exit = jpeg_error_exit;
    fail.mgr.emit_message = jpeg_warning;
    if (setjmp(fail.jump)) {
        jpeg_destroy_decompress(&d);
        free(buf);
        return err_set(e, "%s: broken JPEG (%s)", path, fail.msg);
    }
    jpeg_create_decompress(&d);
    jpeg_stdio_src(&d, fp);
    jpeg_read_header(&d, TRUE);
    d.out_color_space = JCS_RGB;
    if (check_size(path, (long)d.image_width, (long)d.image_height, e)) {
        jpeg_destroy_decompress(&d);
        return -1;
    }
    jpeg_start_decompress(&d);
    size_t stride = (size_t)d.output_width * 3;
    buf = malloc(stride * d.output_height);
    if (!buf) {
        jpeg_destroy_decompress(&d);
        return err_set(e, "%s: out of memory", path);
    }
    while (d.output_scanline < d.output_height) {
        JSAMPROW row = buf + stride * d.output_scanline;
        jpeg_read_scanlines(&d, &row, 1);
    }
    jpeg_finish_decompress(&d);
    *w = (int)d.output_width;
    *h = (int)d.output_height;
    jpeg_destroy_decompress(&d);
    *rgb = buf;
    return 0;
}

int image_decode(const char *path, uint8_t **rgb, int *w, int *h, qrc_err *e)
{
    *rgb = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return err_set(e, "%s: cannot open image", path);
    unsigned char magic[8] = {0};
    size_t n = fread(magic, 1, sizeof magic, fp);
    int rc;
    if (n == 8 && !png_sig_cmp(magic, 0, 8)) {
        fclose(fp);
        return decode_png(path, rgb, w, h, e);
    }
    if (n >= 3 && magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF) {
        rewind(fp);
        rc = decode_jpeg(path, fp, rgb, w, h, e);
    } else {
        rc = err_set(e, "%s: not a PNG or JPEG file", path);
    }
    fclose(fp);
    return rc;
}
