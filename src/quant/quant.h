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

/** Step size in the coefficient domain of an n x n transform (the value of one level). */
double imz_quant_step(int q, int log2n);

/** Step size in the orthonormal (pixel-energy) domain. */
double imz_quant_step_orth(int q);

#endif
