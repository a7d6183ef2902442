// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Encoding to the standard formats the imz codecs are measured against: baseline or progressive
// JPEG (libjpeg-turbo, optimised Huffman tables), PNG (libpng through imageio, truecolour or
// indexed with a k-means palette) and WebP (libwebp, lossy or lossless). The output is a complete
// file of that format, not an .imz container.

#ifndef IMZ_IMAGEIO_STD_ENCODE_H
#define IMZ_IMAGEIO_STD_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "imz.h"

/**
 * Encodes img as a standard image file.
 * @param codec       "jpeg", "png" or "webp".
 * @param quality     0..100 for jpeg and lossy webp, negative for the default (75); png ignores it.
 * @param level       effort: png zlib level 0..9 (default 9), webp method 0..6 (default 4) or, with
 *                    lossless, the webp lossless preset 0..9 (default 6); negative for the
 *                    default; jpeg ignores it.
 * @param lossless    webp: lossless mode; png is always lossless; jpeg refuses it.
 * @param progressive jpeg: progressive scans instead of baseline; png and webp refuse it.
 * @param colors      png: 2..256 writes an indexed PNG of at most that many colours (k-means
 *                    palette, nearest-colour mapping without dithering, 8-bit entries, tRNS for
 *                    alpha); 0 = the image's own colour type; jpeg and webp refuse it.
 * @param out         receives the file (free with free()), *out_len its size.
 * @param err         receives a one-line reason on failure (no file name).
 * @note jpeg takes 8-bit gray or RGB (4:2:0 chroma) and refuses an alpha channel; webp takes
 *       8-bit images with 1..4 channels (gray is stored as RGB); png takes any image.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG (unknown codec, value out of range, image the format cannot
 *         hold), IMZ_ERR_LIMIT (too large for the format), IMZ_ERR_NOMEM or IMZ_ERR_INTERNAL.
 */
int imz_std_encode(const ImzImage *img, const char *codec, int quality, int level, int lossless,
                   int progressive, int colors, uint8_t **out, size_t *out_len, char *err,
                   size_t err_len);

#endif
