// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Integer 2-D DCT-II of sizes 4, 8, 16 and 32 (log2 sizes 2..5) for the `lossy` codec
// (docs/format/lossy.md §6). The basis is the integer matrix of HEVC: 64 * sqrt(2) * cos(j*pi/64)
// rounded and hand-adjusted, so the inverse is exact integer arithmetic and every decoder
// reconstructs the same samples. Coefficients are kept at K = 2^(7 - log2 n) times the orthonormal
// DCT, which keeps every stage inside 16 bits for 9-bit residuals.

#ifndef IMZ_TRANSFORM_DCT_H
#define IMZ_TRANSFORM_DCT_H

#include <stdint.h>

#define IMZ_DCT_MAX_LOG2 5
#define IMZ_DCT_MAX 32

/** Transform types: DST-VII instead of DCT horizontally and/or vertically (sizes 4..16 only). */
#define IMZ_TX_DST_H 1
#define IMZ_TX_DST_V 2

/** Entry (k, i) of the n-point integer DCT matrix (row k = frequency, column i = sample). */
int imz_dct_coef(int log2n, int k, int i);

/**
 * Forward transform of an n x n residual block (src, row stride `stride`, |values| <= 511) into
 * n * n coefficients in raster order (dst[v * n + u], u horizontal frequency), scaled by K.
 */
void imz_dct_fwd(const int16_t *src, int stride, int32_t *dst, int log2n, int tx);

/**
 * Exact inverse: coef (raster, each already clipped to int16) to an n x n residual block res
 * (raster). Only the top-left (max_u + 1) x (max_v + 1) coefficients may be nonzero, and the rest
 * must be zero: the inverse may read a few of them. Intermediate values are clipped to int16 as
 * the format specifies. tx: IMZ_TX_* flags.
 */
void imz_dct_inv(const int32_t *coef, int16_t *res, int log2n, int max_u, int max_v, int tx);

#endif
