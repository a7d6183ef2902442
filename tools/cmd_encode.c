// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz encode` and `imz decode`. Everything that can be checked without reading pixels (codec name,
// codec options against the codec's table, whether OUT may be written) is checked first, so a
// mistyped command fails at once instead of after a long encode.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_CODEC_OPTS 32

static void encode_usage(void)
{
    printf("Usage: imz encode [options] IN OUT\n"
           "Compresses IN (PNG, JPEG, PNM, PAM or .imz; '-' = stdin) to OUT (.imz; '-' = stdout).\n"
           "\n"
           "Options:\n"
           "  -c, --codec NAME    codec to use (default: %s); 'imz codecs' lists them\n"
           "  --NAME VALUE        set an option of the codec (listed below)\n"
           "  -e N                same as --effort N\n"
           "  -q N                same as --quality N\n"
           "  -j, --threads N     worker threads (1 = deterministic, 0 = one per core)\n"
           "  --max-pixels N      refuse images with more than N pixels\n"
           "  -f, --force         overwrite OUT if it exists\n"
           "      --quiet         print nothing on success\n"
           "  -v, --verbose       print codec, sizes, ratio, bits per pixel and time\n"
           "  -h, --help          show this help\n"
           "\n"
           "Codec options:\n",
           imz_default_codec());
    for (int i = 0; i < imz_codec_count(); i++) {
        ImzCodecInfo ci;
        if (imz_codec_info(i, &ci) != IMZ_OK)
            continue;
        printf("  %-11s", ci.name);
        if (!ci.n_options)
            printf(" (none)");
        for (int k = 0; k < ci.n_options; k++) {
            char range[256], def[64];
            imz_cli_option_range(&ci.options[k], range, sizeof range);
            imz_cli_option_default(&ci.options[k], def, sizeof def);
            printf("%s--%s %s (default %s)", k ? "\n              " : " ", ci.options[k].name,
                   range, def);
        }
        printf("\n");
    }
}

/* Whether any codec has an option of this name. */
static int known_codec_option(const char *name)
{
    for (int i = 0; i < imz_codec_count(); i++) {
        ImzCodecInfo ci;
        if (imz_codec_info(i, &ci) != IMZ_OK)
            continue;
        for (int k = 0; k < ci.n_options; k++)
            if (!strcmp(ci.options[k].name, name))
                return 1;
    }
    return 0;
}

int imz_cmd_encode(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    ImzOption opts[MAX_CODEC_OPTS];
    char names[MAX_CODEC_OPTS][sizeof a.name];
    int n_opts = 0;
    const char *codec = imz_default_codec();
    const char *pos[2];
    int n_pos = 0;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "encode");
    while (imz_args_next(&a)) {
        const char *v = NULL;
        if (!a.opt) {
            if (n_pos == 2)
                return imz_cli_usage_error("encode", "unexpected argument '%s'", a.arg);
            pos[n_pos++] = a.arg;
        } else if (imz_common_parse(&a, &co, 0)) {
        } else if (imz_args_str(&a, "-c", "--codec", &codec)) {
        } else if (imz_args_str(&a, "-e", NULL, &v) || imz_args_str(&a, "-q", NULL, &v)) {
            if (v) {
                if (n_opts == MAX_CODEC_OPTS)
                    return imz_cli_usage_error("encode", "too many codec options");
                opts[n_opts].name = !strcmp(a.name, "-e") ? "effort" : "quality";
                opts[n_opts++].value = v;
            }
        } else if (a.name[0] == '-' && a.name[1] == '-' && a.name[2]) {
            /* Any other long option is a codec option; checked once the codec is known. */
            if (!a.inline_val && a.i + 1 >= a.argc && !known_codec_option(a.name + 2))
                return imz_args_unknown(&a);
            v = imz_args_value(&a);
            if (v) {
                if (n_opts == MAX_CODEC_OPTS)
                    return imz_cli_usage_error("encode", "too many codec options");
                size_t n = strlen(a.name + 2); /* a.name is shorter than names[i] */
                memcpy(names[n_opts], a.name + 2, n + 1);
                opts[n_opts].name = names[n_opts];
                opts[n_opts++].value = v;
            }
        } else {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        encode_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (n_pos < 2)
        return imz_cli_usage_error("encode", n_pos ? "missing OUT" : "missing IN and OUT");

    ImzCodecInfo info;
    if (imz_cli_find_codec("encode", codec, &info) < 0)
        return IMZ_EXIT_USAGE;
    int rc = imz_cli_check_codec_options("encode", &info, opts, n_opts);
    if (rc)
        return rc;

    const char *in = pos[0], *out = pos[1];
    if (imz_cli_check_output(out, co.force, &in, 1))
        return IMZ_EXIT_FAIL;
    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    ImzLoaded src;
    if (imz_cli_load_image(ctx, in, &src)) {
        imz_context_destroy(ctx);
        return IMZ_EXIT_FAIL;
    }

    uint8_t *buf = NULL;
    size_t len = 0;
    double t0 = imz_cli_now_ms();
    int st = imz_encode(ctx, &src.img, info.name, opts, n_opts, &buf, &len);
    double ms = imz_cli_now_ms() - t0;
    if (st != IMZ_OK) {
        const char *why = imz_last_error(ctx);
        rc = imz_cli_error(imz_cli_display_name(in, 0), "%s", *why ? why : imz_strerror(st));
    } else {
        rc = imz_cli_write_file(out, buf, len, co.force, &in, 1);
    }
    if (!rc && !co.quiet) {
        FILE *f = strcmp(out, "-") ? stdout : stderr; /* stdout carries the data */
        const ImzImage *img = &src.img;
        double pixels = (double)img->width * img->height;
        double raw = (double)imz_cli_raw_bytes(img);
        double ratio = len ? raw / (double)len : 0.0;
        double bpp = pixels > 0 ? (double)len * 8.0 / pixels : 0.0;
        if (co.verbose) {
            ImzInfo hdr;
            memset(&hdr, 0, sizeof hdr);
            int have_hdr = imz_read_info(ctx, buf, len, &hdr) == IMZ_OK;
            fprintf(f, "codec    %s (%s)\n", info.name, info.lossless ? "lossless" : "lossy");
            for (int i = 0; i < n_opts; i++)
                fprintf(f, "option   %s = %s\n", opts[i].name, opts[i].value);
            fprintf(f, "input    %s: %ux%u, %d channel%s, %d-bit, %.0f raw bytes\n",
                    imz_cli_display_name(in, 0), img->width, img->height, img->channels,
                    img->channels == 1 ? "" : "s", img->bit_depth, raw);
            fprintf(f, "output   %s: %zu bytes", imz_cli_display_name(out, 1), len);
            if (have_hdr)
                fprintf(f, " (header %zu, payload %zu, %d chunk%s)", hdr.header_bytes,
                        hdr.payload_bytes, hdr.n_chunks, hdr.n_chunks == 1 ? "" : "s");
            fprintf(f, "\nratio    %.3f\nbpp      %.4f\ntime     %.1f ms (%.1f MP/s)\n", ratio, bpp,
                    ms, ms > 0 ? pixels / 1e3 / ms : 0.0);
        } else {
            fprintf(f, "%s -> %s: %.0f -> %zu bytes, ratio %.3f, %.3f bpp (%s)\n",
                    imz_cli_display_name(in, 0), imz_cli_display_name(out, 1), raw, len, ratio, bpp,
                    info.name);
        }
    }
    imz_free(ctx, buf);
    imz_image_free(ctx, &src.img);
    imz_context_destroy(ctx);
    return rc;
}

/* ---- decode -------------------------------------------------------------------------------- */

static void decode_usage(void)
{
    printf(
        "Usage: imz decode [options] IN.imz OUT\n"
        "Decompresses IN ('-' = stdin) to OUT ('-' = stdout). The format of OUT follows its\n"
        "extension: .png, .ppm/.pgm/.pnm, .pam; stdout gets PNG unless --format says otherwise.\n"
        "\n"
        "Options:\n"
        "  --format png|pnm|pam  output format, overriding the extension\n"
        "  -j, --threads N       worker threads\n"
        "  --max-pixels N        refuse images with more than N pixels\n"
        "  -f, --force           overwrite OUT if it exists\n"
        "  -q, --quiet           print nothing on success\n"
        "  -v, --verbose         print the image shape and the decode time\n"
        "  -h, --help            show this help\n");
}

int imz_cmd_decode(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    const char *format = NULL;
    const char *pos[2];
    int n_pos = 0;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "decode");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (n_pos == 2)
                return imz_cli_usage_error("decode", "unexpected argument '%s'", a.arg);
            pos[n_pos++] = a.arg;
        } else if (imz_common_parse(&a, &co, 1)) {
        } else if (imz_args_str(&a, NULL, "--format", &format)) {
        } else {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        decode_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (n_pos < 2)
        return imz_cli_usage_error("decode", n_pos ? "missing OUT" : "missing IN and OUT");
    const char *in = pos[0], *out = pos[1];

    ImzFileFormat fmt;
    if (format) {
        fmt = imz_cli_parse_format(format);
        if (fmt == IMZ_FMT_UNKNOWN)
            return imz_cli_usage_error("decode", "unknown format '%s' (use png, pnm or pam)",
                                       format);
    } else if (!strcmp(out, "-")) {
        fmt = IMZ_FMT_PNG;
    } else {
        fmt = imz_format_from_name(out);
        if (fmt == IMZ_FMT_JPEG)
            return imz_cli_usage_error("decode", "cannot write JPEG '%s' (use .png, .pnm or .pam)",
                                       out);
        if (fmt != IMZ_FMT_PNG && fmt != IMZ_FMT_PNM && fmt != IMZ_FMT_PAM)
            return imz_cli_usage_error("decode",
                                       "cannot tell the format of '%s' from its extension "
                                       "(use .png, .ppm/.pgm/.pnm, .pam or --format)",
                                       out);
    }

    if (imz_cli_check_output(out, co.force, &in, 1))
        return IMZ_EXIT_FAIL;
    uint8_t *data = NULL;
    size_t len = 0;
    if (imz_cli_read_file(in, &data, &len))
        return IMZ_EXIT_FAIL;
    const char *name = imz_cli_display_name(in, 0);
    if (imz_sniff_format(data, len) != IMZ_FMT_IMZ) {
        free(data);
        return imz_cli_error(name, len ? "not an .imz file" : "empty file");
    }
    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx) {
        free(data);
        return IMZ_EXIT_FAIL;
    }
    ImzImage img;
    memset(&img, 0, sizeof img);
    double t0 = imz_cli_now_ms();
    int st = imz_decode(ctx, data, len, &img);
    double ms = imz_cli_now_ms() - t0;
    free(data);
    int rc;
    if (st != IMZ_OK) {
        const char *why = imz_last_error(ctx);
        rc = imz_cli_error(name, "%s", *why ? why : imz_strerror(st));
    } else {
        rc = imz_cli_save_image(&img, fmt, out, co.force, &in, 1);
    }
    if (!rc && !co.quiet) {
        FILE *f = strcmp(out, "-") ? stdout : stderr;
        fprintf(f, "%s -> %s: %ux%u, %d channel%s, %d-bit (%s)\n", name,
                imz_cli_display_name(out, 1), img.width, img.height, img.channels,
                img.channels == 1 ? "" : "s", img.bit_depth, imz_cli_format_name(fmt));
        if (co.verbose)
            fprintf(f, "time     %.1f ms (%.1f MP/s)\n", ms,
                    ms > 0 ? (double)img.width * img.height / 1e3 / ms : 0.0);
    }
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
    return rc;
}
