// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz analyze`: how compressible an image is. It puts the order-0 entropy of the samples next to
// the entropy of each predictor's residuals and the size the delta codec actually reaches with
// that predictor, so the gap between model and coder is visible. With --out it also writes the
// histograms (SVG) and the residual images (PNG, mid-grey = zero residual). With --dct it shows
// why transform coding works: how much of each 8x8 block's energy its few largest DCT
// coefficients hold, next to what the plain reductions (fewer bits per sample, fewer pixels) cost
// in quality for the size they save.

#define _XOPEN_SOURCE 700

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "plot.h"

static void analyze_usage(void)
{
    printf(
        "Usage: imz analyze [options] IMG\n"
        "Prints the dimensions, raw size and order-0 entropy of IMG ('-' = stdin), then for\n"
        "each predictor the entropy of its residuals and the size the 'delta' codec reaches\n"
        "with it (whole .imz file, in bits per pixel).\n"
        "\n"
        "Options:\n"
        "  --out DIR        also write DIR/histogram.svg, DIR/residual_<pred>_histogram.svg and\n"
        "                   DIR/residual_<pred>.png (DIR is created if needed)\n"
        "  -f, --force      overwrite files in DIR\n"
        "  -j, --threads N  worker threads for the trial encodes\n"
        "  --max-pixels N   refuse images with more than N pixels\n"
        "  --dct            also print the energy compaction of the 8x8 DCT on the luma plane\n"
        "                   (mean share of each block's energy in its k largest coefficients)\n"
        "                   and the size and quality of requant --bits 5/4/2 and downsample\n"
        "                   --factor 2 for comparison\n"
        "  -q, --quiet      print only the tables\n"
        "  -h, --help       show this help\n");
}

/* mkdir -p: creates dir and its missing parents. */
static int make_dirs(const char *dir)
{
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path)
        return imz_cli_error(dir, "invalid directory name");
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char c = path[i];
        path[i] = '\0';
        struct stat st;
        if (stat(path, &st) != 0) {
            if (mkdir(path, 0777) != 0 && errno != EEXIST)
                return imz_cli_error(path, "cannot create directory: %s", strerror(errno));
        } else if (!S_ISDIR(st.st_mode)) {
            return imz_cli_error(path, "not a directory");
        }
        path[i] = c;
    }
    return 0;
}

/* Histogram of all samples, one bin per value (the plot merges bins of deep images). */
static uint64_t *histogram(const ImzImage *img, int *n_bins)
{
    int bins = 1 << img->bit_depth;
    uint64_t *counts = calloc((size_t)bins, sizeof *counts);
    if (!counts)
        return NULL;
    size_t n = (size_t)img->width * img->height * img->channels;
    for (size_t i = 0; i < n; i++)
        counts[img->data[i]]++;
    *n_bins = bins;
    return counts;
}

/* Writes a histogram SVG through a temporary file so a failure never leaves half a plot.
 * Residual images are stored centred on 2^(depth-1); `centred` labels their axis from the most
 * negative residual so that zero sits at zero. */
static int write_histogram(const ImzImage *img, const char *path, const char *title, int centred,
                           int force)
{
    int n_bins = 0;
    uint64_t *counts = histogram(img, &n_bins);
    if (!counts)
        return imz_cli_error(path, "out of memory");
    int rc = imz_cli_check_output(path, force, NULL, 0);
    char tmp[4096];
    if (!rc)
        rc = imz_cli_temp_create(path, tmp, sizeof tmp);
    if (!rc) {
        char err[256] = "";
        int first = centred ? -(1 << (img->bit_depth - 1)) : 0;
        if (imz_plot_histogram_axis_svg(tmp, title, centred ? "residual" : "sample value", first,
                                        counts, n_bins, centred, err, sizeof err) != 0) {
            imz_cli_temp_abort(tmp);
            rc = imz_cli_error(path, "%s", *err ? err : "cannot write the plot");
        } else {
            rc = imz_cli_temp_commit(tmp, path, force);
        }
    }
    free(counts);
    return rc;
}

/* ---- --dct ------------------------------------------------------------------------------- */

#define DCT_N 8
static const int compaction_k[] = {1, 2, 4, 8, 16, 32};
#define N_COMPACTION ((int)(sizeof compaction_k / sizeof compaction_k[0]))

static int cmp_desc(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a < b) - (a > b);
}

/* Mean over the whole 8x8 blocks of the luma (BT.601 for RGB) or gray plane of the share of the
 * block's energy held by its k largest orthonormal DCT-II coefficients, for each compaction_k.
 * The plane's mean is subtracted first, so that DC measures how far a block sits from the rest of
 * the image rather than from black (JPEG's centring on mid-grey does the same for typical 8-bit
 * images, but not for deep images whose samples use a small part of their range).
 * Returns the number of blocks (0 if the image is smaller than one block). */
static long dct_compaction(const ImzImage *img, double share[N_COMPACTION])
{
    const uint32_t bw = img->width / DCT_N, bh = img->height / DCT_N;
    double c[DCT_N][DCT_N];
    for (int k = 0; k < DCT_N; k++)
        for (int x = 0; x < DCT_N; x++)
            c[k][x] = (k ? sqrt(2.0 / DCT_N) : sqrt(1.0 / DCT_N)) *
                      cos((2.0 * x + 1.0) * k * 3.14159265358979323846 / (2.0 * DCT_N));
    const int ch = img->channels;
    const int rgb = ch >= 3;
    double sum[N_COMPACTION] = {0};
    long blocks = 0;
    double mean = 0.0;
    const size_t n_pix = (size_t)img->width * img->height;
    for (size_t i = 0; i < n_pix; i++) {
        const uint16_t *p = img->data + i * (size_t)ch;
        mean += rgb ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0];
    }
    mean = n_pix ? mean / (double)n_pix : 0.0;
    for (uint32_t by = 0; by < bh; by++) {
        for (uint32_t bx = 0; bx < bw; bx++) {
            double blk[DCT_N][DCT_N], tmp[DCT_N][DCT_N], e[DCT_N * DCT_N];
            for (int y = 0; y < DCT_N; y++) {
                const uint16_t *p =
                    img->data + ((size_t)(by * DCT_N + (uint32_t)y) * img->width + bx * DCT_N) * ch;
                for (int x = 0; x < DCT_N; x++, p += ch)
                    blk[y][x] = (rgb ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0]) - mean;
            }
            for (int y = 0; y < DCT_N; y++) /* rows */
                for (int u = 0; u < DCT_N; u++) {
                    double acc = 0.0;
                    for (int x = 0; x < DCT_N; x++)
                        acc += c[u][x] * blk[y][x];
                    tmp[y][u] = acc;
                }
            double total = 0.0;
            for (int v = 0; v < DCT_N; v++) /* columns */
                for (int u = 0; u < DCT_N; u++) {
                    double acc = 0.0;
                    for (int y = 0; y < DCT_N; y++)
                        acc += c[v][y] * tmp[y][u];
                    e[v * DCT_N + u] = acc * acc;
                    total += acc * acc;
                }
            blocks++;
            if (total <= 0.0) { /* a flat block at the mean: nothing to compact, count it whole */
                for (int i = 0; i < N_COMPACTION; i++)
                    sum[i] += 1.0;
                continue;
            }
            qsort(e, DCT_N * DCT_N, sizeof e[0], cmp_desc);
            double run = 0.0;
            for (int i = 0, k = 0; i < N_COMPACTION; i++) {
                for (; k < compaction_k[i]; k++)
                    run += e[k];
                sum[i] += run / total;
            }
        }
    }
    for (int i = 0; i < N_COMPACTION; i++)
        share[i] = blocks ? sum[i] / (double)blocks : 0.0;
    return blocks;
}

static void format_db(char *buf, size_t len, double db)
{
    if (isinf(db))
        snprintf(buf, len, "inf");
    else
        snprintf(buf, len, "%.2f", db);
}

/* Prints the energy compaction table and the quality of the simple reductions. Returns 0 or the
 * exit status of a printed error. */
static int report_dct(ImzContext *ctx, const ImzImage *img, const char *name)
{
    double share[N_COMPACTION];
    const long blocks = dct_compaction(img, share);
    printf("\nDCT energy compaction (8x8 blocks of the %s plane, mean subtracted)\n",
           img->channels >= 3 ? "luma" : "gray");
    if (blocks == 0) {
        printf("  n/a: the image is smaller than one 8x8 block\n");
    } else {
        printf("%-16s %14s\n", "coefficients", "energy share");
        for (int i = 0; i < N_COMPACTION; i++)
            printf("%-16d %13.2f%%\n", compaction_k[i], 100.0 * share[i]);
        printf("(mean over %ld blocks; 64 coefficients hold 100%%)\n", blocks);
    }

    const double pixels = (double)img->width * img->height;
    const uint64_t raw = imz_cli_raw_bytes(img);
    printf("\nreductions without a transform (raw size %llu bytes)\n", (unsigned long long)raw);
    printf("%-22s %17s %10s %9s %9s %8s\n", "method", "reduction", "bytes", "bpp", "PSNR dB",
           "SSIM");
    static const struct {
        const char *codec, *opt, *value;
    } trials[] = {
        {"requant", "bits", "5"},
        {"requant", "bits", "4"},
        {"requant", "bits", "2"},
        {"downsample", "factor", "2"},
    };
    int rc = 0;
    for (size_t t = 0; t < sizeof trials / sizeof trials[0]; t++) {
        char label[64], cut[48];
        snprintf(label, sizeof label, "%s --%s %s", trials[t].codec, trials[t].opt,
                 trials[t].value);
        const int arg = atoi(trials[t].value);
        if (!strcmp(trials[t].codec, "requant")) {
            int kept = arg < img->bit_depth ? arg : img->bit_depth;
            snprintf(cut, sizeof cut, "%.1f%% fewer bits",
                     100.0 * (1.0 - (double)kept / img->bit_depth));
        } else {
            double small = (double)((img->width + (uint32_t)arg - 1) / (uint32_t)arg) *
                           (double)((img->height + (uint32_t)arg - 1) / (uint32_t)arg);
            snprintf(cut, sizeof cut, "%.1f%% fewer px",
                     pixels > 0 ? 100.0 * (1.0 - small / pixels) : 0.0);
        }
        if (imz_codec_find(trials[t].codec) < 0) {
            printf("%-22s %17s %10s %9s %9s %8s\n", label, cut, "n/a", "n/a", "n/a", "n/a");
            continue;
        }
        ImzOption opt = {trials[t].opt, trials[t].value};
        uint8_t *buf = NULL;
        size_t len = 0;
        ImzImage dec;
        memset(&dec, 0, sizeof dec);
        ImzMetrics m;
        int st = imz_encode(ctx, img, trials[t].codec, &opt, 1, &buf, &len);
        if (st == IMZ_OK)
            st = imz_decode(ctx, buf, len, &dec);
        if (st == IMZ_OK)
            st = imz_compare(ctx, img, &dec, &m);
        if (st == IMZ_OK) {
            char psnr[32];
            format_db(psnr, sizeof psnr, m.psnr_all);
            printf("%-22s %17s %10zu %9.4f %9s %8.4f\n", label, cut, len,
                   pixels > 0 ? (double)len * 8.0 / pixels : 0.0, psnr, m.ssim);
        } else {
            const char *why = imz_last_error(ctx);
            rc = imz_cli_error(name, "%s: %s", label, *why ? why : imz_strerror(st));
        }
        imz_image_free(ctx, &dec);
        imz_free(ctx, buf);
    }
    return rc;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int imz_cmd_analyze(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    const char *dir = NULL;
    const char *in = NULL;
    int dct = 0;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "analyze");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (in)
                return imz_cli_usage_error("analyze", "unexpected argument '%s'", a.arg);
            in = a.arg;
        } else if (imz_args_str(&a, "-o", "--out", &dir)) {
        } else if (imz_args_flag(&a, NULL, "--dct")) {
            dct = 1;
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        analyze_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (!in)
        return imz_cli_usage_error("analyze", "missing IMG");

    ImzCodecInfo delta;
    int have_delta =
        imz_codec_find("delta") >= 0 && imz_codec_info(imz_codec_find("delta"), &delta) == IMZ_OK;

    /* Refuse existing outputs before any work. */
    char path[4096];
    if (dir) {
        if (make_dirs(dir))
            return IMZ_EXIT_FAIL;
        snprintf(path, sizeof path, "%s/histogram.svg", dir);
        if (imz_cli_check_output(path, co.force, &in, 1))
            return IMZ_EXIT_FAIL;
        for (int p = 0; p < IMZ_PRED_COUNT; p++) {
            snprintf(path, sizeof path, "%s/residual_%s_histogram.svg", dir, imz_predictor_name(p));
            if (imz_cli_check_output(path, co.force, &in, 1))
                return IMZ_EXIT_FAIL;
            snprintf(path, sizeof path, "%s/residual_%s.png", dir, imz_predictor_name(p));
            if (imz_cli_check_output(path, co.force, &in, 1))
                return IMZ_EXIT_FAIL;
        }
    }

    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    ImzLoaded src;
    if (imz_cli_load_image(ctx, in, &src)) {
        imz_context_destroy(ctx);
        return IMZ_EXIT_FAIL;
    }
    const ImzImage *img = &src.img;
    const char *name = imz_cli_display_name(in, 0);
    const double pixels = (double)img->width * img->height;
    int rc = 0;
    /* Paths are listed after the table so that it stays readable. */
    char written[2 * IMZ_PRED_COUNT + 1][4096];
    int n_written = 0;

    double entropy = 0.0;
    int st = imz_entropy(ctx, img, &entropy);
    if (st != IMZ_OK) {
        const char *why = imz_last_error(ctx);
        rc = imz_cli_error(name, "%s", *why ? why : imz_strerror(st));
        goto done;
    }
    if (!co.quiet) {
        printf("image        %s: %ux%u, %d channel%s, %d-bit (%s)\n", name, img->width, img->height,
               img->channels, img->channels == 1 ? "" : "s", img->bit_depth,
               imz_cli_format_name(src.format));
        printf("raw size     %llu bytes\n", (unsigned long long)imz_cli_raw_bytes(img));
        printf("entropy      %.4f bits/sample (order 0), %.4f bits/pixel\n", entropy,
               entropy * img->channels);
        printf("\n");
    }
    printf("%-10s %18s %14s %14s %12s\n", "predictor", "residual entropy", "entropy bpp",
           "delta bpp", "delta bytes");

    int best = -1;
    double best_bpp = 0.0;
    for (int p = 0; p < IMZ_PRED_COUNT; p++) {
        const char *pname = imz_predictor_name(p);
        ImzImage res;
        memset(&res, 0, sizeof res);
        double h = 0.0;
        st = imz_residuals(ctx, img, p, &res, &h);
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            rc = imz_cli_error(name, "predictor %s: %s", pname, *why ? why : imz_strerror(st));
            break;
        }

        char coded[32] = "n/a", coded_bytes[32] = "n/a";
        if (have_delta) {
            ImzOption opt = {"predictor", pname};
            uint8_t *buf = NULL;
            size_t len = 0;
            st = imz_encode(ctx, img, "delta", &opt, 1, &buf, &len);
            if (st == IMZ_OK) {
                double bpp = pixels > 0 ? (double)len * 8.0 / pixels : 0.0;
                snprintf(coded, sizeof coded, "%.4f", bpp);
                snprintf(coded_bytes, sizeof coded_bytes, "%zu", len);
                if (best < 0 || bpp < best_bpp) {
                    best = p;
                    best_bpp = bpp;
                }
            } else {
                const char *why = imz_last_error(ctx);
                rc = imz_cli_error(name, "delta codec with predictor %s: %s", pname,
                                   *why ? why : imz_strerror(st));
            }
            imz_free(ctx, buf);
        }
        printf("%-10s %18.4f %14.4f %14s %12s\n", pname, h, h * img->channels, coded, coded_bytes);

        if (dir && !rc) {
            char title[512];
            snprintf(path, sizeof path, "%s/residual_%s_histogram.svg", dir, pname);
            snprintf(title, sizeof title, "%s: residuals of the %s predictor (0 at centre)",
                     base_name(name), pname);
            rc = write_histogram(&res, path, title, 1, co.force);
            if (!rc)
                snprintf(written[n_written++], sizeof written[0], "%s", path);
            snprintf(path, sizeof path, "%s/residual_%s.png", dir, pname);
            if (!rc)
                rc = imz_cli_save_image(&res, IMZ_FMT_PNG, path, co.force, &in, 1);
            if (!rc)
                snprintf(written[n_written++], sizeof written[0], "%s", path);
        }
        imz_image_free(ctx, &res);
        if (rc && dir)
            break;
    }
    if (!co.quiet && best >= 0)
        printf("\nbest predictor: %s (%.4f bpp with the delta codec)\n", imz_predictor_name(best),
               best_bpp);
    if (dir && !rc) {
        char title[512];
        snprintf(path, sizeof path, "%s/histogram.svg", dir);
        snprintf(title, sizeof title, "%s: sample values", base_name(name));
        rc = write_histogram(img, path, title, 0, co.force);
        if (!rc)
            snprintf(written[n_written++], sizeof written[0], "%s", path);
    }
    if (dct && !rc)
        rc = report_dct(ctx, img, name);
    if (n_written && !co.quiet)
        printf("\n");
    for (int i = 0; i < n_written && !co.quiet; i++)
        printf("wrote %s\n", written[i]);
done:
    imz_image_free(ctx, &src.img);
    imz_context_destroy(ctx);
    return rc;
}
