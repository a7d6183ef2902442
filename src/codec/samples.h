// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Samples as bytes, the representation `raw`, `rle` and `deflate` work on: one byte per sample
// for depths up to 8, two bytes (big-endian, as in PNG and PNM) above, in interleaved order.

#ifndef IMZ_CODEC_SAMPLES_H
#define IMZ_CODEC_SAMPLES_H

#include "bitio/buf.h"
#include "common/context.h"

static inline int imz_sample_bytes(const ImzImage *img) { return img->bit_depth > 8 ? 2 : 1; }

/** Appends every sample of img to out. */
void imz_samples_pack(const ImzImage *img, ImzBuf *out);

/**
 * Reads exactly imz_image_samples(img) samples from src (which must hold that many), checking each
 * against the bit depth. Returns IMZ_OK or IMZ_ERR_CORRUPT.
 */
int imz_samples_unpack(ImzContext *ctx, const uint8_t *src, ImzImage *img);

#endif
