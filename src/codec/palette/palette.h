// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Colour quantisation as the `palette` codec does it (k-means on the image's distinct colours, in
// sRGB or Oklab), exposed for analysis (`imz analyze --palette`): the palette an image would get
// and how many pixels each entry takes.

#ifndef IMZ_CODEC_PALETTE_PALETTE_H
#define IMZ_CODEC_PALETTE_PALETTE_H

#include <stdint.h>

#include "common/context.h"

enum { IMZ_PAL_SPACE_RGB = 0, IMZ_PAL_SPACE_OKLAB = 1 };

typedef struct ImzPaletteParams {
    int colors; /**< entries wanted, 1..256 */
    int dither; /**< Floyd–Steinberg error diffusion when mapping pixels */
    int space;  /**< IMZ_PAL_SPACE_*; Oklab applies to RGB(A) images, gray always clusters values */
    uint64_t seed;
} ImzPaletteParams;

/**
 * Computes the palette of img: *n_colors (<= p->colors) entries of img->channels samples each
 * (alpha, if any, is clustered with the colour), sorted by lightness. Optionally returns the
 * index of every pixel (map: width * height entries) and the pixel count of each entry
 * (counts: p->colors entries). palette must hold p->colors * channels samples.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG or IMZ_ERR_NOMEM.
 */
int imz_palette_compute(ImzContext *ctx, const ImzImage *img, const ImzPaletteParams *p,
                        uint16_t *palette, int *n_colors, uint16_t *map, uint32_t *counts);

#endif
