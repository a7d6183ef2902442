// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz dct-basis`: a picture of the N x N two-dimensional DCT-II basis functions, the patterns a
// block transform codec represents every block as a weighted sum of. Row v, column u of the grid
// holds cos((2x+1)u pi / 2N) cos((2y+1)v pi / 2N), so horizontal frequency grows to the right and
// vertical frequency downwards. Each function is scaled on its own to fill 0..255 with zero at
// mid-grey (128), and blown up so the whole picture is at least MIN_WIDTH pixels wide.

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MIN_WIDTH 256
#define SEPARATOR 0 /* separator lines between cells */

static void dct_basis_usage(void)
{
    printf("Usage: imz dct-basis [options] OUT\n"
           "Draws the N x N DCT-II basis images in an N x N grid (horizontal frequency grows to\n"
           "the right, vertical frequency downwards), each scaled to 0..255 with 0 at mid-grey\n"
           "and separated by 1-pixel black lines, enlarged to at least %d pixels across.\n"
           "The format follows OUT's extension (.png, .pgm/.pnm, .pam; '-' = PNG on stdout).\n"
           "\n"
           "Options:\n"
           "  -n N             transform size, 2..32 (default 8)\n"
           "  --format F       png, pnm or pam, whatever OUT's extension\n"
           "  -f, --force      overwrite OUT\n"
           "  -q, --quiet      print nothing on success\n"
           "  -h, --help       show this help\n",
           MIN_WIDTH);
}

/* One row of the orthonormal DCT-II basis without its normalisation (it cancels in the scaling). */
static double basis(int n, int k, int x)
{
    return cos((2.0 * x + 1.0) * k * 3.14159265358979323846 / (2.0 * n));
}

/* Fills img with the grid of n x n basis images, each sample drawn as a mag x mag square.
 * Returns 0, or -1 when out of memory. */
static int draw(ImzImage *img, int n, int mag)
{
    const int cell = n * mag;
    const uint32_t w = img->width;
    for (size_t i = 0; i < (size_t)w * img->height; i++)
        img->data[i] = SEPARATOR;
    double *cu = malloc(sizeof *cu * (size_t)n * n);
    if (!cu)
        return -1;
    for (int k = 0; k < n; k++)
        for (int x = 0; x < n; x++)
            cu[k * n + x] = basis(n, k, x);
    for (int v = 0; v < n; v++) {
        for (int u = 0; u < n; u++) {
            double peak = 0.0;
            for (int y = 0; y < n; y++)
                for (int x = 0; x < n; x++) {
                    double b = fabs(cu[u * n + x] * cu[v * n + y]);
                    peak = b > peak ? b : peak;
                }
            const uint32_t x0 = (uint32_t)(u * (cell + 1)), y0 = (uint32_t)(v * (cell + 1));
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    double b = cu[u * n + x] * cu[v * n + y] / peak;
                    /* 0 -> 128 exactly; +1 -> 255 and -1 -> 0 so the full range is used. */
                    long s = 128 + lround(b >= 0 ? 127.0 * b : 128.0 * b);
                    uint16_t val = (uint16_t)(s < 0 ? 0 : s > 255 ? 255 : s);
                    for (int dy = 0; dy < mag; dy++) {
                        uint16_t *row = img->data + (size_t)(y0 + (uint32_t)(y * mag + dy)) * w;
                        for (int dx = 0; dx < mag; dx++)
                            row[x0 + (uint32_t)(x * mag + dx)] = val;
                    }
                }
            }
        }
    }
    free(cu);
    return 0;
}

int imz_cmd_dct_basis(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    long n = 8;
    const char *out = NULL, *format = NULL;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "dct-basis");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (out)
                return imz_cli_usage_error("dct-basis", "unexpected argument '%s'", a.arg);
            out = a.arg;
        } else if (imz_args_int(&a, "-n", "--size", 2, 32, &n)) {
        } else if (imz_args_str(&a, NULL, "--format", &format)) {
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        dct_basis_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (!out)
        return imz_cli_usage_error("dct-basis", "missing OUT");

    ImzFileFormat fmt;
    if (format) {
        fmt = imz_cli_parse_format(format);
        if (fmt == IMZ_FMT_UNKNOWN)
            return imz_cli_usage_error("dct-basis", "unknown format '%s' (use png, pnm or pam)",
                                       format);
    } else if (!strcmp(out, "-")) {
        fmt = IMZ_FMT_PNG;
    } else {
        fmt = imz_format_from_name(out);
        if (fmt != IMZ_FMT_PNG && fmt != IMZ_FMT_PNM && fmt != IMZ_FMT_PAM)
            return imz_cli_usage_error("dct-basis",
                                       "cannot tell the format of '%s' from its extension "
                                       "(use .png, .pgm/.pnm, .pam or --format)",
                                       out);
    }
    if (imz_cli_check_output(out, co.force, NULL, 0))
        return IMZ_EXIT_FAIL;

    const int cells = (int)n * (int)n; /* pixels across all cells before magnification */
    const int mag = cells >= MIN_WIDTH ? 1 : (MIN_WIDTH + cells - 1) / cells;
    const uint32_t side = (uint32_t)(cells * mag + (int)n - 1);

    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    ImzImage img;
    memset(&img, 0, sizeof img);
    int rc;
    int st = imz_image_alloc(ctx, &img, side, side, 1, 8);
    if (st != IMZ_OK) {
        const char *why = imz_last_error(ctx);
        rc = imz_cli_error(imz_cli_display_name(out, 1), "%s", *why ? why : imz_strerror(st));
    } else {
        if (draw(&img, (int)n, mag) != 0)
            rc = imz_cli_error(imz_cli_display_name(out, 1), "out of memory");
        else
            rc = imz_cli_save_image(&img, fmt, out, co.force, NULL, 0);
    }
    if (!rc && !co.quiet && strcmp(out, "-"))
        printf("%s: %ldx%ld DCT-II basis, %ux%u pixels (%d px per sample)\n", out, n, n, side, side,
               mag);
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
    return rc;
}
