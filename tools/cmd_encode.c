// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz encode` and `imz decode`. Everything that can be checked without reading pixels (codec name,
// codec options against the codec's table, whether OUT may be written) is checked first, so a
// mistyped command fails at once instead of after a long encode.

#define _XOPEN_SOURCE 700

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "imageio/std_encode.h"

static void encode_usage(void)
{
    printf("Usage: imz encode [options] IN OUT\n"
           "       imz encode [options] -r DIR --out DIR2\n"
           "Compresses IN (PNG, JPEG, PNM, PAM or .imz; '-' = stdin) to OUT (.imz; '-' = stdout).\n"
           "\n"
           "With -r, every file under DIR is encoded to the same place under DIR2 (created if\n"
           "needed) with the extension .imz (a.png -> a.imz; a.png.imz if a.jpg is there too);\n"
           "a file that fails is reported and the rest go on; the exit status is 1 if any failed.\n"
           "\n"
           "Options:\n"
           "  -r, --recursive DIR encode every file under DIR (needs --out)\n"
           "  --out DIR2          output directory of -r\n"
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
           "Standard files instead of .imz: -c jpeg (libjpeg-turbo, optimised tables;\n"
           "--progressive), -c png (--level 0..9, default 9; --colors 2..256 for an indexed PNG\n"
           "with a k-means palette, no dithering), -c webp (--lossless, --level 0..6 lossy\n"
           "method or 0..9 lossless preset); -q 0..100 sets the quality.\n"
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

static int add_option(ImzEncodeArgs *e, const char *name, const char *value)
{
    if (e->n_opts == IMZ_CLI_MAX_CODEC_OPTS)
        return imz_cli_usage_error("encode", "too many codec options");
    size_t n = strlen(name);
    if (n >= sizeof e->names[0])
        n = sizeof e->names[0] - 1;
    memcpy(e->names[e->n_opts], name, n);
    e->names[e->n_opts][n] = '\0';
    e->opts[e->n_opts].name = e->names[e->n_opts];
    e->opts[e->n_opts++].value = value;
    return 0;
}

/* The standard formats written through their own libraries (std_encode.h), not .imz codecs. */
static int is_std_codec(const char *name)
{
    return !strcmp(name, "jpeg") || !strcmp(name, "png") || !strcmp(name, "webp");
}

/* The palette size of an indexed PNG (-c png --colors K, checked by parse_std_options), 0 for
 * truecolour. */
static int std_colors(const ImzEncodeArgs *e)
{
    for (int i = 0; i < e->n_opts; i++)
        if (!strcmp(e->opts[i].name, "colors"))
            return atoi(e->opts[i].value);
    return 0;
}

/* A standard format takes -q/--quality 0..100 and --level N, png also --colors 2..256 (an indexed
 * PNG); anything else is a usage error. --colors stays in e->opts, where std_colors finds it. */
static int parse_std_options(ImzEncodeArgs *e, const char *codec)
{
    e->std_codec = codec;
    e->std_quality = e->std_level = -1;
    const int png = !strcmp(codec, "png");
    for (int i = 0; i < e->n_opts; i++) {
        const char *name = e->opts[i].name;
        const int is_quality = !strcmp(name, "quality"), is_colors = png && !strcmp(name, "colors");
        if (!is_quality && !is_colors && strcmp(name, "level"))
            return imz_cli_usage_error("encode", "-c %s takes -q, --level, %s--lossless and "
                                                 "--progressive, not --%s",
                                       codec, png ? "--colors, " : "", name);
        const long lo = is_colors ? 2 : 0, hi = is_quality ? 100 : is_colors ? 256 : 9;
        char *end;
        long v = strtol(e->opts[i].value, &end, 10);
        if (*end || end == e->opts[i].value || v < lo || v > hi)
            return imz_cli_usage_error("encode", "--%s must be a whole number in %ld..%ld", name,
                                       lo, hi);
        if (!is_colors)
            *(is_quality ? &e->std_quality : &e->std_level) = (int)v;
    }
    e->info.name = codec;
    e->info.lossless = (png && !std_colors(e)) || e->std_lossless;
    return 0;
}

int imz_encode_parse_args(int argc, char **argv, ImzEncodeArgs *e)
{
    ImzArgs a;
    const char *codec = imz_default_codec();
    const char *pos[2];
    int n_pos = 0;

    memset(e, 0, sizeof *e);
    imz_common_init(&e->co);
    imz_args_init(&a, argc, argv, "encode");
    while (imz_args_next(&a)) {
        const char *v = NULL;
        if (!a.opt) {
            if (n_pos == 2)
                return imz_cli_usage_error("encode", "unexpected argument '%s'", a.arg);
            pos[n_pos++] = a.arg;
        } else if (imz_common_parse(&a, &e->co, 0)) {
        } else if (imz_args_str(&a, "-c", "--codec", &codec)) {
        } else if (imz_args_flag(&a, NULL, "--lossless")) {
            e->std_lossless = 1;
        } else if (imz_args_flag(&a, NULL, "--progressive")) {
            e->std_progressive = 1;
        } else if (imz_args_str(&a, "-r", "--recursive", &e->dir)) {
        } else if (imz_args_str(&a, NULL, "--out", &e->out_dir)) {
        } else if (imz_args_str(&a, "-e", NULL, &v) || imz_args_str(&a, "-q", NULL, &v)) {
            if (v && add_option(e, !strcmp(a.name, "-e") ? "effort" : "quality", v))
                return IMZ_EXIT_USAGE;
        } else if (a.name[0] == '-' && a.name[1] == '-' && a.name[2]) {
            /* Any other long option is a codec option; checked once the codec is known. */
            if (!a.inline_val && a.i + 1 >= a.argc && !known_codec_option(a.name + 2))
                return imz_args_unknown(&a);
            v = imz_args_value(&a);
            if (v && add_option(e, a.name + 2, v))
                return IMZ_EXIT_USAGE;
        } else {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        e->help = 1;
        return 0;
    }
    if (a.error)
        return a.error;
    if (e->dir || e->out_dir) {
        if (!e->dir || !e->out_dir)
            return imz_cli_usage_error("encode", "-r DIR and --out DIR2 go together");
        if (n_pos)
            return imz_cli_usage_error("encode", "unexpected argument '%s' with -r", pos[0]);
    } else if (n_pos < 2) {
        return imz_cli_usage_error("encode", n_pos ? "missing OUT" : "missing IN and OUT");
    } else {
        e->in = pos[0];
        e->out = pos[1];
    }
    if (is_std_codec(codec))
        return parse_std_options(e, codec);
    if (e->std_lossless || e->std_progressive)
        return imz_cli_usage_error("encode", "--lossless and --progressive are for -c jpeg|png|webp");
    if (imz_cli_find_codec("encode", codec, &e->info) < 0)
        return IMZ_EXIT_USAGE;
    return imz_cli_check_codec_options("encode", &e->info, e->opts, e->n_opts);
}

/* Encodes one file; prints the result or the error. Returns an IMZ_EXIT_* code. */
static int encode_one(const ImzEncodeArgs *e, const char *in, const char *out)
{
    const ImzCommonOpts *co = &e->co;
    if (imz_cli_check_output(out, co->force, &in, 1))
        return IMZ_EXIT_FAIL;
    ImzContext *ctx = imz_cli_context(co);
    if (!ctx)
        return IMZ_EXIT_FAIL;
    ImzLoaded src;
    if (imz_cli_load_image(ctx, in, &src)) {
        imz_context_destroy(ctx);
        return IMZ_EXIT_FAIL;
    }

    uint8_t *buf = NULL;
    size_t len = 0;
    int rc;
    double t0 = imz_cli_now_ms();
    int st;
    char why_std[256] = "";
    if (e->std_codec)
        st = imz_std_encode(&src.img, e->std_codec, e->std_quality, e->std_level, e->std_lossless,
                            e->std_progressive, std_colors(e), &buf, &len, why_std,
                            sizeof why_std);
    else
        st = imz_encode(ctx, &src.img, e->info.name, e->opts, e->n_opts, &buf, &len);
    double ms = imz_cli_now_ms() - t0;
    if (st != IMZ_OK) {
        const char *why = e->std_codec ? why_std : imz_last_error(ctx);
        rc = imz_cli_error(imz_cli_display_name(in, 0), "%s", *why ? why : imz_strerror(st));
    } else {
        rc = imz_cli_write_file(out, buf, len, co->force, &in, 1);
    }
    if (!rc && !co->quiet) {
        FILE *f = strcmp(out, "-") ? stdout : stderr; /* stdout carries the data */
        const ImzImage *img = &src.img;
        double pixels = (double)img->width * img->height;
        double raw = (double)imz_cli_raw_bytes(img);
        double ratio = len ? raw / (double)len : 0.0;
        double bpp = pixels > 0 ? (double)len * 8.0 / pixels : 0.0;
        if (co->verbose) {
            ImzInfo hdr;
            memset(&hdr, 0, sizeof hdr);
            int have_hdr = !e->std_codec && imz_read_info(ctx, buf, len, &hdr) == IMZ_OK;
            fprintf(f, "codec    %s (%s)\n", e->info.name,
                    e->info.lossless ? "lossless" : "lossy");
            for (int i = 0; i < e->n_opts; i++)
                fprintf(f, "option   %s = %s\n", e->opts[i].name, e->opts[i].value);
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
                    e->info.name);
        }
    }
    if (e->std_codec)
        free(buf);
    else
        imz_free(ctx, buf);
    imz_image_free(ctx, &src.img);
    imz_context_destroy(ctx);
    return rc;
}

/* ---- batch mode: -r DIR --out DIR2 -------------------------------------------------------- */

typedef struct Batch {
    const ImzEncodeArgs *e;
    dev_t out_dev; /* DIR2, never walked into even when it lies inside DIR */
    ino_t out_ino;
    int done, failed;
} Batch;

static int ensure_dir(const char *path)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return 0;
    if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return imz_cli_error(path, "cannot create directory: %s", strerror(errno == EEXIST ? ENOTDIR
                                                                                     : errno));
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the first len bytes of name occur more than once in the sorted stems. Without the list
 * (out of memory) every stem counts as shared, which only makes the output names longer. */
static int stem_is_shared(char *const *stems, size_t n, const char *name, size_t len)
{
    char key[4096];
    if (!stems || len >= sizeof key)
        return 1;
    memcpy(key, name, len);
    key[len] = '\0';
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first stem >= key */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(stems[mid], key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo + 1 < n && !strcmp(stems[lo], key) && !strcmp(stems[lo + 1], key);
}

/* Encodes every file under dir into the same place under out: "a/b.png" becomes "a/b.imz".
 * Hidden files (names starting with '.', like the temporary outputs) are skipped. A file that
 * fails is reported and counted; the walk goes on. */
static void batch_walk(Batch *b, const char *dir, const char *out, int depth)
{
    DIR *d = opendir(dir);
    if (!d) {
        imz_cli_error(dir, "%s", strerror(errno));
        b->failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *ent; (ent = readdir(d));) {
        if (ent->d_name[0] == '.')
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **nn = realloc(names, ncap * sizeof *names);
            if (!nn)
                break;
            names = nn;
            cap = ncap;
        }
        if (!(names[n] = strdup(ent->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, compare_names); /* same order on every run */
    /* Stems ("a" of "a.png"), sorted, to find names that would share an output. */
    char **stems = n ? malloc(n * sizeof *stems) : NULL;
    size_t n_stems = 0;
    for (size_t i = 0; stems && i < n; i++) {
        const char *dot = strrchr(names[i], '.');
        size_t len = dot && dot != names[i] ? (size_t)(dot - names[i]) : strlen(names[i]);
        if (!(stems[n_stems] = malloc(len + 1)))
            break;
        memcpy(stems[n_stems], names[i], len);
        stems[n_stems++][len] = '\0';
    }
    if (stems && n_stems < n) { /* out of memory: treat every stem as shared */
        for (size_t i = 0; i < n_stems; i++)
            free(stems[i]);
        free(stems);
        stems = NULL;
        n_stems = 0;
    }
    if (n_stems)
        qsort(stems, n_stems, sizeof *stems, compare_names);

    for (size_t i = 0; i < n; i++) {
        char src[4096], dst[4096];
        struct stat st;
        int w = snprintf(src, sizeof src, "%s/%s", dir, names[i]);
        if (w < 0 || (size_t)w >= sizeof src || stat(src, &st) != 0) {
            imz_cli_error(src, "%s", w >= 0 && (size_t)w < sizeof src ? strerror(errno)
                                                                      : "path is too long");
            b->failed++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (st.st_dev == b->out_dev && st.st_ino == b->out_ino)
                continue;
            if (depth >= 64) {
                imz_cli_error(src, "directories nested too deeply");
                b->failed++;
                continue;
            }
            w = snprintf(dst, sizeof dst, "%s/%s", out, names[i]);
            if (w < 0 || (size_t)w >= sizeof dst) {
                imz_cli_error(src, "output path is too long");
                b->failed++;
            } else if (ensure_dir(dst)) {
                b->failed++;
            } else {
                batch_walk(b, src, dst, depth + 1);
            }
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        /* "a.png" becomes "a.imz", unless another name has the same stem ("a.jpg"): then both
         * keep their extension ("a.png.imz", "a.jpg.imz") so that neither replaces the other. */
        const char *dot = strrchr(names[i], '.');
        int stem = dot && dot != names[i] ? (int)(dot - names[i]) : (int)strlen(names[i]);
        if (stem_is_shared(stems, n_stems, names[i], (size_t)stem))
            stem = (int)strlen(names[i]);
        w = snprintf(dst, sizeof dst, "%s/%.*s.imz", out, stem, names[i]);
        if (w < 0 || (size_t)w >= sizeof dst) {
            imz_cli_error(src, "output path is too long");
            b->failed++;
        } else if (encode_one(b->e, src, dst)) {
            b->failed++;
        } else {
            b->done++;
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    for (size_t i = 0; i < n_stems; i++)
        free(stems[i]);
    free(stems);
}

static int encode_batch(const ImzEncodeArgs *e)
{
    struct stat st;
    if (stat(e->dir, &st) != 0)
        return imz_cli_error(e->dir, "%s", strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return imz_cli_error(e->dir, "not a directory (-r takes a directory)");
    if (ensure_dir(e->out_dir))
        return IMZ_EXIT_FAIL;
    Batch b = {e, 0, 0, 0, 0};
    if (stat(e->out_dir, &st) != 0)
        return imz_cli_error(e->out_dir, "%s", strerror(errno));
    b.out_dev = st.st_dev;
    b.out_ino = st.st_ino;
    batch_walk(&b, e->dir, e->out_dir, 0);
    if (!e->co.quiet)
        printf("%d file%s encoded, %d failed\n", b.done, b.done == 1 ? "" : "s", b.failed);
    if (b.failed)
        return imz_cli_error(e->dir, "%d file%s could not be encoded", b.failed,
                             b.failed == 1 ? "" : "s");
    return IMZ_EXIT_OK;
}

int imz_cmd_encode(int argc, char **argv)
{
    ImzEncodeArgs e;
    int rc = imz_encode_parse_args(argc, argv, &e);
    if (rc)
        return rc;
    if (e.help) {
        encode_usage();
        return IMZ_EXIT_OK;
    }
    if (e.dir)
        return encode_batch(&e);
    return encode_one(&e, e.in, e.out);
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
        imz_cli_free(data);
        return imz_cli_error(name, len ? "not an .imz file" : "empty file");
    }
    ImzContext *ctx = imz_cli_context(&co);
    if (!ctx) {
        imz_cli_free(data);
        return IMZ_EXIT_FAIL;
    }
    ImzImage img;
    memset(&img, 0, sizeof img);
    double t0 = imz_cli_now_ms();
    int st = imz_decode(ctx, data, len, &img);
    double ms = imz_cli_now_ms() - t0;
    imz_cli_free(data);
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
