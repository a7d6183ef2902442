// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The integer DCTs of transform/dct.h and the dequantiser of quant/quant.h: basis properties,
// forward/inverse round trips within a small error, the inverse against its formula (every size and
// sparsity, up to saturation), its exactness on known inputs, and the zero-region shortcut giving
// the same result as the full inverse.

#include <stdlib.h>

#include "quant/quant.h"
#include "test.h"
#include "transform/dct.h"

static uint32_t rng = 99;
static int next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (int)(rng >> 1);
}

TEST(basis_rows_are_nearly_orthogonal)
{
    for (int l = 2; l <= 5; l++) {
        const int n = 1 << l;
        for (int a = 0; a < n; a++)
            for (int b = 0; b < n; b++) {
                long dot = 0;
                for (int i = 0; i < n; i++)
                    dot += (long)imz_dct_coef(l, a, i) * imz_dct_coef(l, b, i);
                const long norm = 4096L * n; /* (64 sqrt n)^2 */
                if (a == b)
                    CHECK_MSG(labs(dot - norm) * 100 < norm, "n=%d row %d norm %ld", n, a, dot);
                else
                    CHECK_MSG(labs(dot) * 100 < norm, "n=%d rows %d,%d dot %ld", n, a, b, dot);
            }
    }
}

/* The DCT inverse of docs/format/lossy.md §6 written as plainly as possible. */
static void reference_inverse(const int32_t *d, int16_t *res, int l)
{
    const int n = 1 << l;
    int32_t tmp[32 * 32];
    for (int y = 0; y < n; y++)
        for (int u = 0; u < n; u++) {
            int64_t s = 64;
            for (int v = 0; v < n; v++)
                s += (int64_t)imz_dct_coef(l, v, y) * (int16_t)d[v * n + u];
            s >>= 7;
            tmp[y * n + u] = (int32_t)(s < -32768 ? -32768 : s > 32767 ? 32767 : s);
        }
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++) {
            int64_t s = 2048;
            for (int u = 0; u < n; u++)
                s += (int64_t)imz_dct_coef(l, u, x) * tmp[y * n + u];
            s >>= 12;
            res[y * n + x] = (int16_t)(s < -32768 ? -32768 : s > 32767 ? 32767 : s);
        }
}

/* Every size and sparsity, with values up to the 16-bit extremes (where the passes saturate):
 * the same results as the formula, whichever kernel (portable or SIMD) the build uses. */
TEST(inverse_matches_the_formula)
{
    int32_t coef[32 * 32];
    int16_t a[32 * 32], b[32 * 32];
    for (int l = 2; l <= 5; l++) {
        const int n = 1 << l;
        int bad = 0;
        for (int trial = 0; trial < 400; trial++) {
            const int mu = trial % n, mv = (trial / n) % n;
            const int big = trial % 5 == 0 ? 32767 : trial % 2 ? 2000 : 200;
            for (int v = 0; v < n; v++)
                for (int u = 0; u < n; u++)
                    coef[v * n + u] = u <= mu && v <= mv ? next_rand() % (2 * big + 1) - big : 0;
            coef[0] |= 1; /* not the DC-only shortcut's flat block every time */
            reference_inverse(coef, a, l);
            /* rows beyond mv are not the caller's to promise (4x4 blocks are read whole) */
            for (int v = mv + 1; l > 2 && v < n; v++)
                for (int u = 0; u < n; u++)
                    coef[v * n + u] = next_rand() % 65536 - 32768;
            imz_dct_inv(coef, b, l, mu, mv, 0);
            for (int i = 0; i < n * n; i++)
                bad += a[i] != b[i];
        }
        CHECK_MSG(bad == 0, "n=%d: %d samples differ from the formula", n, bad);
    }
}

TEST(forward_inverse_round_trip)
{
    int16_t src[32 * 32], res[32 * 32];
    int32_t coef[32 * 32];
    for (int l = 2; l <= 5; l++) {
        const int n = 1 << l;
        for (int trial = 0; trial < 200; trial++) {
            const int tx = l <= 4 ? trial & 3 : 0;
            for (int i = 0; i < n * n; i++)
                src[i] = (int16_t)(next_rand() % 511 - 255);
            imz_dct_fwd(src, n, coef, l, tx);
            imz_dct_inv(coef, res, l, n - 1, n - 1, tx);
            int maxerr = 0;
            for (int i = 0; i < n * n; i++) {
                int e = abs(res[i] - src[i]);
                maxerr = e > maxerr ? e : maxerr;
            }
            CHECK_MSG(maxerr <= 6, "n=%d max error %d", n, maxerr);
        }
    }
}

TEST(dc_only_inverse_is_flat_and_exact)
{
    int32_t coef[32 * 32] = {0};
    int16_t res[32 * 32];
    for (int l = 2; l <= 5; l++) {
        const int n = 1 << l;
        /* orthonormal DC of a flat block of value v is n * v; stored at K = 2^(7 - l) */
        coef[0] = 10 * n * (128 >> l);
        imz_dct_inv(coef, res, l, 0, 0, 0);
        for (int i = 0; i < n * n; i++)
            CHECK_MSG(res[i] == 10, "n=%d sample %d = %d", n, i, res[i]);
    }
}

TEST(zero_region_shortcut_matches_full_inverse)
{
    int32_t coef[32 * 32];
    int16_t a[32 * 32], b[32 * 32];
    for (int l = 2; l <= 5; l++) {
        const int n = 1 << l;
        for (int trial = 0; trial < 20; trial++) {
            const int mu = next_rand() % n, mv = next_rand() % n;
            for (int v = 0; v < n; v++)
                for (int u = 0; u < n; u++)
                    coef[v * n + u] = u <= mu && v <= mv ? next_rand() % 2001 - 1000 : 0;
            const int tx = l <= 4 ? trial & 3 : 0;
            imz_dct_inv(coef, a, l, mu, mv, tx);
            imz_dct_inv(coef, b, l, n - 1, n - 1, tx);
            CHECK(!memcmp(a, b, sizeof(int16_t) * (size_t)n * n));
        }
    }
}

TEST(inverse_saturates_instead_of_overflowing)
{
    int32_t coef[32 * 32];
    int16_t res[32 * 32];
    for (int i = 0; i < 32 * 32; i++)
        coef[i] = (i & 1) ? 32767 : -32768;
    for (int l = 2; l <= 5; l++)
        for (int tx = 0; tx < 4; tx++) /* UBSan checks the arithmetic */
            imz_dct_inv(coef, res, l, (1 << l) - 1, (1 << l) - 1, l <= 4 ? tx : 0);
    CHECK(1);
}

TEST(dequantiser_doubles_every_24_steps)
{
    for (int l = 2; l <= 5; l++)
        for (int q = 0; q + 24 <= IMZ_QUANT_MAX_Q; q += 7) {
            const int32_t a = imz_quant_dequant(5, q, l), b = imz_quant_dequant(5, q + 24, l);
            if (b < 32767)
                CHECK_MSG(abs(b - 2 * a) <= 1, "q=%d l=%d: %d vs %d", q, l, a, b);
            CHECK_EQ(imz_quant_dequant(-5, q, l), -a);
        }
    CHECK_EQ(imz_quant_dequant(IMZ_QUANT_MAX_LEVEL, IMZ_QUANT_MAX_Q, 2), 32767);
}

/* The vectorised row form gives exactly imz_quant_dequant, around the clipping point too. */
TEST(dequantiser_rows_match_the_scalar_form)
{
    int32_t lev[32 * 32], ref[32 * 32];
    for (int log2n = 2; log2n <= 5; log2n++)
        for (int q = 0; q <= IMZ_QUANT_MAX_Q; q++) {
            const int n = 1 << log2n;
            uint32_t s = (uint32_t)(q * 7 + log2n);
            for (int i = 0; i < n * n; i++) {
                s = s * 1103515245u + 12345u;
                const uint32_t span = 2 * IMZ_QUANT_MAX_LEVEL + 1;
                int32_t v = (int32_t)((s >> 8) % span) - IMZ_QUANT_MAX_LEVEL;
                if (i % 3 == 0)
                    v = (int32_t)((s >> 12) % 64) - 32;
                lev[i] = v;
                ref[i] = imz_quant_dequant(v, q, log2n);
            }
            imz_quant_dequant_rows(lev, n, n, q, log2n);
            int same = 1;
            for (int i = 0; i < n * n; i++)
                same &= lev[i] == ref[i];
            CHECK_MSG(same, "q %d, %dx%d", q, n, n);
        }
}
