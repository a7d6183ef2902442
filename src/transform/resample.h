// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Resampling by an integer factor: area-average reduction (each output sample is the mean of the
// F x F block it covers, fewer at the right and bottom edges) and separable interpolation back to
// a full size with a bicubic (Keys, a = -0.5) or Lanczos-3 kernel, edges clamped.

#ifndef IMZ_TRANSFORM_RESAMPLE_H
#define IMZ_TRANSFORM_RESAMPLE_H

#include "common/context.h"

enum { IMZ_FILTER_BICUBIC = 0, IMZ_FILTER_LANCZOS3 = 1, IMZ_FILTER_COUNT };

/** Size of the reduced image: ceil(n / factor). */
static inline uint32_t imz_reduced_size(uint32_t n, int factor)
{
    return (uint32_t)(((uint64_t)n + (uint64_t)factor - 1) / (uint64_t)factor);
}

/** Fills `dst` (allocated, reduced size, same channels/depth) with area averages of `src`. */
void imz_downsample_area(const ImzImage *src, int factor, ImzImage *dst);

/** Interpolates `src` up to the size of `dst` (allocated). Returns IMZ_OK or IMZ_ERR_NOMEM. */
int imz_upsample(ImzContext *ctx, const ImzImage *src, int factor, int filter, ImzImage *dst);

#endif
