// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz info` (what a file holds: the .imz header and chunk summary without decoding the payload,
// or the shape of a PNG/JPEG/PNM/PAM) and `imz codecs` (every codec with its option table).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void info_usage(void)
{
    printf(
        "Usage: imz info [options] FILE...\n"
        "Describes each FILE ('-' = stdin). For .imz: shape, codec, format version, header and\n"
        "payload bytes, chunk count, total size, bits per pixel and ratio against the raw size.\n"
        "For PNG, JPEG, PNM and PAM: format, shape and bit depth.\n"
        "\n"
        "Options:\n"
        "  --max-pixels N   refuse images with more than N pixels\n"
        "  -q, --quiet      print nothing; the exit status tells whether every FILE was valid\n"
        "  -h, --help       show this help\n");
}

static void print_imz(const char *name, const ImzInfo *h, size_t total)
{
    double pixels = (double)h->width * h->height;
    double raw = pixels * h->channels * (h->bit_depth > 8 ? 2 : 1);
    printf("%s\n", name);
    printf("  format          imz (format version %d)\n", h->format_version);
    printf("  dimensions      %ux%u\n", h->width, h->height);
    printf("  channels        %d\n", h->channels);
    printf("  bit depth       %d\n", h->bit_depth);
    printf("  codec           %s (id %d)\n", h->codec_name ? h->codec_name : "unknown",
           h->codec_id);
    printf("  header bytes    %zu\n", h->header_bytes);
    printf("  payload bytes   %zu\n", h->payload_bytes);
    printf("  chunks          %d\n", h->n_chunks);
    printf("  total bytes     %zu\n", total);
    printf("  bpp             %.4f\n", pixels > 0 ? (double)total * 8.0 / pixels : 0.0);
    printf("  ratio           %.3f (raw %.0f bytes)\n", total ? raw / (double)total : 0.0, raw);
}

static int info_one(ImzContext *ctx, const char *path, int quiet)
{
    const char *name = imz_cli_display_name(path, 0);
    uint8_t *data = NULL;
    size_t len = 0;
    if (imz_cli_read_file(path, &data, &len))
        return IMZ_EXIT_FAIL;
    int rc = 0;
    ImzFileFormat fmt = imz_sniff_format(data, len);
    if (fmt == IMZ_FMT_IMZ) {
        ImzInfo h;
        memset(&h, 0, sizeof h);
        int st = imz_read_info(ctx, data, len, &h);
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            rc = imz_cli_error(name, "%s", *why ? why : imz_strerror(st));
        } else if (!quiet) {
            print_imz(name, &h, len);
        }
    } else {
        ImzLoaded im;
        rc = imz_cli_decode_bytes(ctx, path, data, len, &im);
        if (!rc && !quiet) {
            printf("%s\n", name);
            printf("  format          %s\n", imz_cli_format_name(im.format));
            printf("  dimensions      %ux%u\n", im.img.width, im.img.height);
            printf("  channels        %d\n", im.img.channels);
            printf("  bit depth       %d\n", im.img.bit_depth);
            printf("  file bytes      %zu\n", len);
        }
        imz_image_free(ctx, &im.img);
    }
    imz_cli_free(data);
    return rc;
}

int imz_cmd_info(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "info");
    int n_files = 0;
    while (imz_args_next(&a)) {
        if (!a.opt)
            n_files++;
        else if (!imz_common_parse(&a, &co, 1))
            return imz_args_unknown(&a);
    }
    if (a.help) {
        info_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (!n_files)
        return imz_cli_usage_error("info", "missing FILE");

    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    int rc = IMZ_EXIT_OK, shown = 0;
    /* Second pass over the same arguments, now taking the files in order. */
    imz_args_init(&a, argc, argv, "info");
    while (imz_args_next(&a)) {
        if (a.opt) {
            imz_common_parse(&a, &co, 1);
            continue;
        }
        if (shown++ && !co.quiet)
            printf("\n");
        if (info_one(ctx, a.arg, co.quiet))
            rc = IMZ_EXIT_FAIL;
        fflush(stdout);
    }
    imz_context_destroy(ctx);
    return rc;
}

/* ---- codecs -------------------------------------------------------------------------------- */

static void codecs_usage(void)
{
    printf("Usage: imz codecs [options]\n"
           "Lists every codec: name, id stored in .imz files, lossless or lossy, a summary, and\n"
           "its options with their range, default and meaning (set them with\n"
           "'imz encode -c CODEC --NAME VALUE').\n"
           "\n"
           "Options:\n"
           "  -q, --quiet   print only the codec names\n"
           "  -h, --help    show this help\n");
}

int imz_cmd_codecs(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "codecs");
    while (imz_args_next(&a)) {
        if (!a.opt)
            return imz_cli_usage_error("codecs", "unexpected argument '%s'", a.arg);
        if (!imz_common_parse(&a, &co, 1))
            return imz_args_unknown(&a);
    }
    if (a.help) {
        codecs_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;

    const char *def = imz_default_codec();
    for (int i = 0; i < imz_codec_count(); i++) {
        ImzCodecInfo ci;
        if (imz_codec_info(i, &ci) != IMZ_OK)
            continue;
        if (co.quiet) {
            printf("%s\n", ci.name);
            continue;
        }
        printf("%-12s id %-3d %-8s  %s%s\n", ci.name, ci.id, ci.lossless ? "lossless" : "lossy",
               ci.summary ? ci.summary : "", def && !strcmp(def, ci.name) ? " [default]" : "");
        if (!ci.n_options)
            printf("    (no options)\n");
        for (int k = 0; k < ci.n_options; k++) {
            const ImzOptionInfo *o = &ci.options[k];
            char range[256], dflt[64], flag[80];
            imz_cli_option_range(o, range, sizeof range);
            imz_cli_option_default(o, dflt, sizeof dflt);
            snprintf(flag, sizeof flag, "--%s", o->name);
            printf("    %-15s %s%s (default %s)\n", flag, range,
                   o->is_integer || o->choices ? "" : " (real)", dflt);
            if (o->help && *o->help)
                printf("    %-15s %s\n", "", o->help);
        }
    }
    return IMZ_EXIT_OK;
}
