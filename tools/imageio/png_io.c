// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// PNG through libpng, from and to memory. Reading accepts every colour type and bit depth: palettes
// become RGB or RGBA, tRNS on gray or RGB becomes an alpha channel computed here (so 1/2/4-bit gray
// keeps its raw values instead of being scaled to 8 bits), Adam7 is de-interlaced and 16-bit
// samples are read big-endian. Writing stores samples unchanged in the smallest PNG depth that
// holds them. libpng reports errors by longjmp; each entry point catches them in one small guard
// function, and no jump ever leaves this file.

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "imageio/imageio_internal.h"

/* Large enough that real images reach the pixel-limit check, which gives the clearer message. */
#define READ_MAX_SIDE (1u << 24)
#define WRITE_MAX_SIDE 0x7fffffffu

typedef struct PngState {
    png_structp png;
    png_infop info;
    int status; /* set by the error callback, or by us before we call png_error */
    char *err;
    size_t err_len;
    /* reading */
    ImzContext *ctx;
    ImzImage *img;
    const uint8_t *in;
    size_t in_len, in_pos;
    int truncated;
    char warning[128]; /* libpng explains a bad IHDR in warnings before failing */
    uint8_t *rows;
    png_bytep *row_ptrs;
    /* writing */
    int writing;
    uint8_t *out;
    size_t out_len, out_cap;
    uint8_t *row;
} PngState;

static int status_for(const char *msg)
{
    if (strstr(msg, "user limit") || strstr(msg, "too large"))
        return IMZ_ERR_LIMIT;
    if (strstr(msg, "ut of memory") || strstr(msg, "ut of Memory"))
        return IMZ_ERR_NOMEM;
    return IMZ_ERR_CORRUPT;
}

static void on_error(png_structp png, png_const_charp msg)
{
    PngState *s = png_get_error_ptr(png);
    if (s->status == IMZ_OK) {
        if (!strcmp(msg, "Invalid IHDR data") && s->warning[0])
            msg = s->warning;
        const char *crc = strstr(msg, ": CRC error");
        if (s->writing)
            s->status = imz_imageio_fail(s->err, s->err_len, IMZ_ERR_INTERNAL, "PNG: %s", msg);
        else if (strstr(msg, "exceeds user limit"))
            s->status = imz_imageio_fail(s->err, s->err_len, IMZ_ERR_LIMIT,
                                         "PNG: image side over %u pixels", READ_MAX_SIDE);
        else if (s->truncated)
            s->status =
                imz_imageio_fail(s->err, s->err_len, IMZ_ERR_TRUNCATED, "truncated PNG data");
        else if (crc && crc - msg <= 16)
            s->status = imz_imageio_fail(s->err, s->err_len, IMZ_ERR_CORRUPT,
                                         "PNG: CRC error in %.*s", (int)(crc - msg), msg);
        else
            s->status = imz_imageio_fail(s->err, s->err_len, status_for(msg), "PNG: %s", msg);
    }
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    PngState *s = png_get_error_ptr(png);
    snprintf(s->warning, sizeof s->warning, "%s", msg);
}

/* ---- Reading --------------------------------------------------------------------------------- */

static void read_mem(png_structp png, png_bytep dst, size_t n)
{
    PngState *s = png_get_io_ptr(png);
    if (n > s->in_len - s->in_pos) {
        s->truncated = 1;
        png_error(png, "truncated PNG data");
    }
    memcpy(dst, s->in + s->in_pos, n);
    s->in_pos += n;
}

/* Converts one decoded row (png_ch samples per pixel, 1 or 2 bytes each) into the image row,
 * appending the alpha that tRNS defines when trans is not NULL. */
static void convert_row(const uint8_t *src, uint16_t *dst, uint32_t width, int png_ch, int wide,
                        const png_color_16 *trans, uint16_t maxval)
{
    for (uint32_t x = 0; x < width; x++) {
        uint16_t v[4];
        for (int c = 0; c < png_ch; c++) {
            v[c] = wide ? (uint16_t)(src[0] << 8 | src[1]) : src[0];
            src += wide ? 2 : 1;
            *dst++ = v[c];
        }
        if (trans) {
            int opaque = png_ch == 1
                             ? v[0] != trans->gray
                             : v[0] != trans->red || v[1] != trans->green || v[2] != trans->blue;
            *dst++ = opaque ? maxval : 0;
        }
    }
}

static int read_body(PngState *s)
{
    png_structp png = s->png;
    png_infop info = s->info;
    png_set_read_fn(png, s, read_mem);
    png_set_user_limits(png, READ_MAX_SIDE, READ_MAX_SIDE);
    png_read_info(png, info);

    png_uint_32 width, height;
    int depth, ctype, interlace;
    png_get_IHDR(png, info, &width, &height, &depth, &ctype, &interlace, NULL, NULL);
    int out_depth = depth;
    png_color_16p trans = NULL;
    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY:
        if (depth < 8)
            png_set_packing(png); /* one byte per sample, values unscaled */
        break;
    case PNG_COLOR_TYPE_PALETTE:
        png_set_palette_to_rgb(png); /* also turns tRNS into alpha */
        out_depth = 8;
        break;
    case PNG_COLOR_TYPE_GRAY_ALPHA:
    case PNG_COLOR_TYPE_RGB:
    case PNG_COLOR_TYPE_RGB_ALPHA: break;
    default:
        return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_CORRUPT, "PNG: bad colour type %d",
                                ctype);
    }
    if ((ctype == PNG_COLOR_TYPE_GRAY || ctype == PNG_COLOR_TYPE_RGB) &&
        png_get_valid(png, info, PNG_INFO_tRNS))
        png_get_tRNS(png, info, NULL, NULL, &trans);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int png_ch = png_get_channels(png, info);
    int wide = out_depth == 16;
    size_t rowbytes = png_get_rowbytes(png, info);
    if (png_ch < 1 || png_ch > 4 || (trans && png_ch != 1 && png_ch != 3) ||
        rowbytes != (size_t)width * png_ch * (wide ? 2 : 1))
        return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_INTERNAL,
                                "PNG: unexpected row layout (%d channels, %zu bytes)", png_ch,
                                rowbytes);
    int st = imz_imageio_alloc(s->ctx, s->img, width, height, png_ch + (trans != NULL), out_depth,
                               s->err, s->err_len);
    if (st < 0)
        return st;

    ImzImage *img = s->img;
    uint16_t maxval = (uint16_t)((1u << out_depth) - 1);
    size_t row_samples = (size_t)width * img->channels;
    if (passes > 1) {
        /* Adam7 fills each row over several passes, so the whole packed image is kept. */
        size_t total;
        if (!rowbytes || height > SIZE_MAX / rowbytes / sizeof(png_bytep))
            return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_LIMIT, "PNG: image too large");
        total = rowbytes * height;
        s->rows = malloc(total);
        s->row_ptrs = malloc(height * sizeof(png_bytep));
        if (!s->rows || !s->row_ptrs)
            return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM, "out of memory (%zu bytes)",
                                    total);
        for (png_uint_32 y = 0; y < height; y++)
            s->row_ptrs[y] = s->rows + (size_t)y * rowbytes;
        png_read_image(png, s->row_ptrs);
        for (png_uint_32 y = 0; y < height; y++)
            convert_row(s->row_ptrs[y], img->data + (size_t)y * row_samples, width, png_ch, wide,
                        trans, maxval);
    } else {
        s->rows = malloc(rowbytes);
        if (!s->rows)
            return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM, "out of memory (%zu bytes)",
                                    rowbytes);
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, s->rows, NULL);
            convert_row(s->rows, img->data + (size_t)y * row_samples, width, png_ch, wide, trans,
                        maxval);
        }
    }
    /* Reads up to IEND, so a file cut after its image data is still reported as truncated. */
    png_read_end(png, NULL);
    return IMZ_OK;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* libpng checks a chunk's CRC only after decoding its data, so damage inside IDAT would surface as
 * a zlib error; checking the critical chunks first names the actual problem. Anything else that is
 * wrong with the chunk layout is left for libpng to report. */
static int check_crcs(const uint8_t *p, size_t len, char *err, size_t err_len)
{
    size_t pos = 8;
    while (pos <= len && len - pos >= 12) {
        uint32_t n = be32(p + pos);
        const uint8_t *type = p + pos + 4;
        if (n > 0x7fffffffu || n > len - pos - 12)
            break;
        if (!(type[0] & 0x20) && crc32(0, type, n + 4) != be32(type + 4 + n)) {
            for (int i = 0; i < 4; i++)
                if (!((type[i] | 0x20) >= 'a' && (type[i] | 0x20) <= 'z'))
                    return imz_imageio_fail(err, err_len, IMZ_ERR_CORRUPT,
                                            "PNG: CRC error in the chunk at byte %zu", pos);
            return imz_imageio_fail(err, err_len, IMZ_ERR_CORRUPT, "PNG: CRC error in %.4s",
                                    (const char *)type);
        }
        if (!memcmp(type, "IEND", 4))
            break;
        pos += 12 + (size_t)n;
    }
    return IMZ_OK;
}

static int read_guarded(PngState *s)
{
    if (setjmp(png_jmpbuf(s->png)))
        return s->status < 0 ? s->status : IMZ_ERR_INTERNAL;
    return read_body(s);
}

int imz_png_read(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                 size_t err_len)
{
    int st = check_crcs(data, len, err, err_len);
    if (st < 0)
        return st;
    PngState s;
    memset(&s, 0, sizeof s);
    s.ctx = ctx;
    s.img = img;
    s.in = data;
    s.in_len = len;
    s.err = err;
    s.err_len = err_len;
    s.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
    if (!s.png)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "PNG: cannot create decoder");
    s.info = png_create_info_struct(s.png);
    st = s.info ? read_guarded(&s)
                : imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "PNG: cannot create decoder");
    png_destroy_read_struct(&s.png, &s.info, NULL);
    free(s.rows);
    free(s.row_ptrs);
    if (st < 0)
        imz_image_free(ctx, img);
    return st;
}

/* ---- Writing --------------------------------------------------------------------------------- */

static void write_mem(png_structp png, png_bytep src, size_t n)
{
    PngState *s = png_get_io_ptr(png);
    if (n > s->out_cap - s->out_len) {
        size_t cap = s->out_cap ? s->out_cap : 4096;
        while (cap - s->out_len < n) {
            if (cap > SIZE_MAX / 2) {
                s->status =
                    imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM, "PNG output too large");
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
        s->out_cap = cap;
    }
    memcpy(s->out + s->out_len, src, n);
    s->out_len += n;
}

static void flush_mem(png_structp png)
{
    (void)png;
}

/* Packs one image row into PNG samples of png_depth bits (MSB first below 8 bits). */
static void pack_row(const uint16_t *src, uint8_t *dst, size_t n, int png_depth)
{
    if (png_depth == 16) {
        for (size_t i = 0; i < n; i++) {
            *dst++ = (uint8_t)(src[i] >> 8);
            *dst++ = (uint8_t)src[i];
        }
    } else if (png_depth == 8) {
        for (size_t i = 0; i < n; i++)
            dst[i] = (uint8_t)src[i];
    } else {
        int per_byte = 8 / png_depth;
        for (size_t i = 0; i < n; i += (size_t)per_byte) {
            unsigned byte = 0;
            for (int k = 0; k < per_byte; k++) {
                unsigned v = i + (size_t)k < n ? src[i + (size_t)k] : 0;
                byte |= v << (8 - png_depth * (k + 1));
            }
            *dst++ = (uint8_t)byte;
        }
    }
}

/* Writes img as PNG; with a palette, img holds entry numbers and the PNG is colour type 3. */
static int write_body(PngState *s, const ImzImage *img, const ImzPngPalette *pal, int level)
{
    static const int ctypes[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                  PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_structp png = s->png;
    int png_depth = img->bit_depth > 8 ? 16 : 8;
    if (img->channels == 1 && img->bit_depth <= 4)
        png_depth = img->bit_depth == 3 ? 4 : img->bit_depth;
    if (pal)
        png_depth = pal->n <= 2 ? 1 : pal->n <= 4 ? 2 : pal->n <= 16 ? 4 : 8;
    size_t n = (size_t)img->width * img->channels;
    size_t rowbytes = png_depth < 8 ? (n * (size_t)png_depth + 7) / 8 : n * (size_t)(png_depth / 8);
    s->row = malloc(rowbytes);
    if (!s->row)
        return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM, "out of memory (%zu bytes)",
                                rowbytes);

    png_set_write_fn(png, s, write_mem, flush_mem);
    png_set_user_limits(png, WRITE_MAX_SIDE, WRITE_MAX_SIDE);
    png_set_IHDR(png, s->info, img->width, img->height, png_depth,
                 pal ? PNG_COLOR_TYPE_PALETTE : ctypes[img->channels], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal) {
        png_color plte[256];
        for (int j = 0; j < pal->n; j++)
            plte[j] = (png_color){pal->rgb[3 * j], pal->rgb[3 * j + 1], pal->rgb[3 * j + 2]};
        png_set_PLTE(png, s->info, plte, pal->n);
        if (pal->n_alpha)
            png_set_tRNS(png, s->info, pal->alpha, pal->n_alpha, NULL);
    }
    png_set_compression_level(png, level);
    png_write_info(png, s->info);
    for (uint32_t y = 0; y < img->height; y++) {
        pack_row(img->data + (size_t)y * n, s->row, n, png_depth);
        png_write_row(png, s->row);
    }
    png_write_end(png, s->info);
    return IMZ_OK;
}

static int write_guarded(PngState *s, const ImzImage *img, const ImzPngPalette *pal, int level)
{
    if (setjmp(png_jmpbuf(s->png)))
        return s->status < 0 ? s->status : IMZ_ERR_INTERNAL;
    return write_body(s, img, pal, level);
}

static int png_write_any(const ImzImage *img, const ImzPngPalette *pal, int level, uint8_t **out,
                         size_t *out_len, char *err, size_t err_len)
{
    if (level < 0 || level > 9)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "PNG compression level %d is not in 0..9", level);
    if (img->width > WRITE_MAX_SIDE || img->height > WRITE_MAX_SIDE)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG,
                                "%ux%u is too large for PNG (at most 2^31-1 per side)",
                                (unsigned)img->width, (unsigned)img->height);
    PngState s;
    memset(&s, 0, sizeof s);
    s.writing = 1;
    s.err = err;
    s.err_len = err_len;
    s.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &s, on_error, on_warning);
    if (!s.png)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "PNG: cannot create encoder");
    s.info = png_create_info_struct(s.png);
    int st = s.info ? write_guarded(&s, img, pal, level)
                    : imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "PNG: cannot create encoder");
    png_destroy_write_struct(&s.png, &s.info);
    free(s.row);
    if (st < 0) {
        free(s.out);
        return st;
    }
    *out = s.out;
    *out_len = s.out_len;
    return IMZ_OK;
}

int imz_png_write(const ImzImage *img, int level, uint8_t **out, size_t *out_len, char *err,
                  size_t err_len)
{
    return png_write_any(img, NULL, level, out, out_len, err, err_len);
}

int imz_png_write_indexed(const ImzImage *indices, const ImzPngPalette *pal, int level,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len)
{
    if (indices->channels != 1 || pal->n < 1 || pal->n > 256 || pal->n_alpha < 0 ||
        pal->n_alpha > pal->n)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INVALID_ARG, "invalid PNG palette");
    return png_write_any(indices, pal, level, out, out_len, err, err_len);
}
