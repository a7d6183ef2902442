// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Reading and writing standard image files (PNG via libpng, JPEG via libjpeg-turbo, PNM/PAM by
// hand) to and from ImzImage. This folder is the only place that links libpng and libjpeg.
// All readers work from memory, so stdin and files take the same path; every failure returns a
// negative IMZ_ERR_* status with a one-line reason in `err` (no file name: the caller adds it).

#ifndef IMZ_IMAGEIO_H
#define IMZ_IMAGEIO_H

#include <stddef.h>
#include <stdint.h>

#include "imz.h"

typedef enum ImzFileFormat {
    IMZ_FMT_UNKNOWN = 0,
    IMZ_FMT_PNG,
    IMZ_FMT_JPEG,
    IMZ_FMT_PNM, /* P5/P6 (and P2/P3 on read): PGM, PPM */
    IMZ_FMT_PAM, /* P7: any channel count */
    IMZ_FMT_IMZ,
} ImzFileFormat;

/**
 * Format from the first bytes of a file (magic numbers; P1..P6 give IMZ_FMT_PNM, P7 IMZ_FMT_PAM).
 * A file shorter than its magic number that matches the start of one still gets that format, so the
 * reader can report the truncation.
 */
ImzFileFormat imz_sniff_format(const uint8_t *data, size_t len);
/** Format from a file name's extension (.png .jpg .jpeg .pgm .ppm .pnm .pam .imz), any case. */
ImzFileFormat imz_format_from_name(const char *path);

/**
 * Decodes a PNG, JPEG or PNM/PAM held in memory. PNG: any bit depth and colour type; palette images
 * become RGB (RGBA if the palette has transparency); a tRNS colour on gray or RGB adds an alpha
 * channel (0 where the colour matches, else 2^depth-1); 1/2/4-bit gray keeps its bit depth and raw
 * values; 16-bit files read as depth 16 whatever their sample range; interlaced images are
 * de-interlaced. JPEG: gray or RGB (CMYK/YCCK converted to RGB), 8-bit. PNM: P1..P7, maxval up to
 * 65535 gives bit depth ceil(log2(maxval + 1)) with samples kept as stored; samples above maxval
 * are an error; PBM's 1 = black is inverted so that 0 is black as elsewhere.
 * Data that ends early (no PNG IEND, no JPEG EOI, a short raster) is an error, not a partial image.
 * The pixel limit of ctx is checked before the pixel buffer is allocated.
 * @return IMZ_OK, or IMZ_ERR_TRUNCATED, IMZ_ERR_CORRUPT, IMZ_ERR_UNSUPPORTED (not an image file,
 *         an .imz file, unsupported variant), IMZ_ERR_LIMIT, IMZ_ERR_NOMEM or IMZ_ERR_INVALID_ARG,
 *         with the reason in err. *img is left zeroed on failure; on success free it with
 *         imz_image_free(ctx, img).
 */
int imz_read_image(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                   size_t err_len);

/**
 * Encodes img as PNG, PNM (P5/P6 for 1 or 3 channels, P7 otherwise; maxval 2^depth-1) or PAM (P7).
 * PNG stores the samples unchanged in the smallest PNG depth (1/2/4/8/16) that holds bit_depth, so
 * a 12-bit scan becomes a 16-bit PNG with samples 0..4095, the way scanners write them.
 * On success *out (free with free()) holds *out_len bytes.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG (bad shape, a sample >= 2^bit_depth, .imz or unknown
 *         format), IMZ_ERR_UNSUPPORTED (JPEG), IMZ_ERR_LIMIT or IMZ_ERR_NOMEM.
 */
int imz_write_image(const ImzImage *img, ImzFileFormat fmt, uint8_t **out, size_t *out_len,
                    char *err, size_t err_len);

/**
 * imz_write_image with *out allocated through alloc (NULL means malloc) and freed through
 * alloc->free, for callers whose large buffers come from their own allocator.
 */
int imz_write_image_alloc(const ImzImage *img, ImzFileFormat fmt, const ImzAllocator *alloc,
                          uint8_t **out, size_t *out_len, char *err, size_t err_len);

#endif
