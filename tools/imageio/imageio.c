// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Format detection (magic numbers, file-name extensions) and dispatch to the PNG, JPEG and PNM
// readers and writers, plus the helpers they share for error text, argument checks and allocation.

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageio/imageio_internal.h"

static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
static const uint8_t imz_magic[8] = {0x89, 'I', 'M', 'Z', '\r', '\n', 0x1a, '\n'};

int imz_imageio_fail(char *err, size_t err_len, int status, const char *fmt, ...)
{
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return status;
}

int imz_imageio_check(const ImzImage *img, char *err, size_t err_len)
{
    if (!img || !img->data)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "no image");
    if (img->width == 0 || img->height == 0)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "invalid dimensions %ux%u",
                                (unsigned)img->width, (unsigned)img->height);
    if (img->channels < 1 || img->channels > IMZ_MAX_CHANNELS)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "invalid channel count %d",
                                img->channels);
    if (img->bit_depth < 1 || img->bit_depth > 16)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "invalid bit depth %d",
                                img->bit_depth);
    if ((uint64_t)img->width * img->height > SIZE_MAX / 2 / img->channels)
        return imz_imageio_fail(err, err_len, IMZ_ERR_LIMIT, "image too large for this machine");
    // The writers pack low-depth samples into shared bytes, where a stray high bit would corrupt
    // the neighbouring pixel, so out-of-range samples are refused rather than masked.
    uint32_t maxval = (1u << img->bit_depth) - 1;
    size_t n = (size_t)img->width * img->height * img->channels;
    /* One pass that vectorises finds whether any sample is out of range; only then is it found. */
    unsigned or_all = 0;
    for (size_t i = 0; i < n; i++)
        or_all |= img->data[i];
    for (size_t i = 0; or_all > maxval && i < n; i++) {
        if (img->data[i] > maxval) {
            size_t pixel = i / img->channels;
            return imz_imageio_fail(
                err, err_len, IMZ_ERR_INVALID_ARG, "sample %u at (%zu, %zu) exceeds bit depth %d",
                (unsigned)img->data[i], pixel % img->width, pixel / img->width, img->bit_depth);
        }
    }
    return IMZ_OK;
}

int imz_imageio_alloc(ImzContext *ctx, ImzImage *img, uint32_t width, uint32_t height, int channels,
                      int bit_depth, char *err, size_t err_len)
{
    int st = imz_image_alloc(ctx, img, width, height, channels, bit_depth);
    if (st < 0)
        return imz_imageio_fail(err, err_len, st, "%s", imz_last_error(ctx));
    return IMZ_OK;
}

/* A file cut short inside its magic number still gets the reader that reports the truncation. */
static int has_prefix(const uint8_t *data, size_t len, const uint8_t *magic, size_t magic_len,
                      size_t min_len)
{
    size_t n = len < magic_len ? len : magic_len;
    return n >= min_len && memcmp(data, magic, n) == 0;
}

ImzFileFormat imz_sniff_format(const uint8_t *data, size_t len)
{
    static const uint8_t jpeg_magic[3] = {0xff, 0xd8, 0xff};
    if (!data || len == 0)
        return IMZ_FMT_UNKNOWN;
    if (has_prefix(data, len, png_magic, sizeof png_magic, 4))
        return IMZ_FMT_PNG;
    if (has_prefix(data, len, imz_magic, sizeof imz_magic, 4))
        return IMZ_FMT_IMZ;
    if (has_prefix(data, len, jpeg_magic, sizeof jpeg_magic, 2))
        return IMZ_FMT_JPEG;
    if (len >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7') {
        if (len > 2 && !strchr(" \t\r\n\v\f#", data[2]))
            return IMZ_FMT_UNKNOWN;
        return data[1] == '7' ? IMZ_FMT_PAM : IMZ_FMT_PNM;
    }
    return IMZ_FMT_UNKNOWN;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int ext_is(const char *ext, const char *want)
{
    for (; *ext && *want; ext++, want++)
        if (lower((unsigned char)*ext) != *want)
            return 0;
    return *ext == 0 && *want == 0;
}

ImzFileFormat imz_format_from_name(const char *path)
{
    if (!path)
        return IMZ_FMT_UNKNOWN;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return IMZ_FMT_UNKNOWN;
    const char *ext = dot + 1;
    if (ext_is(ext, "png"))
        return IMZ_FMT_PNG;
    if (ext_is(ext, "jpg") || ext_is(ext, "jpeg"))
        return IMZ_FMT_JPEG;
    if (ext_is(ext, "pgm") || ext_is(ext, "ppm") || ext_is(ext, "pnm"))
        return IMZ_FMT_PNM;
    if (ext_is(ext, "pam"))
        return IMZ_FMT_PAM;
    if (ext_is(ext, "imz"))
        return IMZ_FMT_IMZ;
    return IMZ_FMT_UNKNOWN;
}

int imz_read_image(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                   size_t err_len)
{
    if (err && err_len)
        err[0] = 0;
    if (!ctx || !img || (!data && len))
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "invalid argument");
    memset(img, 0, sizeof *img);
    if (len == 0)
        return imz_imageio_fail(err, err_len, IMZ_ERR_TRUNCATED, "empty file");
    int st;
    switch (imz_sniff_format(data, len)) {
    case IMZ_FMT_PNG: st = imz_png_read(ctx, data, len, img, err, err_len); break;
    case IMZ_FMT_JPEG: st = imz_jpeg_read(ctx, data, len, img, err, err_len); break;
    case IMZ_FMT_PNM:
    case IMZ_FMT_PAM: st = imz_pnm_read(ctx, data, len, img, err, err_len); break;
    case IMZ_FMT_IMZ:
        return imz_imageio_fail(err, err_len, IMZ_ERR_UNSUPPORTED,
                                "an .imz file, not a PNG, JPEG or PNM file");
    default:
        return imz_imageio_fail(err, err_len, IMZ_ERR_UNSUPPORTED, "not a PNG, JPEG or PNM file");
    }
    if (st < 0)
        imz_image_free(ctx, img);
    return st;
}

int imz_write_image(const ImzImage *img, ImzFileFormat fmt, uint8_t **out, size_t *out_len,
                    char *err, size_t err_len)
{
    return imz_write_image_alloc(img, fmt, NULL, out, out_len, err, err_len);
}

/* Moves a malloc'd result into a buffer from alloc. */
static int move_to(const ImzAllocator *alloc, uint8_t **out, size_t len, char *err, size_t err_len)
{
    uint8_t *p = alloc->alloc(alloc->opaque, len ? len : 1);
    if (!p) {
        free(*out);
        *out = NULL;
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory (%zu bytes)", len);
    }
    memcpy(p, *out, len);
    free(*out);
    *out = p;
    return IMZ_OK;
}

int imz_write_image_alloc(const ImzImage *img, ImzFileFormat fmt, const ImzAllocator *alloc,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len)
{
    if (err && err_len)
        err[0] = 0;
    if (!out || !out_len)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "invalid argument");
    *out = NULL;
    *out_len = 0;
    int st = imz_imageio_check(img, err, err_len);
    if (st < 0)
        return st;
    switch (fmt) {
    case IMZ_FMT_PNG:
        st = imz_png_write(img, IMZ_PNG_DEFAULT_LEVEL, out, out_len, err, err_len);
        return st < 0 || !alloc ? st : move_to(alloc, out, *out_len, err, err_len);
    case IMZ_FMT_PNM: return imz_pnm_write(img, 0, alloc, out, out_len, err, err_len);
    case IMZ_FMT_PAM: return imz_pnm_write(img, 1, alloc, out, out_len, err, err_len);
    case IMZ_FMT_JPEG:
        return imz_imageio_fail(err, err_len, IMZ_ERR_UNSUPPORTED,
                                "JPEG output is not supported (use PNG, PNM or PAM)");
    case IMZ_FMT_IMZ:
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                ".imz output is written by imz_encode, not as an image file");
    default:
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "unknown output format %d",
                                (int)fmt);
    }
}
