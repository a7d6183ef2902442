// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Tests for imz_compare and imz_ssim_channel: exact MSE/PSNR on constructed pairs, the peak for
// each bit depth, argument checks, SSIM against a direct (unseparated) evaluation of the same
// formula on awkward sizes, and SSIM against scikit-image on photos, scans and synthetic pairs
// through tests/data/ssim_ref.py.

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "imageio/imageio.h"
#include "test.h"

#define PYTHON "/usr/bin/python3"

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static int load_image(const char *path, ImzImage *img)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
    size_t got = buf ? fread(buf, 1, (size_t)len, f) : 0;
    fclose(f);
    char err[256];
    int st = got == (size_t)len ? imz_read_image(test_ctx(), buf, got, img, err, sizeof err) : -1;
    if (st < 0)
        fprintf(stderr, "  cannot read %s: %s\n", path, st == -1 ? "I/O error" : err);
    free(buf);
    return st;
}

static int copy_image(const ImzImage *src, ImzImage *dst)
{
    int st =
        imz_image_alloc(test_ctx(), dst, src->width, src->height, src->channels, src->bit_depth);
    if (st == IMZ_OK)
        memcpy(dst->data, src->data,
               (size_t)src->width * src->height * src->channels * sizeof(uint16_t));
    return st;
}

/* Distortions that give SSIM values spread over (0, 1). */
static void add_noise(ImzImage *img, int amplitude, uint32_t seed)
{
    int maxv = (1 << img->bit_depth) - 1;
    size_t n = (size_t)img->width * img->height * img->channels;
    for (size_t i = 0; i < n; i++) {
        int v = img->data[i] + (int)(rng_next(&seed) % (2u * amplitude + 1)) - amplitude;
        img->data[i] = (uint16_t)(v < 0 ? 0 : v > maxv ? maxv : v);
    }
}

static void quantise(ImzImage *img, int shift)
{
    size_t n = (size_t)img->width * img->height * img->channels;
    int maxv = (1 << img->bit_depth) - 1;
    for (size_t i = 0; i < n; i++) {
        int v = ((img->data[i] >> shift) << shift) + (1 << (shift - 1));
        img->data[i] = (uint16_t)(v > maxv ? maxv : v);
    }
}

/* 3x3 box blur, edges clamped. */
static void blur(const ImzImage *src, ImzImage *dst)
{
    int w = (int)src->width, h = (int)src->height, ch = src->channels;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < ch; c++) {
                int sum = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++) {
                        int sx = x + dx < 0 ? 0 : x + dx >= w ? w - 1 : x + dx;
                        int sy = y + dy < 0 ? 0 : y + dy >= h ? h - 1 : y + dy;
                        sum += src->data[((size_t)sy * w + sx) * ch + c];
                    }
                dst->data[((size_t)y * w + x) * ch + c] = (uint16_t)((sum + 4) / 9);
            }
}

TEST(identical_images)
{
    ImzImage a = {0};
    REQUIRE(test_make_image(&a, "noise", 67, 41, 3, 8, 5) == IMZ_OK);
    ImzMetrics m;
    REQUIRE(imz_compare(test_ctx(), &a, &a, &m) == IMZ_OK);
    for (int c = 0; c < 3; c++) {
        CHECK(m.mse[c] == 0);
        CHECK(isinf(m.psnr[c]) && m.psnr[c] > 0);
    }
    CHECK(m.mse_all == 0);
    CHECK(isinf(m.psnr_all) && m.psnr_all > 0);
    CHECK(isinf(m.psnr_y) && m.psnr_y > 0);
    CHECK_MSG(fabs(m.ssim - 1) < 1e-12, "ssim %.15f", m.ssim);
    CHECK(m.peak == 255);
    imz_image_free(test_ctx(), &a);
}

TEST(known_mse)
{
    ImzImage a = {0}, b = {0};
    REQUIRE(test_make_image(&a, "gradient", 40, 30, 3, 8, 1) == IMZ_OK);
    REQUIRE(test_make_image(&b, "gradient", 40, 30, 3, 8, 1) == IMZ_OK);
    /* Channel 0 off by +2 everywhere, channel 1 by -4, channel 2 exact. */
    for (size_t i = 0; i < (size_t)40 * 30; i++) {
        a.data[i * 3] = (uint16_t)(a.data[i * 3] % 200 + 10);
        a.data[i * 3 + 1] = (uint16_t)(a.data[i * 3 + 1] % 200 + 10);
        b.data[i * 3] = (uint16_t)(a.data[i * 3] + 2);
        b.data[i * 3 + 1] = (uint16_t)(a.data[i * 3 + 1] - 4);
        b.data[i * 3 + 2] = a.data[i * 3 + 2];
    }
    ImzMetrics m;
    REQUIRE(imz_compare(test_ctx(), &a, &b, &m) == IMZ_OK);
    CHECK(m.mse[0] == 4 && m.mse[1] == 16 && m.mse[2] == 0);
    CHECK(fabs(m.mse_all - 20.0 / 3) < 1e-12);
    CHECK(fabs(m.psnr[0] - 10 * log10(255.0 * 255 / 4)) < 1e-9);
    CHECK(fabs(m.psnr[1] - 10 * log10(255.0 * 255 / 16)) < 1e-9);
    CHECK(isinf(m.psnr[2]));
    CHECK(fabs(m.psnr_all - 10 * log10(255.0 * 255 / (20.0 / 3))) < 1e-9);
    /* Y difference 0.299 * 2 + 0.587 * -4 = -1.75 at every pixel. */
    CHECK_MSG(fabs(m.psnr_y - 10 * log10(255.0 * 255 / (1.75 * 1.75))) < 1e-9, "psnr_y %f",
              m.psnr_y);
    CHECK(m.ssim < 1 && m.ssim > 0.5);
    imz_image_free(test_ctx(), &a);
    imz_image_free(test_ctx(), &b);
}

TEST(peak_per_depth)
{
    const int depths[] = {1, 4, 8, 10, 12, 16};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        int d = depths[i];
        ImzImage a = {0}, b = {0};
        REQUIRE(test_make_image(&a, "constant", 16, 16, 1, d, 0) == IMZ_OK);
        REQUIRE(test_make_image(&b, "constant", 16, 16, 1, d, 1) == IMZ_OK);
        ImzMetrics m;
        REQUIRE(imz_compare(test_ctx(), &a, &b, &m) == IMZ_OK);
        double peak = (double)((1u << d) - 1);
        CHECK_MSG(m.peak == peak, "depth %d: peak %g", d, m.peak);
        CHECK(m.mse_all == 1);
        CHECK_MSG(fabs(m.psnr_all - 20 * log10(peak)) < 1e-9, "depth %d: psnr %f", d, m.psnr_all);
        CHECK(m.psnr_y == m.psnr_all);
        imz_image_free(test_ctx(), &a);
        imz_image_free(test_ctx(), &b);
    }
    CHECK(fabs(20 * log10(65535.0) - 96.3294) < 1e-4);
}

TEST(mixed_depths_and_shapes)
{
    ImzContext *ctx = test_ctx();
    ImzImage a8 = {0}, b4 = {0}, c16 = {0}, d4ch = {0}, e = {0};
    REQUIRE(test_make_image(&a8, "noise", 20, 10, 3, 8, 1) == IMZ_OK);
    REQUIRE(test_make_image(&b4, "noise", 20, 10, 3, 4, 2) == IMZ_OK);
    REQUIRE(test_make_image(&c16, "noise", 20, 10, 3, 16, 3) == IMZ_OK);
    REQUIRE(test_make_image(&d4ch, "noise", 20, 10, 4, 8, 4) == IMZ_OK);
    REQUIRE(test_make_image(&e, "noise", 21, 10, 3, 8, 5) == IMZ_OK);
    ImzMetrics m;
    CHECK(imz_compare(ctx, &a8, &b4, &m) == IMZ_OK);
    CHECK(m.peak == 255);
    CHECK(imz_compare(ctx, &a8, &c16, &m) == IMZ_ERR_INVALID_ARG);
    CHECK(strstr(imz_last_error(ctx), "bit depth") != NULL);
    CHECK(imz_compare(ctx, &a8, &d4ch, &m) == IMZ_ERR_INVALID_ARG);
    CHECK_MSG(!strcmp(imz_last_error(ctx), "images differ in shape: 20x10x3 vs 20x10x4"), "%s",
              imz_last_error(ctx));
    CHECK(imz_compare(ctx, &a8, &e, &m) == IMZ_ERR_INVALID_ARG);
    CHECK(strstr(imz_last_error(ctx), "images differ in shape: 20x10x3 vs 21x10x3") != NULL);
    double s;
    CHECK(imz_ssim_channel(ctx, &a8, &d4ch, 3, 255, &s) == IMZ_ERR_INVALID_ARG);
    CHECK(imz_ssim_channel(ctx, &a8, &d4ch, 2, 0, &s) == IMZ_ERR_INVALID_ARG);
    CHECK(imz_ssim_channel(ctx, &a8, &d4ch, 2, 255, &s) == IMZ_OK);
    /* Alpha is left out of luma: a change only in alpha leaves psnr_y infinite. */
    ImzImage f = {0};
    REQUIRE(copy_image(&d4ch, &f) == IMZ_OK);
    f.data[3] ^= 1;
    CHECK(imz_compare(ctx, &d4ch, &f, &m) == IMZ_OK);
    CHECK(isinf(m.psnr_y) && !isinf(m.psnr_all) && isinf(m.psnr[0]) && !isinf(m.psnr[3]));
    ImzImage *imgs[] = {&a8, &b4, &c16, &d4ch, &e, &f};
    for (size_t i = 0; i < sizeof imgs / sizeof *imgs; i++)
        imz_image_free(ctx, imgs[i]);
}

/* SSIM straight from the definition: 2-D weighted window sums per pixel, mirrored indices,
 * no separation and no streaming. */
static size_t mirror(long i, size_t n)
{
    long p = 2 * (long)n;
    i %= p;
    if (i < 0)
        i += p;
    return (size_t)(i < (long)n ? i : p - 1 - i);
}

static double direct_ssim(const ImzImage *a, const ImzImage *b, int c, double peak)
{
    double g[11], sum = 0;
    for (int k = 0; k < 11; k++)
        sum += g[k] = exp(-0.5 * (k - 5) * (k - 5) / 2.25);
    size_t w = a->width, h = a->height, ch = a->channels;
    size_t x0 = w >= 11 ? 5 : 0, y0 = h >= 11 ? 5 : 0;
    double c1 = (0.01 * peak) * (0.01 * peak), c2 = (0.03 * peak) * (0.03 * peak), total = 0;
    for (size_t y = y0; y < h - y0; y++)
        for (size_t x = x0; x < w - x0; x++) {
            double ma = 0, mb = 0, maa = 0, mbb = 0, mab = 0;
            for (int dy = 0; dy < 11; dy++)
                for (int dx = 0; dx < 11; dx++) {
                    size_t sy = mirror((long)y + dy - 5, h), sx = mirror((long)x + dx - 5, w);
                    double wt = g[dy] * g[dx] / (sum * sum);
                    double va = a->data[(sy * w + sx) * ch + c],
                           vb = b->data[(sy * w + sx) * ch + c];
                    ma += wt * va;
                    mb += wt * vb;
                    maa += wt * va * va;
                    mbb += wt * vb * vb;
                    mab += wt * va * vb;
                }
            double va = maa - ma * ma, vb = mbb - mb * mb, vab = mab - ma * mb;
            total +=
                (2 * ma * mb + c1) * (2 * vab + c2) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
        }
    return total / ((double)(w - 2 * x0) * (double)(h - 2 * y0));
}

TEST(ssim_matches_direct_formula)
{
    const uint32_t sizes[][2] = {{1, 1},  {3, 2},  {5, 7},   {10, 10}, {11, 11},
                                 {12, 3}, {1, 40}, {37, 23}, {64, 13}, {13, 64}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uint32_t w = sizes[i][0], h = sizes[i][1];
        ImzImage a = {0}, b = {0};
        REQUIRE(test_make_image(&a, "noise", w, h, 2, 8, (uint32_t)i + 1) == IMZ_OK);
        REQUIRE(copy_image(&a, &b) == IMZ_OK);
        add_noise(&b, 40, (uint32_t)i + 100);
        for (int c = 0; c < 2; c++) {
            double s, ref = direct_ssim(&a, &b, c, 255);
            REQUIRE(imz_ssim_channel(test_ctx(), &a, &b, c, 255, &s) == IMZ_OK);
            CHECK_MSG(fabs(s - ref) < 1e-9, "%ux%u channel %d: %.12f vs direct %.12f", w, h, c, s,
                      ref);
        }
        imz_image_free(test_ctx(), &a);
        imz_image_free(test_ctx(), &b);
    }
}

/* ---- Agreement with scikit-image -------------------------------------------------------- */

static int write_file(const char *path, const ImzImage *img)
{
    uint8_t *data = NULL;
    size_t len = 0;
    char err[256];
    ImzFileFormat fmt = img->channels == 1 || img->channels == 3 ? IMZ_FMT_PNM : IMZ_FMT_PAM;
    if (imz_write_image(img, fmt, &data, &len, err, sizeof err) < 0) {
        fprintf(stderr, "  cannot encode %s: %s\n", path, err);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(data, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    free(data);
    return ok ? 0 : -1;
}

/* Runs the reference script on n pairs of files (paths[2i], paths[2i+1]) with their peaks and
 * stores each pair's mean SSIM in out. Returns 0, 1 if numpy/skimage cannot be imported, or -1. */
static int reference_ssim(char (*paths)[1100], const double *peaks, int n, double *out)
{
    size_t cap = 256 + (size_t)n * 2300, len;
    char *cmd = malloc(cap);
    if (!cmd)
        return -1;
    len = (size_t)snprintf(cmd, cap, PYTHON " '%s'", test_sample("ssim_ref.py"));
    for (int i = 0; i < n && len < cap; i++)
        len += (size_t)snprintf(cmd + len, cap - len, " '%s' '%s' %.17g", paths[2 * i],
                                paths[2 * i + 1], peaks[i]);
    if (len + 8 >= cap) {
        free(cmd);
        return -1;
    }
    strcat(cmd, " 2>&1");
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return -1;
    char line[512];
    int got = 0;
    while (fgets(line, sizeof line, p)) {
        char *end;
        double v = strtod(line, &end);
        if (end != line && got < n)
            out[got++] = v;
        else
            fprintf(stderr, "  ssim_ref.py: %s", line);
    }
    int status = pclose(p);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
        return 1;
    return status == 0 && got == n ? 0 : -1;
}

typedef struct Pair {
    char name[160];
    ImzImage a, b;
    double peak;
} Pair;

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Adds the noisy, blurred and quantised versions of img (which the pairs then own). */
static int add_distorted(Pair *pairs, int n, ImzImage *img, const char *label, double peak)
{
    static const char *const kinds[] = {"noise", "blur", "quantise"};
    for (int k = 0; k < 3; k++) {
        Pair *p = &pairs[n];
        snprintf(p->name, sizeof p->name, "%s + %s (peak %g)", label, kinds[k], peak);
        if (copy_image(img, &p->a) || copy_image(img, &p->b))
            return n;
        if (k == 0)
            add_noise(&p->b, img->bit_depth > 8 ? 600 : 20, 7);
        else if (k == 1)
            blur(img, &p->b);
        else
            quantise(&p->b, img->bit_depth > 8 ? 9 : 4);
        p->peak = peak;
        n++;
    }
    return n;
}

TEST(ssim_matches_skimage)
{
    if (access(PYTHON, X_OK) != 0)
        SKIP(PYTHON " not found: cannot compare SSIM with scikit-image");
    char dir[] = "/tmp/imz_test_metrics_XXXXXX";
    if (!mkdtemp(dir))
        SKIP("cannot create a temporary directory");

    Pair pairs[16];
    int n = 0;
    memset(pairs, 0, sizeof pairs);
    ImzImage img = {0};
    char *names[32];

    const char *kodak = test_data_dir("kodak");
    int n_kodak = kodak ? test_list_png(kodak, names, 32) : 0;
    if (n_kodak > 4) {
        if (load_image(names[4], &img) == IMZ_OK)
            n = add_distorted(pairs, n, &img, strrchr(names[4], '/') + 1, 255);
        imz_image_free(test_ctx(), &img);
    } else {
        fprintf(stderr, "  no Kodak images (../shared/data/kodak): using the sample crop only\n");
    }
    if (load_image(test_sample("kodim23_crop.png"), &img) == IMZ_OK)
        n = add_distorted(pairs, n, &img, "kodim23_crop.png", 255);
    imz_image_free(test_ctx(), &img);
    if (load_image(test_sample("ct16_crop.png"), &img) == IMZ_OK) {
        n = add_distorted(pairs, n, &img, "ct16_crop.png", (double)((1u << img.bit_depth) - 1));
        /* The scan uses 12 of its 16 bits: a 4095 data range gives SSIM away from 1. */
        Pair *p = &pairs[n];
        snprintf(p->name, sizeof p->name, "ct16_crop.png + noise (peak 4095)");
        if (copy_image(&img, &p->a) == IMZ_OK && copy_image(&img, &p->b) == IMZ_OK) {
            add_noise(&p->b, 300, 9);
            p->peak = 4095;
            n++;
        }
    }
    imz_image_free(test_ctx(), &img);
    for (int i = 0; i < n_kodak; i++)
        free(names[i]);
    /* One 16-bit scan, compared with the full 16-bit data range. */
    const char *gray16 = test_data_dir("gray16");
    int n16 = gray16 ? test_list_png(gray16, names, 32) : 0;
    for (int i = 0; i < n16; i++) {
        if (!img.data && strstr(names[i], "256x256") && load_image(names[i], &img) == IMZ_OK) {
            Pair *p = &pairs[n];
            snprintf(p->name, sizeof p->name, "%s + noise (peak 65535)",
                     strrchr(names[i], '/') + 1);
            if (copy_image(&img, &p->a) == IMZ_OK && copy_image(&img, &p->b) == IMZ_OK) {
                add_noise(&p->b, 2000, 11);
                p->peak = 65535;
                n++;
            }
        }
    }
    imz_image_free(test_ctx(), &img);
    for (int i = 0; i < n16; i++)
        free(names[i]);
    if (!gray16)
        fprintf(stderr, "  no 16-bit scans (../shared/data/gray16): using the sample crop only\n");
    /* Synthetic RGBA (written as PAM) with an odd size. */
    Pair *p = &pairs[n];
    snprintf(p->name, sizeof p->name, "synthetic 97x61 RGBA gradient vs noisy");
    if (test_make_image(&p->a, "gradient", 97, 61, 4, 8, 3) == IMZ_OK &&
        test_make_image(&p->b, "gradient", 97, 61, 4, 8, 3) == IMZ_OK) {
        add_noise(&p->b, 30, 13);
        p->peak = 255;
        n++;
    }

    static char paths[2 * 16][1100];
    double peaks[16], ours[16], ms[16], ref[16];
    for (int i = 0; i < n; i++) {
        const char *ext = pairs[i].a.channels == 1 || pairs[i].a.channels == 3 ? "pnm" : "pam";
        snprintf(paths[2 * i], sizeof paths[0], "%s/a_%d.%s", dir, i, ext);
        snprintf(paths[2 * i + 1], sizeof paths[0], "%s/b_%d.%s", dir, i, ext);
        CHECK_MSG(write_file(paths[2 * i], &pairs[i].a) == 0 &&
                      write_file(paths[2 * i + 1], &pairs[i].b) == 0,
                  "%s: cannot write the pair", pairs[i].name);
        peaks[i] = pairs[i].peak;

        ImzMetrics m;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int st = imz_compare(test_ctx(), &pairs[i].a, &pairs[i].b, &m);
        ms[i] = elapsed_ms(&t0);
        CHECK_MSG(st == IMZ_OK, "%s: %s", pairs[i].name, imz_last_error(test_ctx()));
        ours[i] = m.ssim;
        if (pairs[i].peak != m.peak) { /* a data range other than the bit depth's */
            ours[i] = 0;
            for (int c = 0; c < pairs[i].a.channels; c++) {
                double s = 0;
                CHECK(imz_ssim_channel(test_ctx(), &pairs[i].a, &pairs[i].b, c, pairs[i].peak,
                                       &s) == IMZ_OK);
                ours[i] += s / pairs[i].a.channels;
            }
        }
    }

    int rs = reference_ssim(paths, peaks, n, ref);
    CHECK_MSG(rs != -1, "reference script failed");
    for (int i = 0; i < n && rs == 0; i++) {
        CHECK_MSG(fabs(ours[i] - ref[i]) < 1e-3, "%s: SSIM %.6f, scikit-image %.6f", pairs[i].name,
                  ours[i], ref[i]);
        char shape[48];
        snprintf(shape, sizeof shape, "%ux%ux%d", pairs[i].a.width, pairs[i].a.height,
                 pairs[i].a.channels);
        printf("  %-56s %-10s SSIM %.6f  skimage %.6f  compare %.1f ms\n", pairs[i].name, shape,
               ours[i], ref[i], ms[i]);
    }
    for (int i = 0; i < n; i++) {
        remove(paths[2 * i]);
        remove(paths[2 * i + 1]);
        imz_image_free(test_ctx(), &pairs[i].a);
        imz_image_free(test_ctx(), &pairs[i].b);
    }
    rmdir(dir);
    if (rs == 1)
        SKIP("numpy/scikit-image cannot be imported by " PYTHON);
    CHECK(n >= 5);
}
