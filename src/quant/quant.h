// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Scalar quantisation of the `lossy` codec (docs/format/lossy.md §7): the quantiser index q
// (0..IMZ_QUANT_MAX_Q) gives the step 2^(q/24 - 1) in the orthonormal DCT domain, 24 steps per
// doubling. Dequantisation is exact integer arithmetic; the encoder-side helpers (step in the
// coefficient domain of transform/dct.h, Lagrange multiplier) are floating point and never affect
// what a decoder computes.

#ifndef IMZ_QUANT_QUANT_H
#define IMZ_QUANT_QUANT_H

#include <stdint.h>

#define IMZ_QUANT_MAX_Q 215
/** Largest coded level magnitude; larger values in a stream are corrupt. */
#define IMZ_QUANT_MAX_LEVEL (1 << 15)

/** round(256 * 2^(i / 24)), i = 0..23. */
extern const uint16_t imz_quant_scale[24];

/** Dequantised coefficient of `level` at quantiser q for an n x n block (log2n 2..5), in int16. */
static inline int32_t imz_quant_dequant(int32_t level, int q, int log2n)
{
    int64_t a = level < 0 ? -(int64_t)level : level;
    a = ((a * imz_quant_scale[q % 24] << (q / 24)) + (1 << (log2n + 1))) >> (log2n + 2);
    if (a > 32767)
        a = 32767;
    return (int32_t)(level < 0 ? -a : a);
}

/**
 * imz_quant_dequant over the first `rows` rows of an n x n block of levels, in place. In 32 bits,
 * so that the loop vectorises: magnitudes are first capped at the smallest one whose value clips
 * anyway, which keeps every product below 2^31 and gives the same results.
 */
static inline void imz_quant_dequant_rows(int32_t *restrict lev, int n, int rows, int q,
                                          int log2n)
{
    const int32_t m = (int32_t)imz_quant_scale[q % 24] << (q / 24), sh = log2n + 2;
    const int32_t rnd = 1 << (log2n + 1), cap = (int32_t)((32768 << sh) / m + 1);
    for (int j = 0; j < rows; j++) {
        int32_t *r = lev + j * n;
        for (int i = 0; i < n; i++) {
            const int32_t v = r[i], a0 = v < 0 ? -v : v, a = a0 < cap ? a0 : cap;
            int32_t d = (a * m + rnd) >> sh;
            d = d > 32767 ? 32767 : d;
            r[i] = v < 0 ? -d : d;
        }
    }
}

/** Step size in the coefficient domain of an n x n transform (the value of one level). */
double imz_quant_step(int q, int log2n);

/** Step size in the orthonormal (pixel-energy) domain. */
double imz_quant_step_orth(int q);

#endif
