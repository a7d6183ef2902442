// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz gen`: synthetic test images whose statistics are known in advance (uniform noise has
// entropy = bit depth, a vertical gradient has zero residual under the left predictor, ...).
// The pixels depend only on the arguments and the seed: the generator is splitmix64, never rand().

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef enum Pattern { PAT_NOISE, PAT_GRADIENT, PAT_GAUSS, PAT_CHECKER, PAT_COUNT } Pattern;

static const char *const pattern_names[PAT_COUNT] = {"noise", "gradient", "gauss", "checker"};

static void gen_usage(void)
{
    printf("Usage: imz gen PATTERN W H OUT [options]\n"
           "Writes a W x H synthetic image to OUT ('-' = stdout). The format follows OUT's\n"
           "extension (.png, .ppm/.pgm/.pnm, .pam, or .imz with the default codec).\n"
           "\n"
           "Patterns:\n"
           "  noise      uniform random samples over the full range\n"
           "  gradient   smooth vertical ramps (channel 0 rising, 1 falling, 2 over the middle\n"
           "             half); alpha, if any, is opaque\n"
           "  gauss      Gaussian noise around mid-grey with sigma = range / 8, clipped\n"
           "  checker    8x8 black and white squares\n"
           "\n"
           "Options:\n"
           "  --channels C           1..4 (default 3)\n"
           "  --depth D              bits per sample, 1..16 (default 8)\n"
           "  --seed S               random seed (default 1); the same seed gives the same image\n"
           "  --format png|pnm|pam|imz  output format, overriding the extension\n"
           "  --max-pixels N         refuse sizes with more than N pixels\n"
           "  -f, --force            overwrite OUT if it exists\n"
           "  -q, --quiet            print nothing on success\n"
           "  -h, --help             show this help\n");
}

/* splitmix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for test pixels. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in (0, 1]: never 0, so log() in Box-Muller stays finite. */
static double uniform01(uint64_t *state)
{
    return ((double)(splitmix64(state) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

/* Rounded v * maxv / span, for ramps that reach both ends exactly. */
static unsigned ramp(uint64_t v, uint64_t span, unsigned maxv)
{
    if (!span)
        return 0;
    return (unsigned)((2 * v * maxv + span) / (2 * span));
}

static void fill(ImzImage *img, Pattern pat, uint64_t seed)
{
    const unsigned maxv = (1u << img->bit_depth) - 1;
    const int ch = img->channels;
    const int has_alpha = ch == 2 || ch == 4;
    uint64_t state = seed;
    uint16_t *p = img->data;
    double spare = 0.0;
    int have_spare = 0;
    for (uint32_t y = 0; y < img->height; y++) {
        for (uint32_t x = 0; x < img->width; x++) {
            for (int c = 0; c < ch; c++, p++) {
                const int color = has_alpha ? ch - 1 : ch; /* colour channels before alpha */
                switch (pat) {
                case PAT_NOISE:
                    *p = (uint16_t)(splitmix64(&state) >> (64 - img->bit_depth));
                    break;
                case PAT_GAUSS: {
                    /* Box-Muller gives two normals per pair of uniforms; use both. */
                    double z;
                    if (have_spare) {
                        z = spare;
                        have_spare = 0;
                    } else {
                        double r = sqrt(-2.0 * log(uniform01(&state)));
                        double t = 2.0 * 3.14159265358979323846 * uniform01(&state);
                        z = r * cos(t);
                        spare = r * sin(t);
                        have_spare = 1;
                    }
                    double v = floor((double)(1u << (img->bit_depth - 1)) + z * maxv / 8.0 + 0.5);
                    *p = (uint16_t)(v < 0 ? 0 : v > maxv ? maxv : v);
                    break;
                }
                case PAT_GRADIENT: {
                    const uint64_t span = img->height - 1;
                    unsigned v;
                    if (c >= color)
                        v = maxv;
                    else if (c % 3 == 0)
                        v = ramp(y, span, maxv);
                    else if (c % 3 == 1)
                        v = maxv - ramp(y, span, maxv);
                    else
                        v = maxv / 4 + ramp(y, span, maxv / 2);
                    *p = (uint16_t)v;
                    break;
                }
                case PAT_CHECKER:
                    *p = (uint16_t)((((x >> 3) ^ (y >> 3)) & 1) ? maxv : 0);
                    break;
                case PAT_COUNT:
                    break;
                }
            }
        }
    }
}

int imz_cmd_gen(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    long channels = 3, depth = 8;
    uint64_t seed = 1;
    const char *format = NULL;
    const char *pos[4];
    int n_pos = 0;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "gen");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (n_pos == 4)
                return imz_cli_usage_error("gen", "unexpected argument '%s'", a.arg);
            pos[n_pos++] = a.arg;
        } else if (imz_args_int(&a, NULL, "--channels", 1, IMZ_MAX_CHANNELS, &channels)) {
        } else if (imz_args_int(&a, NULL, "--depth", 1, 16, &depth)) {
        } else if (imz_args_u64(&a, NULL, "--seed", &seed)) {
        } else if (imz_args_str(&a, NULL, "--format", &format)) {
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        gen_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (n_pos < 4)
        return imz_cli_usage_error("gen", "expected PATTERN W H OUT");

    int pat = 0;
    while (pat < PAT_COUNT && strcmp(pattern_names[pat], pos[0]))
        pat++;
    if (pat == PAT_COUNT)
        return imz_cli_usage_error("gen",
                                   "unknown pattern '%s' (use noise, gradient, gauss or "
                                   "checker)",
                                   pos[0]);
    long w, h;
    if (!imz_cli_parse_long(pos[1], &w) || w < 1 || w > 0x7fffffffL)
        return imz_cli_usage_error("gen", "width must be a positive whole number, not '%s'",
                                   pos[1]);
    if (!imz_cli_parse_long(pos[2], &h) || h < 1 || h > 0x7fffffffL)
        return imz_cli_usage_error("gen", "height must be a positive whole number, not '%s'",
                                   pos[2]);
    const char *out = pos[3];
    ImzFileFormat fmt;
    if (format) {
        fmt = !strcmp(format, "imz") ? IMZ_FMT_IMZ : imz_cli_parse_format(format);
        if (fmt == IMZ_FMT_UNKNOWN)
            return imz_cli_usage_error("gen", "unknown format '%s' (use png, pnm, pam or imz)",
                                       format);
    } else if (!strcmp(out, "-")) {
        fmt = IMZ_FMT_PNG;
    } else {
        fmt = imz_format_from_name(out);
        if (fmt != IMZ_FMT_PNG && fmt != IMZ_FMT_PNM && fmt != IMZ_FMT_PAM && fmt != IMZ_FMT_IMZ)
            return imz_cli_usage_error("gen",
                                       "cannot tell the format of '%s' from its extension "
                                       "(use .png, .ppm/.pgm/.pnm, .pam, .imz or --format)",
                                       out);
    }
    if (imz_cli_check_output(out, co.force, NULL, 0))
        return IMZ_EXIT_FAIL;

    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    ImzImage img;
    memset(&img, 0, sizeof img);
    int rc;
    int st = imz_image_alloc(ctx, &img, (uint32_t)w, (uint32_t)h, (int)channels, (int)depth);
    if (st != IMZ_OK) {
        const char *why = imz_last_error(ctx);
        rc = imz_cli_error(imz_cli_display_name(out, 1), "%s", *why ? why : imz_strerror(st));
    } else {
        fill(&img, (Pattern)pat, seed);
        if (fmt == IMZ_FMT_IMZ) {
            uint8_t *buf = NULL;
            size_t len = 0;
            st = imz_encode(ctx, &img, imz_default_codec(), NULL, 0, &buf, &len);
            if (st != IMZ_OK) {
                const char *why = imz_last_error(ctx);
                rc = imz_cli_error(imz_cli_display_name(out, 1), "%s",
                                   *why ? why : imz_strerror(st));
            } else {
                rc = imz_cli_write_file(out, buf, len, co.force, NULL, 0);
            }
            imz_free(ctx, buf);
        } else {
            rc = imz_cli_save_image(&img, fmt, out, co.force, NULL, 0);
        }
    }
    if (!rc && !co.quiet && strcmp(out, "-"))
        printf("%s: %s %ldx%ld, %ld channel%s, %ld-bit, seed %llu\n", out, pattern_names[pat], w, h,
               channels, channels == 1 ? "" : "s", depth, (unsigned long long)seed);
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
    return rc;
}
