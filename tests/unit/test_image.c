/* Image inputs: PNG decoding, each preprocessing step, the sorted image list and its labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <png.h>

#include "image/image.h"

static char dir[64];

static void path_in(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void write_png(const char *name, const uint8_t *rgb, int w, int h)
{
    char p[256];
    path_in(p, sizeof p, name);
    png_image im;
    memset(&im, 0, sizeof im);
    im.version = PNG_IMAGE_VERSION;
    im.width = (png_uint_32)w;
    im.height = (png_uint_32)h;
    im.format = PNG_FORMAT_RGB;
    assert_true(png_image_write_to_file(&im, p, 0, rgb, 0, NULL));
}

static void write_text(const char *name, const char *text)
{
    char p[256];
    path_in(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/qrc_image_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

/* A written PNG decodes to the same RGB bytes; garbage, truncation and empty files name the file. */
static void decode_png(void **state)
{
    (void)state;
    uint8_t px[3 * 2 * 3];
    for (size_t i = 0; i < sizeof px; i++)
        px[i] = (uint8_t)(i * 13);
    write_png("a.png", px, 3, 2);
    char p[256];
    path_in(p, sizeof p, "a.png");
    uint8_t *rgb;
    int w, h;
    qrc_err e = {0};
    assert_int_equal(image_decode(p, &rgb, &w, &h, &e), 0);
    assert_true(w == 3 && h == 2 && !memcmp(rgb, px, sizeof px));
    free(rgb);
    /* truncated: the first 40 bytes of a real PNG */
    FILE *in = fopen(p, "rb"), *out;
    char buf[40];
    assert_int_equal(fread(buf, 1, sizeof buf, in), sizeof buf);
    fclose(in);
    path_in(p, sizeof p, "cut.png");
    out = fopen(p, "wb");
    fwrite(buf, 1, sizeof buf, out);
    fclose(out);
    assert_int_equal(image_decode(p, &rgb, &w, &h, &e), -1);
    assert_non_null(strstr(e.msg, "cut.png"));
    write_text("text.png", "hello, not an image\n");
    path_in(p, sizeof p, "text.png");
    assert_int_equal(image_decode(p, &rgb, &w, &h, &e), -1);
    assert_non_null(strstr(e.msg, "text.png: not a PNG or JPEG"));
    write_text("empty.jpg", "");
    path_in(p, sizeof p, "empty.jpg");
    assert_int_equal(image_decode(p, &rgb, &w, &h, &e), -1);
    assert_non_null(strstr(e.msg, "empty.jpg"));
}

/* gray of equal channels is exact; unit scale, mean and std apply in that order; BGR swaps. */
static void channels_scale_normalize(void **state)
{
    (void)state;
    const uint8_t rgb[] = {51, 51, 51, 10, 20, 30};
    image_prep p = {.color = IMAGE_GRAY, .resize = IMAGE_RESIZE_EXACT, .size_w = 2, .size_h = 1, .unit = true,
                    .n_mean = 1, .mean = {0.1f}, .n_std = 1, .std = {0.5f}};
    float row[6];
    qrc_err e = {0};
    assert_int_equal(image_preprocess(&p, rgb, 2, 1, row, &e), 0);
    assert_true(row[0] == (51.0f / 255.0f - 0.1f) / 0.5f);
    float g = 0.299f * 10 + 0.587f * 20 + 0.114f * 30;
    assert_true(row[1] == (g / 255.0f - 0.1f) / 0.5f);
    image_prep q = {.color = IMAGE_BGR, .resize = IMAGE_RESIZE_EXACT, .size_w = 2, .size_h = 1, .layout = IMAGE_NHWC};
    assert_int_equal(image_preprocess(&q, rgb, 2, 1, row, &e), 0);
    const float want[] = {51, 51, 51, 30, 20, 10};
    assert_memory_equal(row, want, sizeof want);
    q.layout = IMAGE_NCHW; /* planes: B, G, R */
    assert_int_equal(image_preprocess(&q, rgb, 2, 1, row, &e), 0);
    const float planes[] = {51, 30, 51, 20, 51, 10};
    assert_memory_equal(row, planes, sizeof planes);
}

/* Bilinear with half-pixel centers: a 2x1 ramp doubled gives 0, 0.25, 0.75, 1 of the way. */
static void resize_and_crop(void **state)
{
    (void)state;
    const uint8_t rgb[] = {0, 0, 0, 200, 200, 200};
    image_prep p = {.color = IMAGE_GRAY, .resize = IMAGE_RESIZE_EXACT, .size_w = 4, .size_h = 1};
    float row[4];
    qrc_err e = {0};
    assert_int_equal(image_preprocess(&p, rgb, 2, 1, row, &e), 0);
    const float ramp[] = {0, 50, 150, 200};
    assert_memory_equal(row, ramp, sizeof ramp);
    /* shorter side 2 of a 2x1 image -> 4x2, then a 2x2 center crop keeps the middle columns */
    image_prep c = {.color = IMAGE_GRAY, .resize = IMAGE_RESIZE_SHORTER, .size_w = 2, .crop_w = 2, .crop_h = 2};
    float sq[4];
    assert_int_equal(image_preprocess(&c, rgb, 2, 1, sq, &e), 0);
    const float mid[] = {50, 150, 50, 150};
    assert_memory_equal(sq, mid, sizeof mid);
    /* a crop larger than the image is an error */
    image_prep big = {.color = IMAGE_GRAY, .crop_w = 3, .crop_h = 3};
    assert_int_equal(image_preprocess(&big, rgb, 2, 1, sq, &e), -1);
    assert_non_null(strstr(e.msg, "smaller than the 3x3 crop"));
}

/* resize height keeps the aspect ratio; pad_width fills the rest of the row with zeros after
 * normalization, and caps wider images. */
static void height_and_padding(void **state)
{
    (void)state;
    const uint8_t rgb[] = {255, 255, 255, 255, 255, 255};
    image_prep p = {.color = IMAGE_GRAY, .resize = IMAGE_RESIZE_HEIGHT, .size_h = 2, .unit = true, .n_mean = 1,
                    .mean = {0.5f}, .n_std = 1, .std = {0.5f}, .pad_width = 6};
    int64_t dims[3];
    qrc_err e = {0};
    assert_int_equal(image_prep_row_dims(&p, dims, &e), 0);
    assert_true(dims[0] == 1 && dims[1] == 2 && dims[2] == 6);
    float row[12];
    assert_int_equal(image_preprocess(&p, rgb, 2, 1, row, &e), 0);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 6; x++)
            assert_true(row[y * 6 + x] == (x < 4 ? 1.0f : 0.0f));
    p.pad_width = 3; /* a 4-wide resize is capped at 3 */
    assert_int_equal(image_preprocess(&p, rgb, 2, 1, row, &e), 0);
    image_prep loose = {.resize = IMAGE_RESIZE_SHORTER, .size_w = 8};
    assert_int_equal(image_prep_row_dims(&loose, dims, &e), -1);
    assert_non_null(strstr(e.msg, "crop"));
    char text[160];
    image_prep_describe(&p, text, sizeof text);
    assert_string_equal(text, "gray, resize height 2, unit, mean 0.5, std 0.5, NCHW, pad_width 3");
}

static void make_tree(void)
{
    char p[256];
    const uint8_t px[3] = {1, 2, 3};
    const char *sub[] = {"tree", "tree/b_cat", "tree/a_dog"};
    for (int i = 0; i < 3; i++) {
        path_in(p, sizeof p, sub[i]);
        mkdir(p, 0755);
    }
    write_png("tree/b_cat/1.png", px, 1, 1);
    write_png("tree/b_cat/0.png", px, 1, 1);
    write_png("tree/a_dog/2.png", px, 1, 1);
    write_text("tree/a_dog/notes.txt", "not an image");
}

/* A folder lists its subfolders' images sorted by path; classes are the sorted folder names. */
static void list_and_folder_labels(void **state)
{
    (void)state;
    make_tree();
    image_list l;
    qrc_err e = {0};
    char tree[256];
    path_in(tree, sizeof tree, "tree");
    const char *src[] = {tree};
    assert_int_equal(image_list_expand(src, 1, &l, &e), 0);
    assert_int_equal(l.n, 3);
    assert_non_null(strstr(l.paths[0], "a_dog/2.png"));
    assert_non_null(strstr(l.paths[2], "b_cat/1.png"));
    assert_int_equal(image_list_label_folders(&l, &e), 0);
    assert_true(l.labels[0] == 0 && l.labels[1] == 1 && l.labels[2] == 1);
    assert_string_equal(l.classes[0], "a_dog");
    /* text labels in image order, then CSV labels by file name */
    write_text("labels.txt", "4\n5\n6\n");
    char p[256];
    path_in(p, sizeof p, "labels.txt");
    assert_int_equal(image_list_label_file(&l, p, &e), 0);
    assert_true(l.labels[0] == 4 && l.labels[2] == 6);
    write_text("labels.csv", "file,label\n0.png,7\n1.png,8\n2.png,9\n");
    path_in(p, sizeof p, "labels.csv");
    assert_int_equal(image_list_label_file(&l, p, &e), 0);
    assert_true(l.labels[0] == 9 && l.labels[1] == 7 && l.labels[2] == 8);
    write_text("short.txt", "1\n2\n");
    path_in(p, sizeof p, "short.txt");
    assert_int_equal(image_list_label_file(&l, p, &e), -1);
    assert_non_null(strstr(e.msg, "no label for"));
    write_text("bad.txt", "1\nseven\n3\n");
    path_in(p, sizeof p, "bad.txt");
    assert_int_equal(image_list_label_file(&l, p, &e), -1);
    assert_non_null(strstr(e.msg, "bad.txt:2"));
    image_list_free(&l);
    /* a glob matching no image is an error naming it */
    char pat[256];
    path_in(pat, sizeof pat, "*.jpeg");
    const char *none[] = {pat};
    assert_int_equal(image_list_expand(none, 1, &l, &e), -1);
    assert_non_null(strstr(e.msg, "*.jpeg"));
    image_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_png),        cmocka_unit_test(channels_scale_normalize),
        cmocka_unit_test(resize_and_crop),   cmocka_unit_test(height_and_padding),
        cmocka_unit_test(list_and_folder_labels),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
