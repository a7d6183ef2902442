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
#include <webp/encode.h>

#include "codec/palette/palette.h"
#include "imageio/imageio_internal.h"
#include "imageio/std_encode.h"

#define DEFAULT_QUALITY 75
#define PNG_DEFAULT_LEVEL 9
#define WEBP_DEFAULT_METHOD 4
#define WEBP_DEFAULT_LOSSLESS_LEVEL 6
#define WEBP_MAX_SIDE 16383

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

static uint8_t sample_to_8bit(unsigned v, int depth)
{
    const unsigned maxv = (1u << depth) - 1;
    return depth == 8 ? (uint8_t)v : (uint8_t)((v * 255u + maxv / 2) / maxv);
}

static int encode_png_indexed(const ImzImage *img, int level, int colors, uint8_t **out,
                              size_t *out_len, char *err, size_t err_len)
{
    if (level < 0 || level > 9) /* checked again by the writer; here before the clustering */
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "PNG compression level %d is not in 0..9", level);
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

    ImzPngPalette plte = {.n = n};
    const int ch = img->channels, depth = img->bit_depth;
    const int has_alpha = ch == 2 || ch == 4;
    for (int j = 0; j < n; j++) {
        const uint16_t *e = pal + j * ch;
        plte.rgb[3 * j] = sample_to_8bit(e[0], depth);
        plte.rgb[3 * j + 1] = sample_to_8bit(e[ch >= 3 ? 1 : 0], depth);
        plte.rgb[3 * j + 2] = sample_to_8bit(e[ch >= 3 ? 2 : 0], depth);
        plte.alpha[j] = has_alpha ? sample_to_8bit(e[ch - 1], depth) : 255;
        if (plte.alpha[j] != 255)
            plte.n_alpha = j + 1; /* tRNS may stop at the last entry that is not opaque */
    }
    ImzImage indices = {img->width, img->height, 1, 8, map};
    st = imz_png_write_indexed(&indices, &plte, level, out, out_len, err, err_len);
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
