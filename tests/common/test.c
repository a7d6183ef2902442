// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The harness behind test.h.

#include "test.h"

#include "imageio/imageio.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#define MAX_TESTS 512

static struct {
    const char *name;
    TestFn fn;
} tests[MAX_TESTS];
static int n_tests;
static int cur_failed, cur_skipped;
static char skip_reason[512];
static ImzContext *shared_ctx;

void test_register(const char *name, TestFn fn)
{
    if (n_tests < MAX_TESTS) {
        tests[n_tests].name = name;
        tests[n_tests].fn = fn;
        n_tests++;
    }
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    if (cur_failed < 20) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "  %s:%d: ", file, line);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    cur_failed++;
}

void test_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(skip_reason, sizeof skip_reason, fmt, ap);
    va_end(ap);
    cur_skipped = 1;
}

int test_failed_now(void)
{
    return cur_failed;
}

ImzContext *test_ctx(void)
{
    if (!shared_ctx && imz_context_create(&shared_ctx, NULL) != IMZ_OK) {
        fprintf(stderr, "cannot create context\n");
        exit(1);
    }
    return shared_ctx;
}

const char *test_data_dir(const char *sub)
{
    static char path[8][1024];
    static int slot;
    char *p = path[slot++ & 7];
    const char *env = getenv("IMZ_SHARED_DATA");
    if (env)
        snprintf(p, 1024, "%s/%s", env, sub);
    else
        snprintf(p, 1024, "%s/../shared/data/%s", IMZ_SOURCE_DIR, sub);
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode) ? p : NULL;
}

const char *test_sample(const char *name)
{
    static char path[8][1024];
    static int slot;
    char *p = path[slot++ & 7];
    snprintf(p, 1024, "%s/tests/data/%s", IMZ_SOURCE_DIR, name);
    return p;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int test_list_png(const char *dir, char **names, int max)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t l = strlen(e->d_name);
        if (l > 4 && !strcmp(e->d_name + l - 4, ".png")) {
            size_t sz = strlen(dir) + l + 2;
            names[n] = malloc(sz);
            snprintf(names[n], sz, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    return n;
}

static uint32_t xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

int test_make_image(ImzImage *img, const char *kind, uint32_t w, uint32_t h, int channels,
                    int depth, uint32_t seed)
{
    int st = imz_image_alloc(test_ctx(), img, w, h, channels, depth);
    if (st)
        return st;
    uint32_t maxv = (1u << depth) - 1, s = seed * 2654435761u + 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < channels; c++) {
                uint32_t v;
                if (!strcmp(kind, "noise"))
                    v = xorshift(&s) & maxv;
                else if (!strcmp(kind, "gradient"))
                    v = (uint32_t)(((uint64_t)(x + y + (uint32_t)c * 7) * maxv) / (w + h + 20));
                else if (!strcmp(kind, "constant"))
                    v = (seed + (uint32_t)c * 37) & maxv;
                else if (!strcmp(kind, "checker"))
                    v = ((x / 4 + y / 4) & 1) ? maxv : 0;
                else /* extremes */
                    v = (xorshift(&s) & 1) ? maxv : 0;
                img->data[((size_t)y * w + x) * channels + c] = (uint16_t)v;
            }
    return 0;
}

int test_images_equal(const ImzImage *a, const ImzImage *b)
{
    if (a->width != b->width || a->height != b->height || a->channels != b->channels ||
        a->bit_depth != b->bit_depth)
        return 0;
    size_t n = (size_t)a->width * a->height * a->channels;
    return memcmp(a->data, b->data, n * sizeof(uint16_t)) == 0;
}

int test_load_image(const char *path, ImzImage *img)
{
    memset(img, 0, sizeof *img);
    FILE *f = fopen(path, "rb");
    if (!f) {
        test_fail(__FILE__, __LINE__, "%s: cannot open", path);
        return -1;
    }
    uint8_t *data = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 20;
            data = realloc(data, cap);
        }
        got = fread(data + len, 1, cap - len, f);
        len += got;
    } while (got > 0);
    fclose(f);
    char err[256] = "";
    int st = imz_read_image(test_ctx(), data, len, img, err, sizeof err);
    free(data);
    if (st != IMZ_OK)
        test_fail(__FILE__, __LINE__, "%s: %s", path, err);
    return st;
}

size_t test_roundtrip(const ImzImage *img, const char *codec, const ImzOption *opts, int n_opts,
                      ImzImage *out)
{
    ImzContext *ctx = test_ctx();
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len = 0, len2 = 0;
    memset(out, 0, sizeof *out);
    if (imz_encode(ctx, img, codec, opts, n_opts, &buf, &len) != IMZ_OK) {
        test_fail(__FILE__, __LINE__, "%s: encode %ux%ux%d@%d: %s", codec, img->width, img->height,
                  img->channels, img->bit_depth, imz_last_error(ctx));
        return 0;
    }
    if (imz_encode(ctx, img, codec, opts, n_opts, &buf2, &len2) != IMZ_OK || len2 != len ||
        memcmp(buf, buf2, len))
        test_fail(__FILE__, __LINE__, "%s: encoding the same image twice differs", codec);
    imz_free(ctx, buf2);
    int st = imz_decode(ctx, buf, len, out);
    if (st != IMZ_OK)
        test_fail(__FILE__, __LINE__, "%s: decode: %s", codec, imz_last_error(ctx));
    imz_free(ctx, buf);
    if (st == IMZ_OK && (out->width != img->width || out->height != img->height ||
                         out->channels != img->channels || out->bit_depth != img->bit_depth))
        test_fail(__FILE__, __LINE__, "%s: decoded shape differs", codec);
    return st == IMZ_OK ? len : 0;
}

double test_psnr(const ImzImage *a, const ImzImage *b)
{
    ImzMetrics m;
    if (imz_compare(test_ctx(), a, b, &m) != IMZ_OK)
        return -1;
    return m.psnr_all;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    const char *only = argc > 1 ? argv[1] : NULL;
    for (int i = 0; i < n_tests; i++) {
        if (only && !strstr(tests[i].name, only))
            continue;
        cur_failed = cur_skipped = 0;
        tests[i].fn();
        if (cur_failed) {
            printf("FAIL %s\n", tests[i].name);
            failed++;
        } else if (cur_skipped) {
            printf("skip %s: %s\n", tests[i].name, skip_reason);
            skipped++;
        } else {
            printf("ok   %s\n", tests[i].name);
            passed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    imz_context_destroy(shared_ctx);
    return failed ? 1 : 0;
}

int test_for_each_image(const char *sub,
                        void (*fn)(const char *path, const ImzImage *img, void *arg), void *arg)
{
    const char *dir = test_data_dir(sub);
    if (!dir) {
        test_skip("../shared/data/%s not found (set IMZ_SHARED_DATA)", sub);
        return -1;
    }
    char *names[64];
    int n = test_list_png(dir, names, 64);
    if (!n) {
        test_skip("no PNG files in %s", dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        ImzImage img = {0};
        if (test_load_image(names[i], &img))
            test_fail(__FILE__, __LINE__, "cannot read %s", names[i]);
        else
            fn(names[i], &img, arg);
        imz_image_free(test_ctx(), &img);
        free(names[i]);
    }
    return n;
}
