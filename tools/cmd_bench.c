// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz bench`: every codec (or a chosen few) at default settings on each image: size, ratio,
// bits per pixel, PSNR, SSIM and the median encode and decode times. It doubles as a check: a
// codec that calls itself lossless must give back exactly the input, or the run fails.

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_REPEAT 1000

static void bench_usage(void)
{
    printf("Usage: imz bench [options] FILE...\n"
           "Encodes and decodes each FILE with each codec at its default settings and prints the\n"
           "size (whole .imz), ratio against the raw size, bits per pixel, PSNR, SSIM and the\n"
           "median encode and decode times. Lossless codecs are checked to be bit-exact; any\n"
           "mismatch makes the run fail (exit 1).\n"
           "\n"
           "Options:\n"
           "  --codecs LIST    comma-separated codec names (default: all)\n"
           "  --repeat R       runs per measurement, median taken (default 3)\n"
           "  --csv            print CSV instead of a table\n"
           "  -j, --threads N  worker threads\n"
           "  --max-pixels N   refuse images with more than N pixels\n"
           "  -q, --quiet      print only the table rows, without headings\n"
           "  -h, --help       show this help\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct BenchRow {
    size_t bytes;
    double enc_ms, dec_ms;
    ImzMetrics m;
    int exact;
    char note[200]; /* why a codec was skipped */
} BenchRow;

/* Runs one codec on one image; returns 0, or 1 after printing an error (the run fails). */
static int bench_one(ImzContext *ctx, const char *name, const ImzImage *img, const ImzCodecInfo *ci,
                     int repeat, BenchRow *row)
{
    double times[MAX_REPEAT];
    uint8_t *buf = NULL;
    size_t len = 0;
    memset(row, 0, sizeof *row);
    for (int r = 0; r < repeat; r++) {
        imz_free(ctx, buf);
        buf = NULL;
        double t0 = imz_cli_now_ms();
        int st = imz_encode(ctx, img, ci->name, NULL, 0, &buf, &len);
        times[r] = imz_cli_now_ms() - t0;
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            why = *why ? why : imz_strerror(st);
            if (st == IMZ_ERR_INVALID_ARG || st == IMZ_ERR_UNSUPPORTED) {
                /* The codec does not take this kind of image: not a failure of the run. */
                snprintf(row->note, sizeof row->note, "skipped: %s", why);
                return 0;
            }
            return imz_cli_error(name, "codec %s: encode failed: %s", ci->name, why);
        }
    }
    row->enc_ms = median(times, repeat);
    row->bytes = len;

    ImzImage out;
    memset(&out, 0, sizeof out);
    int rc = 0;
    for (int r = 0; r < repeat && !rc; r++) {
        imz_image_free(ctx, &out);
        double t0 = imz_cli_now_ms();
        int st = imz_decode(ctx, buf, len, &out);
        times[r] = imz_cli_now_ms() - t0;
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            rc = imz_cli_error(name, "codec %s: decoding its own output failed: %s", ci->name,
                               *why ? why : imz_strerror(st));
        }
    }
    imz_free(ctx, buf);
    if (!rc) {
        row->dec_ms = median(times, repeat);
        if (out.width != img->width || out.height != img->height || out.channels != img->channels) {
            rc = imz_cli_error(name, "codec %s: decoded shape %ux%ux%d differs from %ux%ux%d",
                               ci->name, out.width, out.height, out.channels, img->width,
                               img->height, img->channels);
        } else {
            int st = imz_compare(ctx, img, &out, &row->m);
            if (st != IMZ_OK) {
                const char *why = imz_last_error(ctx);
                rc = imz_cli_error(name, "codec %s: compare failed: %s", ci->name,
                                   *why ? why : imz_strerror(st));
            } else {
                row->exact = row->m.mse_all == 0.0 && out.bit_depth == img->bit_depth;
                if (ci->lossless && !row->exact)
                    rc = imz_cli_error(name,
                                       "codec %s is lossless but the decoded image differs "
                                       "(MSE %g, depth %d vs %d)",
                                       ci->name, row->m.mse_all, out.bit_depth, img->bit_depth);
            }
        }
    }
    imz_image_free(ctx, &out);
    return rc;
}

int imz_cmd_bench(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    const char *list = NULL;
    long repeat = 3;
    int csv = 0, n_files = 0;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "bench");
    while (imz_args_next(&a)) {
        if (!a.opt)
            n_files++;
        else if (imz_args_str(&a, NULL, "--codecs", &list)) {
        } else if (imz_args_int(&a, "-r", "--repeat", 1, MAX_REPEAT, &repeat)) {
        } else if (imz_args_flag(&a, NULL, "--csv")) {
            csv = 1;
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        bench_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (!n_files)
        return imz_cli_usage_error("bench", "missing FILE");

    /* The codec list, checked before any image is read. */
    const int n_all = imz_codec_count();
    ImzCodecInfo *codecs = calloc((size_t)(n_all > 0 ? n_all : 1), sizeof *codecs);
    if (!codecs)
        return imz_cli_error(NULL, "out of memory");
    int n_codecs = 0;
    if (!list) {
        for (int i = 0; i < n_all; i++)
            if (imz_codec_info(i, &codecs[n_codecs]) == IMZ_OK)
                n_codecs++;
    } else {
        const char *p = list;
        while (*p) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            char name[64];
            if (n == 0 || n >= sizeof name) {
                free(codecs);
                return imz_cli_usage_error("bench", "bad codec list '%s'", list);
            }
            memcpy(name, p, n);
            name[n] = '\0';
            if (n_codecs == n_all) {
                free(codecs);
                return imz_cli_usage_error("bench", "codec list '%s' repeats codecs", list);
            }
            if (imz_cli_find_codec("bench", name, &codecs[n_codecs]) < 0) {
                free(codecs);
                return IMZ_EXIT_USAGE;
            }
            n_codecs++;
            p = end ? end + 1 : p + n;
        }
        if (!n_codecs) {
            free(codecs);
            return imz_cli_usage_error("bench", "empty codec list");
        }
    }

    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx) {
        free(codecs);
        return IMZ_EXIT_FAIL;
    }
    int rc = IMZ_EXIT_OK, first = 1;
    if (csv)
        printf("file,codec,width,height,channels,bit_depth,bytes,ratio,bpp,psnr,ssim,encode_ms,"
               "decode_ms,bit_exact\n");
    imz_args_init(&a, argc, argv, "bench");
    while (imz_args_next(&a)) {
        if (a.opt) {
            /* Skip option values: the first pass accepted these options already. */
            if (imz_args_str(&a, NULL, "--codecs", &list) ||
                imz_args_int(&a, "-r", "--repeat", 1, MAX_REPEAT, &repeat))
                continue;
            imz_common_parse(&a, &co, 1);
            continue;
        }
        const char *name = imz_cli_display_name(a.arg, 0);
        ImzLoaded src;
        if (imz_cli_load_image(ctx, a.arg, &src)) {
            rc = IMZ_EXIT_FAIL;
            continue;
        }
        const ImzImage *img = &src.img;
        const double pixels = (double)img->width * img->height;
        const double raw = (double)imz_cli_raw_bytes(img);
        if (!csv) {
            if (!first)
                printf("\n");
            if (!co.quiet)
                printf("%s: %ux%u, %d channel%s, %d-bit, raw %.0f bytes, median of %ld run%s\n",
                       name, img->width, img->height, img->channels, img->channels == 1 ? "" : "s",
                       img->bit_depth, raw, repeat, repeat == 1 ? "" : "s");
            printf("%-11s %10s %9s %8s %9s %7s %9s %9s\n", "codec", "bytes", "ratio", "bpp",
                   "PSNR dB", "SSIM", "enc ms", "dec ms");
        }
        first = 0;
        for (int c = 0; c < n_codecs; c++) {
            BenchRow row;
            if (bench_one(ctx, name, img, &codecs[c], (int)repeat, &row)) {
                rc = IMZ_EXIT_FAIL;
                if (!csv)
                    printf("%-11s FAILED (see the error above)\n", codecs[c].name);
                fflush(stdout);
                continue;
            }
            double ratio = row.bytes ? raw / (double)row.bytes : 0.0;
            double bpp = pixels > 0 ? (double)row.bytes * 8.0 / pixels : 0.0;
            if (row.note[0]) {
                if (!csv) /* CSV rows stay uniform: skipped codecs have none */
                    printf("%-11s %s\n", codecs[c].name, row.note);
                continue;
            }
            if (csv) {
                char psnr[32];
                if (row.exact || isinf(row.m.psnr_all))
                    snprintf(psnr, sizeof psnr, "inf");
                else
                    snprintf(psnr, sizeof psnr, "%.4f", row.m.psnr_all);
                printf("%s,%s,%u,%u,%d,%d,%zu,%.4f,%.4f,%s,%.6f,%.3f,%.3f,%d\n", name,
                       codecs[c].name, img->width, img->height, img->channels, img->bit_depth,
                       row.bytes, ratio, bpp, psnr, row.m.ssim, row.enc_ms, row.dec_ms, row.exact);
            } else {
                char psnr[32];
                if (row.exact)
                    snprintf(psnr, sizeof psnr, "lossless");
                else if (isinf(row.m.psnr_all))
                    snprintf(psnr, sizeof psnr, "inf");
                else
                    snprintf(psnr, sizeof psnr, "%.2f", row.m.psnr_all);
                printf("%-11s %10zu %9.3f %8.3f %9s %7.4f %9.2f %9.2f\n", codecs[c].name, row.bytes,
                       ratio, bpp, psnr, row.m.ssim, row.enc_ms, row.dec_ms);
            }
            fflush(stdout);
        }
        imz_image_free(ctx, &src.img);
    }
    imz_context_destroy(ctx);
    free(codecs);
    return rc;
}
