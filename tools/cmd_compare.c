// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz compare A B`: distortion of B against the reference A (MSE and PSNR per channel and overall,
// PSNR of luma, SSIM) and what B costs (file size, bits per pixel, ratio against A's raw size).
// Either file may be .imz; it is decoded first. --json gives the same numbers for scripts.

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void compare_usage(void)
{
    printf("Usage: imz compare [options] A B\n"
           "Compares image B against the reference A (any of PNG, JPEG, PNM, PAM, .imz).\n"
           "Prints the shape, MSE and PSNR per channel and overall, PSNR-Y (RGB), SSIM, and B's\n"
           "file size, bits per pixel (B's bytes * 8 / pixels) and compression ratio (A's raw\n"
           "size w*h*channels*(depth > 8 ? 2 : 1) divided by B's file size).\n"
           "\n"
           "Options:\n"
           "  --json           print one JSON object instead (infinite PSNR is null)\n"
           "  --max-pixels N   refuse images with more than N pixels\n"
           "  -h, --help       show this help\n");
}

static const char *channel_name(int channels, int c)
{
    static const char *const rgba[] = {"R", "G", "B", "A"};
    if (channels >= 3)
        return rgba[c];
    return c == 0 ? "gray" : "alpha";
}

static void print_psnr(double p)
{
    if (isinf(p))
        printf("%10s", "inf");
    else
        printf("%10.4f", p);
}

static void json_number(double v)
{
    if (isfinite(v))
        printf("%.6f", v);
    else
        printf("null");
}

int imz_cmd_compare(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    int json = 0;
    const char *pos[2];
    int n_pos = 0;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "compare");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (n_pos == 2)
                return imz_cli_usage_error("compare", "unexpected argument '%s'", a.arg);
            pos[n_pos++] = a.arg;
        } else if (imz_args_flag(&a, NULL, "--json")) {
            json = 1;
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        compare_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (n_pos < 2)
        return imz_cli_usage_error("compare", n_pos ? "missing B" : "missing A and B");
    if (!strcmp(pos[0], "-") && !strcmp(pos[1], "-"))
        return imz_cli_usage_error("compare", "only one of A and B can be stdin");

    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    ImzLoaded A, B;
    memset(&B, 0, sizeof B);
    int rc = imz_cli_load_image(ctx, pos[0], &A);
    if (!rc)
        rc = imz_cli_load_image(ctx, pos[1], &B);
    const char *na = imz_cli_display_name(pos[0], 0), *nb = imz_cli_display_name(pos[1], 0);
    ImzMetrics m;
    memset(&m, 0, sizeof m);
    if (!rc) {
        const ImzImage *ia = &A.img, *ib = &B.img;
        if (ia->width != ib->width || ia->height != ib->height || ia->channels != ib->channels)
            rc = imz_cli_error(nb, "shape %ux%ux%d differs from %s's %ux%ux%d", ib->width,
                               ib->height, ib->channels, na, ia->width, ia->height, ia->channels);
        else if (ia->bit_depth != ib->bit_depth && (ia->bit_depth > 8 || ib->bit_depth > 8))
            rc = imz_cli_error(nb, "bit depth %d differs from %s's %d", ib->bit_depth, na,
                               ia->bit_depth);
    }
    if (!rc) {
        int st = imz_compare(ctx, &A.img, &B.img, &m);
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            rc = imz_cli_error(nb, "%s", *why ? why : imz_strerror(st));
        }
    }
    if (!rc) {
        const ImzImage *img = &A.img;
        const int ch = img->channels;
        const double pixels = (double)img->width * img->height;
        const double raw = (double)imz_cli_raw_bytes(img);
        const double bytes = (double)B.file_bytes;
        const double bpp = pixels > 0 ? bytes * 8.0 / pixels : 0.0;
        const double ratio = bytes > 0 ? raw / bytes : 0.0;
        const int exact = m.mse_all == 0.0;
        if (json) {
            printf("{\"a\": ");
            imz_cli_json_string(stdout, na);
            printf(", \"b\": ");
            imz_cli_json_string(stdout, nb);
            printf(", \"width\": %u, \"height\": %u, \"channels\": %d, \"bit_depth\": %d",
                   img->width, img->height, ch, img->bit_depth);
            printf(", \"mse\": [");
            for (int c = 0; c < ch; c++) {
                fputs(c ? ", " : "", stdout);
                json_number(m.mse[c]);
            }
            printf("], \"psnr\": [");
            for (int c = 0; c < ch; c++) {
                fputs(c ? ", " : "", stdout);
                json_number(m.psnr[c]);
            }
            printf("], \"mse_all\": ");
            json_number(m.mse_all);
            printf(", \"psnr_all\": ");
            json_number(m.psnr_all);
            printf(", \"psnr_y\": ");
            json_number(m.psnr_y);
            printf(", \"ssim\": ");
            json_number(m.ssim);
            printf(", \"bit_exact\": %s, \"b_bytes\": %zu, \"raw_bytes\": %.0f, \"bpp\": %.6f, "
                   "\"ratio\": %.6f}\n",
                   exact ? "true" : "false", B.file_bytes, raw, bpp, ratio);
        } else {
            printf("A          %s (%s)\n", na, imz_cli_format_name(A.format));
            printf("B          %s (%s)\n", nb, imz_cli_format_name(B.format));
            printf("shape      %ux%u, %d channel%s, %d-bit\n", img->width, img->height, ch,
                   ch == 1 ? "" : "s", img->bit_depth);
            printf("channel           MSE  PSNR (dB)\n");
            for (int c = 0; c < ch; c++) {
                printf("  %-7s %12.6f", channel_name(ch, c), m.mse[c]);
                print_psnr(m.psnr[c]);
                printf("\n");
            }
            printf("  %-7s %12.6f", "all", m.mse_all);
            print_psnr(m.psnr_all);
            printf("\n");
            if (ch >= 3) {
                if (isinf(m.psnr_y))
                    printf("PSNR-Y     inf dB\n");
                else
                    printf("PSNR-Y     %.4f dB\n", m.psnr_y);
            }
            printf("SSIM       %.6f\n", m.ssim);
            printf("bit-exact  %s\n", exact ? "yes" : "no");
            printf("B size     %zu bytes\n", B.file_bytes);
            printf("bpp        %.4f\n", bpp);
            printf("ratio      %.3f (raw %.0f bytes)\n", ratio, raw);
        }
    }
    imz_image_free(ctx, &A.img);
    imz_image_free(ctx, &B.img);
    imz_context_destroy(ctx);
    return rc;
}
