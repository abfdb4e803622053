/* list.c — the images a recipe names (folders, subfolders, globs) in a fixed order, and their labels. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "image/image.h"

static bool has_image_ext(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

static bool is_dir(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISDIR(st.st_mode);
}

bool image_is_image_source(const char *path)
{
    return has_image_ext(path) || is_dir(path);
}

typedef struct growing {
    image_list *l;
    int64_t cap;
} growing;

static int push(growing *g, const char *path, qrc_err *e)
{
    image_list *l = g->l;
    if (l->n == g->cap) {
        int64_t cap = g->cap ? 2 * g->cap : 256;
        const char **p = realloc(l->paths, sizeof *p * (size_t)cap);
        if (!p)
            return err_set(e, "out of memory listing images");
        l->paths = p;
        g->cap = cap;
    }
    l->paths[l->n++] = arena_strdup(&l->mem, path);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Image files of dir and of its subfolders (one level and deeper), sorted by path. */
static int add_dir(growing *g, const char *dir, int depth, qrc_err *e)
{
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, "%s: cannot read folder (%s)", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (struct dirent *de; (de = readdir(d));) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, sizeof *names * cap);
            if (!grown) {
                rc = err_set(e, "out of memory listing %s", dir);
                break;
            }
            names = grown;
        }
        names[n++] = arena_printf(&g->l->mem, "%s/%s", dir, de->d_name);
    }
    closedir(d);
    if (n) /* names is NULL for an empty folder */
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; !rc && i < n; i++) {
        if (is_dir(names[i]))
            rc = depth < 8 ? add_dir(g, names[i], depth + 1, e) : 0;
        else if (has_image_ext(names[i]))
            rc = push(g, names[i], e);
    }
    free(names);
    return rc;
}

static int add_glob(growing *g, const char *pattern, qrc_err *e)
{
    glob_t gl;
    if (glob(pattern, 0, NULL, &gl))
        return 0; /* matched nothing: reported by the caller */
    int rc = 0;
    for (size_t i = 0; !rc && i < gl.gl_pathc; i++)
        if (has_image_ext(gl.gl_pathv[i]))
            rc = push(g, gl.gl_pathv[i], e);
    globfree(&gl);
    return rc;
}

int image_list_expand(const char *const *sources, int n, image_list *out, qrc_err *e)
{
    memset(out, 0, sizeof *out);
    growing g = {out, 0};
    for (int i = 0; i < n; i++) {
        int64_t before = out->n;
        if ((is_dir(sources[i]) ? add_dir(&g, sources[i], 0, e) : add_glob(&g, sources[i], e)))
            return -1;
        if (out->n == before)
            return err_set(e, "no .png or .jpg image in \"%s\"", sources[i]);
    }
    return 0;
}

/* The parent folder's name of path, into buf. */
static const char *parent_name(const char *path, char *buf, size_t n)
{
    const char *slash = strrchr(path, '/');
    size_t end = slash ? (size_t)(slash - path) : 0;
    size_t start = end;
    while (start > 0 && path[start - 1] != '/')
        start--;
    snprintf(buf, n, "%.*s", (int)(end - start), path + start);
    return buf;
}

static int class_of(const image_list *l, const char *name)
{
    for (int c = 0; c < l->n_classes; c++)
        if (!strcmp(l->classes[c], name))
            return c;
    return -1;
}

static int alloc_labels(image_list *l, qrc_err *e)
{
    free(l->labels);
    l->labels = calloc((size_t)(l->n ? l->n : 1), sizeof *l->labels);
    return l->labels ? 0 : err_set(e, "out of memory");
}

int image_list_label_folders(image_list *l, qrc_err *e)
{
    char buf[4096];
    if (alloc_labels(l, e))
        return -1;
    const char **names = arena_alloc(&l->mem, sizeof *names * (size_t)(l->n ? l->n : 1));
    l->classes = names;
    for (int64_t i = 0; i < l->n; i++)
        if (class_of(l, parent_name(l->paths[i], buf, sizeof buf)) < 0)
            names[l->n_classes++] = arena_strdup(&l->mem, buf);
    qsort(names, (size_t)l->n_classes, sizeof *names, cmp_str);
    if (l->n_classes < 2)
        return err_set(e, "labels from folders: the images sit in %d folder(s); put each class in a subfolder of its "
                          "own (e.g. data/test/0_tshirt/*.png)", l->n_classes);
    for (int64_t i = 0; i < l->n; i++)
        l->labels[i] = class_of(l, parent_name(l->paths[i], buf, sizeof buf));
    return 0;
}

/* A trailing integer of a line (after the last comma, if any). */
static bool trailing_int(const char *s, long long *v)
{
    const char *comma = strrchr(s, ',');
    const char *p = comma ? comma + 1 : s;
    while (isspace((unsigned char)*p))
        p++;
    char *end;
    errno = 0;
    *v = strtoll(p, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    return end != p && !*end && !errno;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Applies one "file,label" line: every image of that file name gets the label. */
static int apply_csv_line(image_list *l, char *line, long long v, bool *seen, qrc_err *e, const char *path, int ln)
{
    char *comma = strrchr(line, ',');
    *comma = 0;
    const char *file = base_name(line);
    bool any = false;
    for (int64_t i = 0; i < l->n; i++)
        if (!strcmp(base_name(l->paths[i]), file)) {
            l->labels[i] = v;
            seen[i] = any = true;
        }
    return any ? 0 : err_set(e, "%s:%d: \"%s\" is not one of the images", path, ln, file);
}

int image_list_label_file(image_list *l, const char *path, qrc_err *e)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return err_set(e, "%s: cannot open labels (%s)", path, strerror(errno));
    bool *seen = calloc((size_t)(l->n ? l->n : 1), sizeof *seen);
    int rc = seen ? alloc_labels(l, e) : err_set(e, "out of memory");
    char line[4096];
    int64_t next = 0;
    for (int ln = 1; !rc && fgets(line, sizeof line, fp); ln++) {
        line[strcspn(line, "\r\n")] = 0;
        long long v;
        if (!line[strspn(line, " \t")])
            continue;
        if (!trailing_int(line, &v)) {
            if (ln == 1)
                continue; /* a CSV header */
            rc = err_set(e, "%s:%d: expected a label (an integer), not \"%s\"", path, ln, line);
        } else if (strchr(line, ',')) {
            rc = apply_csv_line(l, line, v, seen, e, path, ln);
        } else if (next >= l->n) {
            rc = err_set(e, "%s:%d: more labels than the %lld images", path, ln, (long long)l->n);
        } else {
            l->labels[next] = v;
            seen[next++] = true;
        }
    }
    for (int64_t i = 0; !rc && i < l->n; i++)
        if (!seen[i])
            rc = err_set(e, "%s: no label for %s", path, l->paths[i]);
    free(seen);
    fclose(fp);
    return rc;
}

void image_list_free(image_list *l)
{
    free(l->paths);
    free(l->labels);
    arena_free(&l->mem);
    memset(l, 0, sizeof *l);
}
