// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Standard-format encoders (see std_encode.h). They exist so that imz's codecs can be compared
// with what JPEG, PNG and WebP reach on the same image, so each is configured the way a careful
// user would run it (optimised Huffman tables for JPEG, maximum zlib effort for PNG, exact RGB
// under transparent pixels for lossless WebP) rather than with the libraries' quick defaults.
// Indexed PNG stands for the palette quantisers (pngquant) the `palette` codec competes with.

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include <jerror.h>
#include <png.h>
#include <webp/encode.h>

#include "codec/palette/palette.h"
#include "imageio/imageio_internal.h"
#include "imageio/std_encode.h"

#define DEFAULT_QUALITY 75
#define PNG_DEFAULT_LEVEL 9
#define WEBP_DEFAULT_METHOD 4
#define WEBP_DEFAULT_LOSSLESS_LEVEL 6
#define WEBP_MAX_SIDE 16383
#define PNG_MAX_SIDE 0x7fffffffu

/* Samples of an 8-bit image as bytes, channels widened to `out_ch` (1 -> 3 and 2 -> 4 by
 * repeating the gray value). NULL when out of memory or the size overflows. */
static uint8_t *to_bytes(const ImzImage *img, int out_ch)
{
    const size_t pixels = (size_t)img->width * img->height;
    if (img->height && pixels / img->height != img->width)
        return NULL;
    if (pixels > SIZE_MAX / (size_t)out_ch)
        return NULL;
    uint8_t *buf = malloc(pixels * (size_t)out_ch + 1);
    if (!buf)
        return NULL;
    const int in_ch = img->channels;
    const uint16_t *s = img->data;
    uint8_t *d = buf;
    for (size_t i = 0; i < pixels; i++, s += in_ch, d += out_ch) {
        if (in_ch == out_ch) {
            for (int c = 0; c < in_ch; c++)
                d[c] = (uint8_t)s[c];
        } else {
            d[0] = d[1] = d[2] = (uint8_t)s[0];
            if (out_ch == 4)
                d[3] = (uint8_t)s[1];
        }
    }
    return buf;
}

/* ---- JPEG ---------------------------------------------------------------------------------- */

typedef struct JpegOut {
    struct jpeg_compress_struct cinfo;
    struct jpeg_error_mgr jerr;
    jmp_buf jump;
    int status;
    char *err;
    size_t err_len;
    unsigned char *buf; /* owned by libjpeg's memory destination until the end */
    unsigned long len;
    uint8_t *row;
} JpegOut;

static void jpeg_on_error(j_common_ptr cinfo)
{
    JpegOut *s = (JpegOut *)(void *)cinfo; /* cinfo is the first member */
    char text[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, text);
    s->status = cinfo->err->msg_code == JERR_OUT_OF_MEMORY   ? IMZ_ERR_NOMEM
                : cinfo->err->msg_code == JERR_IMAGE_TOO_BIG ? IMZ_ERR_LIMIT
                                                             : IMZ_ERR_INTERNAL;
    imz_imageio_fail(s->err, s->err_len, s->status, "JPEG: %s", text);
    longjmp(s->jump, 1);
}

/* Warnings (none expected when compressing) must not reach stderr. */
static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    (void)cinfo;
    (void)level;
}

/* Everything that may longjmp lives here, so the caller's locals stay well defined. */
static int jpeg_body(JpegOut *s, const ImzImage *img, int quality, int progressive)
{
    if (setjmp(s->jump))
        return s->status;
    struct jpeg_compress_struct *ci = &s->cinfo;
    jpeg_create_compress(ci);
    jpeg_mem_dest(ci, &s->buf, &s->len);
    ci->image_width = img->width;
    ci->image_height = img->height;
    ci->input_components = img->channels;
    ci->in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(ci); /* YCbCr with 2x2 luma sampling, i.e. 4:2:0 */
    jpeg_set_quality(ci, quality, TRUE);
    ci->optimize_coding = TRUE;
    if (progressive)
        jpeg_simple_progression(ci);
    jpeg_start_compress(ci, TRUE);
    const size_t row_len = (size_t)img->width * img->channels;
    while (ci->next_scanline < ci->image_height) {
        const uint16_t *src = img->data + (size_t)ci->next_scanline * row_len;
        for (size_t i = 0; i < row_len; i++)
            s->row[i] = (uint8_t)src[i];
        JSAMPROW rows[1] = {s->row};
        jpeg_write_scanlines(ci, rows, 1);
    }
    jpeg_finish_compress(ci);
    return IMZ_OK;
}

static int encode_jpeg(const ImzImage *img, int quality, int lossless, int progressive,
                       uint8_t **out, size_t *out_len, char *err, size_t err_len)
{
    if (lossless)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "JPEG has no lossless mode here (use png or webp)");
    if (img->channels == 2 || img->channels == 4)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "JPEG cannot store an alpha channel (%d channels given)",
                                img->channels);
    if (img->bit_depth != 8)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "JPEG takes 8-bit images only, not %d-bit", img->bit_depth);
    if (img->width > JPEG_MAX_DIMENSION || img->height > JPEG_MAX_DIMENSION)
        return imz_imageio_fail(
            err, err_len, IMZ_ERR_LIMIT, "%ux%u is too large for JPEG (at most %d per side)",
            (unsigned)img->width, (unsigned)img->height, (int)JPEG_MAX_DIMENSION);
    JpegOut *s = calloc(1, sizeof *s);
    if (!s)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    s->err = err;
    s->err_len = err_len;
    s->row = malloc((size_t)img->width * img->channels);
    int st;
    if (!s->row) {
        st = imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    } else {
        s->cinfo.err = jpeg_std_error(&s->jerr);
        s->jerr.error_exit = jpeg_on_error;
        s->jerr.emit_message = jpeg_on_message;
        st = jpeg_body(s, img, quality, progressive);
        jpeg_destroy_compress(&s->cinfo);
    }
    if (st == IMZ_OK) {
        /* Hand over a buffer the caller frees with free(), whoever allocated libjpeg's. */
        *out = malloc(s->len ? s->len : 1);
        if (!*out)
            st = imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
        else {
            memcpy(*out, s->buf, s->len);
            *out_len = s->len;
        }
    }
    free(s->buf);
    free(s->row);
    free(s);
    return st;
}

/* ---- WebP ---------------------------------------------------------------------------------- */

typedef struct WebpSink {
    uint8_t *buf;
    size_t len, cap;
} WebpSink;

static int webp_write(const uint8_t *data, size_t size, const WebPPicture *pic)
{
    WebpSink *k = pic->custom_ptr;
    if (size > SIZE_MAX / 2 - k->len)
        return 0;
    if (k->len + size > k->cap) {
        size_t cap = k->cap ? k->cap : 65536;
        while (cap < k->len + size)
            cap *= 2;
        uint8_t *p = realloc(k->buf, cap);
        if (!p)
            return 0;
        k->buf = p;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, data, size);
    k->len += size;
    return 1;
}

static const char *webp_reason(WebPEncodingError e)
{
    switch (e) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
        return "out of memory";
    case VP8_ENC_ERROR_BAD_DIMENSION:
        return "bad dimensions";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
    case VP8_ENC_ERROR_PARTITION_OVERFLOW:
        return "partition overflow (try a lower quality)";
    case VP8_ENC_ERROR_FILE_TOO_BIG:
        return "file too big (more than 4 GiB)";
    case VP8_ENC_ERROR_BAD_WRITE:
        return "output failed";
    default:
        return "encoder error";
    }
}

static int encode_webp(const ImzImage *img, int quality, int level, int lossless, int progressive,
                       uint8_t **out, size_t *out_len, char *err, size_t err_len)
{
    if (progressive)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "WebP has no progressive mode");
    if (img->bit_depth != 8)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "WebP takes 8-bit images only, not %d-bit", img->bit_depth);
    if (img->width > WEBP_MAX_SIDE || img->height > WEBP_MAX_SIDE)
        return imz_imageio_fail(err, err_len, IMZ_ERR_LIMIT,
                                "%ux%u is too large for WebP (at most %d per side)",
                                (unsigned)img->width, (unsigned)img->height, WEBP_MAX_SIDE);
    if (lossless ? level > 9 : level > 6)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "WebP %s level %d is not in 0..%d", lossless ? "lossless" : "lossy",
                                level, lossless ? 9 : 6);

    WebPConfig config;
    if (!WebPConfigInit(&config))
        return imz_imageio_fail(err, err_len, IMZ_ERR_INTERNAL, "WebP: library version mismatch");
    if (lossless) {
        WebPConfigLosslessPreset(&config, level < 0 ? WEBP_DEFAULT_LOSSLESS_LEVEL : level);
        config.exact = 1; /* keep the colour under transparent pixels: lossless means all of it */
    } else {
        config.quality = (float)(quality < 0 ? DEFAULT_QUALITY : quality);
        config.method = level < 0 ? WEBP_DEFAULT_METHOD : level;
    }
    if (!WebPValidateConfig(&config))
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "WebP: invalid settings");

    const int has_alpha = img->channels == 2 || img->channels == 4;
    const int ch = has_alpha ? 4 : 3;
    uint8_t *rgb = to_bytes(img, ch);
    if (!rgb)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    WebPPicture pic;
    if (!WebPPictureInit(&pic)) {
        free(rgb);
        return imz_imageio_fail(err, err_len, IMZ_ERR_INTERNAL, "WebP: library version mismatch");
    }
    pic.use_argb = lossless;
    pic.width = (int)img->width;
    pic.height = (int)img->height;
    WebpSink sink = {NULL, 0, 0};
    pic.writer = webp_write;
    pic.custom_ptr = &sink;
    int st = IMZ_OK;
    int ok = has_alpha ? WebPPictureImportRGBA(&pic, rgb, (int)img->width * ch)
                       : WebPPictureImportRGB(&pic, rgb, (int)img->width * ch);
    free(rgb);
    if (!ok)
        st = imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "WebP: %s", webp_reason(pic.error_code));
    else if (!WebPEncode(&config, &pic))
        st = imz_imageio_fail(err, err_len,
                              pic.error_code == VP8_ENC_ERROR_OUT_OF_MEMORY ||
                                      pic.error_code == VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY
                                  ? IMZ_ERR_NOMEM
                                  : IMZ_ERR_INTERNAL,
                              "WebP: %s", webp_reason(pic.error_code));
    WebPPictureFree(&pic);
    if (st == IMZ_OK) {
        *out = sink.buf;
        *out_len = sink.len;
    } else {
        free(sink.buf);
    }
    return st;
}

/* ---- Indexed PNG ----------------------------------------------------------------------------- */

/* What pngquant does without dithering: a k-means palette (imz's own, so that the result can be
 * set against the `palette` codec) and every pixel mapped to its nearest entry. PNG palette
 * entries are 8-bit, so deeper images lose their extra precision here too. */

typedef struct IndexedPng {
    png_structp png;
    png_infop info;
    int status;
    char *err;
    size_t err_len;
    uint8_t *out;
    size_t len, cap;
    uint8_t *row;
} IndexedPng;

static void indexed_on_error(png_structp png, png_const_charp msg)
{
    IndexedPng *s = png_get_error_ptr(png);
    if (s->status == IMZ_OK)
        s->status = imz_imageio_fail(s->err, s->err_len, IMZ_ERR_INTERNAL, "PNG: %s", msg);
    png_longjmp(png, 1);
}

/* Warnings (none expected when writing) must not reach stderr. */
static void indexed_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void indexed_write(png_structp png, png_bytep src, size_t n)
{
    IndexedPng *s = png_get_io_ptr(png);
    if (n > s->cap - s->len) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap - s->len < n) {
            if (cap > SIZE_MAX / 2) {
                s->status = imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM,
                                             "PNG output too large");
                png_error(png, "output too large");
            }
            cap *= 2;
        }
        uint8_t *grown = realloc(s->out, cap);
        if (!grown) {
            s->status = imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM,
                                         "out of memory (%zu bytes)", cap);
            png_error(png, "out of memory");
        }
        s->out = grown;
        s->cap = cap;
    }
    memcpy(s->out + s->len, src, n);
    s->len += n;
}

static void indexed_flush(png_structp png)
{
    (void)png;
}

static uint8_t sample_to_8bit(unsigned v, int depth)
{
    const unsigned maxv = (1u << depth) - 1;
    return depth == 8 ? (uint8_t)v : (uint8_t)((v * 255u + maxv / 2) / maxv);
}

/* Everything that may longjmp lives here, so the caller's locals stay well defined. */
static int indexed_body(IndexedPng *s, const ImzImage *img, int level, const png_color *plte,
                        int n, const png_byte *trns, int n_trns, const uint16_t *map, int depth)
{
    if (setjmp(png_jmpbuf(s->png)))
        return s->status < 0 ? s->status : IMZ_ERR_INTERNAL;
    png_structp png = s->png;
    png_set_write_fn(png, s, indexed_write, indexed_flush);
    png_set_IHDR(png, s->info, img->width, img->height, depth, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_PLTE(png, s->info, plte, n);
    if (n_trns)
        png_set_tRNS(png, s->info, trns, n_trns, NULL);
    png_set_compression_level(png, level);
    png_write_info(png, s->info);
    const int per_byte = 8 / depth;
    const size_t w = img->width;
    for (uint32_t y = 0; y < img->height; y++) {
        const uint16_t *idx = map + (size_t)y * w;
        uint8_t *d = s->row;
        for (size_t x = 0; x < w; x += (size_t)per_byte) {
            unsigned byte = 0;
            for (int k = 0; k < per_byte; k++) {
                unsigned v = x + (size_t)k < w ? idx[x + (size_t)k] : 0;
                byte |= v << (8 - depth * (k + 1));
            }
            *d++ = (uint8_t)byte;
        }
        png_write_row(png, s->row);
    }
    png_write_end(png, s->info);
    return IMZ_OK;
}

static int encode_png_indexed(const ImzImage *img, int level, int colors, uint8_t **out,
                              size_t *out_len, char *err, size_t err_len)
{
    if (level < 0 || level > 9)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "PNG compression level %d is not in 0..9", level);
    if (img->width > PNG_MAX_SIDE || img->height > PNG_MAX_SIDE)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "%ux%u is too large for PNG (at most 2^31-1 per side)",
                                (unsigned)img->width, (unsigned)img->height);
    const size_t npix = (size_t)img->width * img->height;
    if (img->height && npix / img->height != img->width)
        return imz_imageio_fail(err, err_len, IMZ_ERR_LIMIT, "image too large");
    ImzContext *ctx = NULL;
    if (imz_context_create(&ctx, NULL) != IMZ_OK)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    uint16_t *map = npix <= SIZE_MAX / sizeof *map ? malloc(npix ? npix * sizeof *map : 1) : NULL;
    uint16_t pal[256 * 4];
    int n = 0;
    int st;
    if (!map) {
        st = imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    } else {
        ImzPaletteParams p = {.colors = colors, .dither = 0, .space = IMZ_PAL_SPACE_RGB, .seed = 1};
        st = imz_palette_compute(ctx, img, &p, pal, &n, map, NULL);
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            st = imz_imageio_fail(err, err_len, st, "%s", *why ? why : imz_strerror(st));
        }
    }
    imz_context_destroy(ctx);
    if (st != IMZ_OK) {
        free(map);
        return st;
    }

    png_color plte[256];
    png_byte trns[256];
    int n_trns = 0;
    const int ch = img->channels, depth = img->bit_depth;
    const int has_alpha = ch == 2 || ch == 4;
    for (int j = 0; j < n; j++) {
        const uint16_t *e = pal + j * ch;
        plte[j].red = sample_to_8bit(e[0], depth);
        plte[j].green = sample_to_8bit(e[ch >= 3 ? 1 : 0], depth);
        plte[j].blue = sample_to_8bit(e[ch >= 3 ? 2 : 0], depth);
        trns[j] = has_alpha ? sample_to_8bit(e[ch - 1], depth) : 255;
        if (trns[j] != 255)
            n_trns = j + 1; /* tRNS may stop at the last entry that is not opaque */
    }
    const int png_depth = n <= 2 ? 1 : n <= 4 ? 2 : n <= 16 ? 4 : 8;

    IndexedPng *s = calloc(1, sizeof *s);
    if (!s) {
        free(map);
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    }
    s->err = err;
    s->err_len = err_len;
    s->row = malloc(((size_t)img->width * (size_t)png_depth + 7) / 8 + 1);
    if (!s->row) {
        st = imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    } else {
        s->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, s, indexed_on_error,
                                         indexed_on_warning);
        s->info = s->png ? png_create_info_struct(s->png) : NULL;
        if (!s->info)
            st = imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "PNG: cannot create encoder");
        else
            st = indexed_body(s, img, level, plte, n, trns, n_trns, map, png_depth);
        if (s->png)
            png_destroy_write_struct(&s->png, &s->info);
    }
    if (st == IMZ_OK) {
        *out = s->out;
        *out_len = s->len;
    } else {
        free(s->out);
    }
    free(s->row);
    free(s);
    free(map);
    return st;
}

/* ---- Dispatch ------------------------------------------------------------------------------ */

int imz_std_encode(const ImzImage *img, const char *codec, int quality, int level, int lossless,
                   int progressive, int colors, uint8_t **out, size_t *out_len, char *err,
                   size_t err_len)
{
    if (err_len)
        err[0] = '\0';
    if (!out || !out_len || !codec)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "no output or codec");
    *out = NULL;
    *out_len = 0;
    int st = imz_imageio_check(img, err, err_len);
    if (st < 0)
        return st;
    if (quality > 100)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "quality %d is not in 0..100",
                                quality);
    if (colors && strcmp(codec, "png"))
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "a palette of colours is for png only");
    if (colors && (colors < 2 || colors > 256))
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "%d colours is not in 2..256", colors);
    if (!strcmp(codec, "jpeg"))
        return encode_jpeg(img, quality < 0 ? DEFAULT_QUALITY : quality, lossless, progressive, out,
                           out_len, err, err_len);
    if (!strcmp(codec, "webp"))
        return encode_webp(img, quality, level, lossless, progressive, out, out_len, err, err_len);
    if (!strcmp(codec, "png")) {
        if (progressive)
            return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                    "PNG output is never interlaced here");
        if (colors)
            return encode_png_indexed(img, level < 0 ? PNG_DEFAULT_LEVEL : level, colors, out,
                                      out_len, err, err_len);
        return imz_png_write(img, level < 0 ? PNG_DEFAULT_LEVEL : level, out, out_len, err,
                             err_len);
    }
    return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                            "unknown standard format '%s' (use jpeg, png or webp)", codec);
}
