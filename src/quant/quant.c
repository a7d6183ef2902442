// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Quantiser tables and encoder-side step sizes (docs/format/lossy.md §7).

#include "quant/quant.h"

#include <math.h>

const uint16_t imz_quant_scale[24] = {256, 264, 271, 279, 287, 296, 304, 313, 323, 332, 342, 352,
                                      362, 373, 384, 395, 406, 418, 431, 443, 456, 470, 483, 497};

double imz_quant_step(int q, int log2n)
{
    return imz_quant_scale[q % 24] * ldexp(1.0, q / 24 - log2n - 2);
}

double imz_quant_step_orth(int q)
{
    /* coefficient domain = orthonormal * 2^(7 - log2n) */
    return imz_quant_step(q, 2) / 32.0;
}
