// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The per-format readers and writers behind imageio.h and the small helpers they share. Readers
// take the whole file in memory, leave *img zeroed on failure and write a one-line reason to err;
// writers return a malloc'ed buffer. None of them keeps state between calls.

#ifndef IMZ_IMAGEIO_INTERNAL_H
#define IMZ_IMAGEIO_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "imageio/imageio.h"

#if defined(__GNUC__)
#define IMZ_IMAGEIO_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IMZ_IMAGEIO_PRINTF(f, a)
#endif

/** zlib level used by imz_write_image for PNG. */
#define IMZ_PNG_DEFAULT_LEVEL 6

/** Formats a reason into err (if err_len > 0) and returns status. */
int imz_imageio_fail(char *err, size_t err_len, int status, const char *fmt, ...)
    IMZ_IMAGEIO_PRINTF(4, 5);

/**
 * Checks an image handed to a writer: shape in range, data present, every
 * sample < 2^bit_depth.
 * @return IMZ_OK or IMZ_ERR_INVALID_ARG with the reason in err.
 */
int imz_imageio_check(const ImzImage *img, char *err, size_t err_len);

/** Allocates *img through ctx; on failure copies the context's reason (e.g. the
 * limit) to err. */
int imz_imageio_alloc(ImzContext *ctx, ImzImage *img, uint32_t width, uint32_t height, int channels,
                      int bit_depth, char *err, size_t err_len);

int imz_png_read(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                 size_t err_len);
/** Encodes a checked image as PNG with zlib level 0..9. */
/** A PNG palette: n (1..256) 8-bit RGB entries and the alpha of the first n_alpha (tRNS). */
typedef struct ImzPngPalette {
    int n, n_alpha;
    uint8_t rgb[256 * 3];
    uint8_t alpha[256];
} ImzPngPalette;

/**
 * Writes a palette PNG: `indices` is a one-channel image of entry numbers (< pal->n); the bit
 * depth (1, 2, 4 or 8) follows the number of entries. Same contract as imz_png_write.
 */
int imz_png_write_indexed(const ImzImage *indices, const ImzPngPalette *pal, int level,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len);

int imz_png_write(const ImzImage *img, int level, uint8_t **out, size_t *out_len, char *err,
                  size_t err_len);

int imz_jpeg_read(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                  size_t err_len);

/** Reads P1..P7. */
int imz_pnm_read(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                 size_t err_len);
/** Encodes a checked image as P5/P6 (1 or 3 channels, unless pam) or P7, into a buffer from alloc
 * (NULL: malloc). */
int imz_pnm_write(const ImzImage *img, int pam, const ImzAllocator *alloc, uint8_t **out,
                  size_t *out_len, char *err, size_t err_len);

#endif
