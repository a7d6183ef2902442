// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz analyze`: how compressible an image is. It puts the order-0 entropy of the samples next to
// the entropy of each predictor's residuals and the size the delta codec actually reaches with
// that predictor, so the gap between model and coder is visible. With --out it also writes the
// histograms (SVG) and the residual images (PNG, mid-grey = zero residual). With --dct it shows
// why transform coding works: how much of each 8x8 block's energy its few largest DCT
// coefficients hold, next to what the plain reductions (fewer bits per sample, fewer pixels) cost
// in quality for the size they save. --pca and --palette look at what the pca and palette codecs
// exploit instead: how fast the singular values fall, and which few colours carry the image.

#define _XOPEN_SOURCE 700

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "codec/palette/palette.h"
#include "codec/pca/pca.h"
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
        "  --pca            only the principal components: the explained variance of the first\n"
        "                   K components of each channel's SVD and of the 8x8 block KLT; with\n"
        "                   --out, DIR/pca_spectrum.svg and DIR/pca_explained.svg\n"
        "  --palette        only the k-means palette the 'palette' codec would use (entries\n"
        "                   and their share of the pixels); with --out, DIR/palette.svg\n"
        "  --colors K       palette size for --palette, 2..256 (default 16)\n"
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

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
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

/* ---- --pca ------------------------------------------------------------------------------- */

static const int pca_k[] = {1, 5, 10, 20, 50, 100, 150};
#define N_PCA_K ((int)(sizeof pca_k / sizeof pca_k[0]))
#define KLT_BLOCK 8

static const char *channel_name(int channels, int c)
{
    static const char *const gray[] = {"gray", "alpha"}, *const rgb[] = {"R", "G", "B", "A"};
    return channels <= 2 ? gray[c] : rgb[c];
}

/* Writes a line plot through a temporary file, like write_histogram. */
static int write_lines(const char *path, const char *title, const char *xlabel,
                       const char *ylabel, const ImzPlotSeries *series, int n_series, int log_x,
                       int force)
{
    char tmp[4096];
    int rc = imz_cli_temp_create(path, tmp, sizeof tmp);
    if (rc)
        return rc;
    char err[256] = "";
    if (imz_plot_lines_svg(tmp, title, xlabel, ylabel, series, n_series, log_x, err,
                           sizeof err) != 0) {
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "%s", *err ? err : "cannot write the plot");
    }
    return imz_cli_temp_commit(tmp, path, force);
}

/* The spectra behind the pca codec: per channel, the singular values of the channel as a matrix
 * (what keeping K components of the whole-image SVD keeps), and the eigenvalues of the covariance
 * of 8x8 blocks (the block KLT). Prints the cumulative explained variance at a few K and, with
 * dir, plots the spectra and the cumulative curves. */
static int report_pca(ImzContext *ctx, const ImzImage *img, const char *name, const char *dir,
                      int force, char (*written)[4096], int *n_written)
{
    const int ch = img->channels;
    const int n_sv = (int)(img->width < img->height ? img->width : img->height);
    const int n_eig = KLT_BLOCK * KLT_BLOCK * ch;
    const int n_series = ch + 1; /* the channels, then the block KLT */
    /* per series: values, cumulative share, x (1..n), log10 of the value */
    const size_t stride = (size_t)(n_sv > n_eig ? n_sv : n_eig);
    double *buf = calloc(stride * 4 * (size_t)n_series, sizeof *buf);
    if (!buf)
        return imz_cli_error(name, "out of memory");
    int n[5] = {0};
    int rc = 0, have_klt = 0;
    for (int s = 0; s < n_series && !rc; s++) {
        double *v = buf + stride * 4 * (size_t)s, *cum = v + stride;
        int st = s < ch ? imz_pca_spectrum(ctx, img, s, v, &n[s])
                        : imz_pca_block_spectrum(ctx, img, KLT_BLOCK, v, &n[s]);
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            rc = imz_cli_error(name, "%s: %s", s < ch ? "singular values" : "block KLT",
                               *why ? why : imz_strerror(st));
            break;
        }
        have_klt = s == ch;
        double *e = cum + stride; /* energies first, then the x values over them */
        for (int i = 0; i < n[s]; i++)
            e[i] = s < ch ? v[i] * v[i] : v[i];
        imz_pca_explained(e, n[s], cum);
    }
    if (rc) {
        free(buf);
        return rc;
    }

    printf("explained variance (%% of the energy in the first K components)\n");
    printf("%-6s", "K");
    for (int c = 0; c < ch; c++)
        printf(" %9s", channel_name(ch, c));
    if (have_klt)
        printf(" %9s", "8x8 KLT");
    printf("\n");
    for (int k = 0; k < N_PCA_K; k++) {
        printf("%-6d", pca_k[k]);
        for (int s = 0; s < n_series; s++) {
            const double *cum = buf + stride * (4 * (size_t)s + 1);
            if (pca_k[k] <= n[s])
                printf(" %8.2f%%", 100.0 * cum[pca_k[k] - 1]);
            else
                printf(" %9s", "-");
        }
        printf("\n");
    }
    printf("(components: %d in the SVD of each %ux%u channel, %d in the 8x8 block KLT)\n", n_sv,
           img->width, img->height, n[ch]);

    if (dir) {
        ImzPlotSeries series[5];
        char path[4096], title[512];
        for (int s = 0; s < n_series; s++) {
            double *v = buf + stride * 4 * (size_t)s, *cum = v + stride, *x = cum + stride,
                   *lg = x + stride;
            for (int i = 0; i < n[s]; i++) {
                x[i] = i + 1;
                lg[i] = v[i] > 0 ? log10(v[i]) : NAN; /* plot.h has no log y axis */
                cum[i] *= 100.0;
            }
            series[s].name = s < ch ? channel_name(ch, s) : "8x8 block KLT";
            series[s].n = n[s];
            series[s].x = x;
            series[s].y = lg;
        }
        snprintf(path, sizeof path, "%s/pca_spectrum.svg", dir);
        snprintf(title, sizeof title, "%s: singular values per channel", base_name(name));
        rc = write_lines(path, title, "component", "log10 singular value", series, ch, 0, force);
        if (!rc)
            snprintf(written[(*n_written)++], 4096, "%s", path);
        for (int s = 0; s < n_series; s++)
            series[s].y = buf + stride * (4 * (size_t)s + 1);
        snprintf(path, sizeof path, "%s/pca_explained.svg", dir);
        snprintf(title, sizeof title, "%s: cumulative explained variance", base_name(name));
        if (!rc)
            rc = write_lines(path, title, "components K", "explained variance %", series,
                             n_series, 1, force);
        if (!rc)
            snprintf(written[(*n_written)++], 4096, "%s", path);
    }
    free(buf);
    return rc;
}

/* ---- --palette --------------------------------------------------------------------------- */

#define DEFAULT_PALETTE_COLORS 16

/* An entry as #rrggbb (gray repeated), with aa appended when the image has alpha; samples are
 * scaled to 8 bits. */
static void palette_hex(const uint16_t *e, int ch, int depth, char *out, size_t len)
{
    unsigned v[4] = {0};
    const unsigned maxv = (1u << depth) - 1;
    for (int c = 0; c < ch; c++)
        v[c] = (e[c] * 255u + maxv / 2) / maxv;
    const unsigned r = v[0], g = ch >= 3 ? v[1] : v[0], b = ch >= 3 ? v[2] : v[0];
    if (ch == 2 || ch == 4)
        snprintf(out, len, "#%02x%02x%02x%02x", r, g, b, v[ch - 1]);
    else
        snprintf(out, len, "#%02x%02x%02x", r, g, b);
}

/* Swatches, eight to a row: the colour, its hex value and its share of the pixels. */
static int write_palette_svg(const char *path, const char *title, const uint16_t *pal, int n,
                             const uint32_t *counts, double pixels, int ch, int depth, int force)
{
    enum { PER_ROW = 8, SW = 96, SH = 64, GAP = 8, TOP = 40, LABEL = 34 };
    char tmp[4096];
    int rc = imz_cli_temp_create(path, tmp, sizeof tmp);
    if (rc)
        return rc;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "cannot write: %s", strerror(errno));
    }
    const int cols = n < PER_ROW ? (n ? n : 1) : PER_ROW, rows = (n + PER_ROW - 1) / PER_ROW;
    const int width = GAP + cols * (SW + GAP), height = TOP + rows * (SH + LABEL + GAP) + GAP;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<text x=\"%d\" y=\"24\" font-size=\"15\">",
            width, height, width, height, GAP);
    for (const char *p = title; *p; p++) { /* file names may hold XML metacharacters */
        if (*p == '<')
            fputs("&lt;", f);
        else if (*p == '>')
            fputs("&gt;", f);
        else if (*p == '&')
            fputs("&amp;", f);
        else
            fputc(*p, f);
    }
    fputs("</text>\n", f);
    for (int j = 0; j < n; j++) {
        const int x = GAP + (j % PER_ROW) * (SW + GAP);
        const int y = TOP + (j / PER_ROW) * (SH + LABEL + GAP);
        char hex[16];
        palette_hex(pal + (size_t)j * ch, ch, depth, hex, sizeof hex);
        const double share = pixels > 0 ? 100.0 * counts[j] / pixels : 0.0;
        /* the fill takes #rrggbb only; alpha goes to fill-opacity */
        const int alpha = ch == 2 || ch == 4;
        const unsigned a8 = alpha ? (unsigned)strtoul(hex + 7, NULL, 16) : 255;
        char fill[8];
        snprintf(fill, sizeof fill, "%.7s", hex);
        fprintf(f,
                "<rect class=\"swatch\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
                "fill-opacity=\"%.3f\" stroke=\"#888\"/>\n"
                "<text x=\"%d\" y=\"%d\" font-size=\"12\" font-family=\"monospace\">%s</text>\n"
                "<text x=\"%d\" y=\"%d\" font-size=\"12\">%.2f%%</text>\n",
                x, y, SW, SH, fill, a8 / 255.0, x, y + SH + 14, hex, x, y + SH + 29, share);
    }
    fputs("</svg>\n", f);
    const int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "cannot write the palette");
    }
    return imz_cli_temp_commit(tmp, path, force);
}

/* The palette the `palette` codec would compute (k-means in sRGB, no dithering), as a table of
 * entries and their share of the pixels, and with dir as swatches. */
static int report_palette(ImzContext *ctx, const ImzImage *img, const char *name, int colors,
                          const char *dir, int force, char (*written)[4096], int *n_written)
{
    uint16_t pal[256 * 4];
    uint32_t counts[256];
    int n = 0;
    ImzPaletteParams p = {.colors = colors, .dither = 0, .space = IMZ_PAL_SPACE_RGB, .seed = 1};
    int st = imz_palette_compute(ctx, img, &p, pal, &n, NULL, counts);
    if (st != IMZ_OK) {
        const char *why = imz_last_error(ctx);
        return imz_cli_error(name, "palette: %s", *why ? why : imz_strerror(st));
    }
    const int ch = img->channels;
    const double pixels = (double)img->width * img->height;
    printf("palette (k-means, %d of %d colours, sorted by lightness)\n", n, colors);
    printf("%-6s %-10s %10s\n", "index", "colour", "share");
    for (int j = 0; j < n; j++) {
        char hex[16];
        palette_hex(pal + (size_t)j * ch, ch, img->bit_depth, hex, sizeof hex);
        printf("%-6d %-10s %9.2f%%\n", j, hex, pixels > 0 ? 100.0 * counts[j] / pixels : 0.0);
    }
    if (!dir)
        return 0;
    char path[4096], title[512];
    snprintf(path, sizeof path, "%s/palette.svg", dir);
    snprintf(title, sizeof title, "%s: %d-colour k-means palette", base_name(name), n);
    int rc = write_palette_svg(path, title, pal, n, counts, pixels, ch, img->bit_depth, force);
    if (!rc)
        snprintf(written[(*n_written)++], 4096, "%s", path);
    return rc;
}

int imz_cmd_analyze(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    const char *dir = NULL;
    const char *in = NULL;
    const char *colors_arg = NULL;
    int dct = 0, pca = 0, palette = 0, colors = DEFAULT_PALETTE_COLORS;

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
        } else if (imz_args_flag(&a, NULL, "--pca")) {
            pca = 1;
        } else if (imz_args_flag(&a, NULL, "--palette")) {
            palette = 1;
        } else if (imz_args_str(&a, NULL, "--colors", &colors_arg)) {
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
    if (colors_arg) {
        char *end;
        long v = strtol(colors_arg, &end, 10);
        if (*end || end == colors_arg || v < 2 || v > 256)
            return imz_cli_usage_error("analyze", "--colors must be a whole number in 2..256");
        if (!palette)
            return imz_cli_usage_error("analyze", "--colors goes with --palette");
        colors = (int)v;
    }
    /* --pca and --palette ask for those analyses only, without the predictor table */
    const int focused = pca || palette;

    ImzCodecInfo delta;
    int have_delta =
        imz_codec_find("delta") >= 0 && imz_codec_info(imz_codec_find("delta"), &delta) == IMZ_OK;

    /* Refuse existing outputs before any work. */
    char path[4096];
    if (dir) {
        if (make_dirs(dir))
            return IMZ_EXIT_FAIL;
        static const char *const focused_files[] = {"pca_spectrum.svg", "pca_explained.svg",
                                                    "palette.svg"};
        for (int i = 0; i < 3 && focused; i++) {
            if (i < 2 ? !pca : !palette)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, focused_files[i]);
            if (imz_cli_check_output(path, co.force, &in, 1))
                return IMZ_EXIT_FAIL;
        }
    }
    if (dir && !focused) {
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
    char written[2 * IMZ_PRED_COUNT + 3][4096];
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
    if (!focused) {
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
            printf("%-10s %18.4f %14.4f %14s %12s\n", pname, h, h * img->channels, coded,
                   coded_bytes);

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
            printf("\nbest predictor: %s (%.4f bpp with the delta codec)\n",
                   imz_predictor_name(best), best_bpp);
        if (dir && !rc) {
            char title[512];
            snprintf(path, sizeof path, "%s/histogram.svg", dir);
            snprintf(title, sizeof title, "%s: sample values", base_name(name));
            rc = write_histogram(img, path, title, 0, co.force);
            if (!rc)
                snprintf(written[n_written++], sizeof written[0], "%s", path);
        }
    }
    if (pca && !rc)
        rc = report_pca(ctx, img, name, dir, co.force, written, &n_written);
    if (palette && !rc && pca)
        printf("\n");
    if (palette && !rc)
        rc = report_palette(ctx, img, name, colors, dir, co.force, written, &n_written);
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
