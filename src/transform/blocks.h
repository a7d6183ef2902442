// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Square blocks of an image with the edges replicated, as the block-based encoders (vq, the pca
// block KLT) cut an image whose size is not a multiple of the block size.

#ifndef IMZ_TRANSFORM_BLOCKS_H
#define IMZ_TRANSFORM_BLOCKS_H

#include <stdint.h>

#include "imz.h"

/** The first sample of pixel (x, y) of block (bx, by) of size b, clamped to the image. */
static inline const uint16_t *imz_block_pixel(const ImzImage *img, uint32_t bx, uint32_t by,
                                              int b, int x, int y)
{
    uint32_t sx = bx * (uint32_t)b + (uint32_t)x, sy = by * (uint32_t)b + (uint32_t)y;
    sx = sx < img->width ? sx : img->width - 1;
    sy = sy < img->height ? sy : img->height - 1;
    return img->data + ((size_t)sy * img->width + sx) * img->channels;
}

#endif
