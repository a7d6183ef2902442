// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Restoration filter of the `lossy` codec (docs/format/lossy.md §9.2): after deblocking, the
// samples of a plane are sorted into 15 classes per 4x4 block (local activity and dominant
// direction), and each class may have its own point-symmetric 7x7-diamond Wiener filter whose 12
// coefficients are sent in the stream; the filter is switched on or off per 64 x 64 block. The
// encoder fits the filters by least squares against the source (normal equations in double
// precision, then rounded to 1/128 steps); the decoder applies them in integer arithmetic.

#include <math.h>
#include <string.h>

#include "codec/dct/dct_codec.h"
#include "common/intops.h"

#define NT LOSSY_WIENER_TAPS
#define NC LOSSY_WIENER_CLASSES
#define NR (NT * (NT + 1) / 2)
#define B 3 /* border of the padded copy */

/* One tap of each symmetric pair: offsets (dx, dy) with |dx| + |dy| <= 3, first half. */
static const int8_t taps[NT][2] = {{1, 0}, {2, 0},  {3, 0}, {0, 1},  {0, 2}, {0, 3},
                                   {1, 1}, {-1, 1}, {2, 1}, {-2, 1}, {1, 2}, {-1, 2}};

/* The visible plane with a replicated border of B samples. */
typedef struct Bordered {
    uint8_t *p;            /* sample (x, y) at p[(y + B) * stride + x + B] */
    int stride, w, h, w16; /* w16: w rounded up to the 16-sample chunks of the filter loop */
    int off[NT];
    uint8_t *cls; /* class of each 4x4 block */
    int cw;
} Bordered;

/* Copies the plane with its border and classifies its 4x4 blocks; with `on` (one flag per 64 x 64
 * block), only those of enabled blocks (the others get class 0, which nothing reads). */
IMZ_SIMD_CLONES static int bordered_init(ImzContext *ctx, Bordered *b, const LossyPlane *pl,
                                         const uint8_t *on)
{
    b->w = pl->w;
    b->h = pl->h;
    b->w16 = (pl->w + 15) & ~15;
    b->stride = b->w16 + 2 * B;
    b->cw = (pl->w + 3) >> 2;
    b->p = imz_malloc_array(ctx, (size_t)b->stride, (size_t)pl->h + 2 * B);
    b->cls = imz_malloc_array(ctx, (size_t)b->cw, (size_t)(pl->h + 3) >> 2);
    if (!b->p || !b->cls)
        return IMZ_ERR_NOMEM;
    for (int y = -B; y < pl->h + B; y++) {
        const uint8_t *s = pl->pix + (size_t)iclip(y, 0, pl->h - 1) * pl->pw;
        uint8_t *d = b->p + (size_t)(y + B) * b->stride;
        memset(d, s[0], B);
        memcpy(d + B, s, (size_t)pl->w);
        memset(d + B + pl->w, s[pl->w - 1], (size_t)(b->stride - B - pl->w));
    }
    for (int k = 0; k < NT; k++)
        b->off[k] = taps[k][1] * b->stride + taps[k][0];
    /* classes: activity (5 levels) x direction (none, horizontal, vertical), from per-sample
     * second differences computed a row at a time, then summed over each 4x4 block */
    int *sums = imz_malloc_array(ctx, (size_t)b->w16 + 2 * (size_t)b->cw, sizeof(int));
    if (!sums)
        return IMZ_ERR_NOMEM;
    int *lap = sums, *gh = sums + b->w16, *gv = gh + b->cw;
    const int bw = (pl->w + 63) >> 6, ps = b->stride;
    for (int by = 0; by < (pl->h + 3) >> 2; by++) {
        memset(gh, 0, sizeof(int) * (size_t)b->cw * 2);
        for (int y = by * 4; y < imin(by * 4 + 4, pl->h); y++) {
            const uint8_t *r = b->p + (size_t)(y + B) * ps + B;
            /* horizontal, then vertical second differences; lap is zero past the visible width */
            for (int pass = 0; pass < 2; pass++) {
                const uint8_t *ra = pass ? r - ps : r - 1, *rb = pass ? r + ps : r + 1;
                int *dst = pass ? gv : gh;
                for (int x = 0; x < pl->w; x++)
                    lap[x] = iabs(2 * r[x] - ra[x] - rb[x]);
                for (int x = pl->w; x < b->w16; x++)
                    lap[x] = 0;
                for (int bx = 0; bx < b->cw; bx++)
                    dst[bx] += lap[4 * bx] + lap[4 * bx + 1] + lap[4 * bx + 2] + lap[4 * bx + 3];
            }
        }
        for (int bx = 0; bx < b->cw; bx++) {
            if (on && !on[(by >> 4) * bw + (bx >> 4)]) {
                b->cls[(size_t)by * b->cw + bx] = 0;
                continue;
            }
            const int a = gh[bx] + gv[bx];
            const int act = a < 32 ? 0 : a < 96 ? 1 : a < 224 ? 2 : a < 480 ? 3 : 4;
            const int dir = gh[bx] > 2 * gv[bx] ? 1 : gv[bx] > 2 * gh[bx] ? 2 : 0;
            b->cls[(size_t)by * b->cw + bx] = (uint8_t)(act * 3 + dir);
        }
    }
    imz_mem_free(ctx, sums);
    return IMZ_OK;
}

static void bordered_free(ImzContext *ctx, Bordered *b)
{
    imz_mem_free(ctx, b->p);
    imz_mem_free(ctx, b->cls);
}

/* Per-row coefficient arrays: ck[k][x] is tap k's coefficient at column x (0 where the sample
 * is not filtered, which leaves it unchanged), so the filter loop runs over x without branches. */
static void row_coefs(const Bordered *b, const LossyWiener *wf, int y, int16_t *ck)
{
    const int bw = (b->w + 63) >> 6;
    const uint8_t *cls = b->cls + (size_t)(y >> 2) * b->cw;
    const uint8_t *on = wf->block_on + (size_t)(y >> 6) * bw;
    /* the class is constant over 4 columns: one lookup per group */
    for (int x = 0; x < b->w16; x += 4) {
        const int c = cls[imin(x, b->w - 1) >> 2];
        const int use = on[imin(x, b->w - 1) >> 6] && wf->class_on[c];
        const int n = imin(4, b->w - x);
        for (int k = 0; k < NT; k++) {
            int16_t *d = ck + (size_t)k * b->w16 + x;
            const int16_t v = (int16_t)(use ? wf->coef[c][k] : 0);
            for (int i = 0; i < 4; i++)
                d[i] = i < n ? v : 0;
        }
    }
}

IMZ_SIMD_CLONES static void filter_row(const Bordered *b, int y, const int16_t *ck, uint8_t *dst)
{
    const uint8_t *s = b->p + (size_t)(y + B) * b->stride + B;
    /* chunks of 16 with a local accumulator: fixed trip counts and no aliasing let the
     * compiler vectorise the tap loop */
    for (int x0 = 0; x0 < b->w16; x0 += 16) {
        int32_t acc[16];
        const uint8_t *p = s + x0;
        for (int i = 0; i < 16; i++)
            acc[i] = 64 + (1 << 20);
        for (int k = 0; k < NT; k++) {
            const int o = b->off[k];
            const int16_t *c = ck + (size_t)k * b->w16 + x0;
            for (int i = 0; i < 16; i++)
                acc[i] += c[i] * (p[i + o] + p[i - o] - 2 * p[i]);
        }
        const int n = imin(16, b->w - x0);
        for (int i = 0; i < n; i++)
            dst[x0 + i] = (uint8_t)iclip(p[i] + (acc[i] >> 7) - (1 << 13), 0, 255);
    }
}

int imz_lossy_wiener_apply(ImzContext *ctx, const LossyPlane *pl, const LossyWiener *wf,
                           uint8_t *dst)
{
    Bordered b;
    int st = bordered_init(ctx, &b, pl, wf->block_on);
    int16_t *ck = imz_malloc_array(ctx, (size_t)((pl->w + 15) & ~15) * NT, sizeof(int16_t));
    if (st == IMZ_OK && ck) {
        const int bw = (pl->w + 63) >> 6;
        for (int y = 0; y < pl->h; y++) {
            int any = 0;
            for (int i = 0; i < bw; i++)
                any |= wf->block_on[(y >> 6) * bw + i];
            if (!any) {
                /* a band of disabled blocks is a plain copy */
                memcpy(dst + (size_t)y * pl->pw, pl->pix + (size_t)y * pl->pw, (size_t)pl->w);
                continue;
            }
            if ((y & 3) == 0)
                row_coefs(&b, wf, y, ck);
            filter_row(&b, y, ck, dst + (size_t)y * pl->pw);
        }
    } else if (st == IMZ_OK) {
        st = IMZ_ERR_NOMEM;
    }
    imz_mem_free(ctx, ck);
    bordered_free(ctx, &b);
    return st;
}

/* Solves the n x n system a x = b (a is overwritten) by Gaussian elimination with pivoting. */
static int solve(double *a, double *b, int n)
{
    for (int i = 0; i < n; i++) {
        int p = i;
        for (int r = i + 1; r < n; r++)
            if (fabs(a[r * n + i]) > fabs(a[p * n + i]))
                p = r;
        if (fabs(a[p * n + i]) < 1e-9)
            return -1;
        if (p != i) {
            for (int c = 0; c < n; c++) {
                double t = a[i * n + c];
                a[i * n + c] = a[p * n + c];
                a[p * n + c] = t;
            }
            double t = b[i];
            b[i] = b[p];
            b[p] = t;
        }
        for (int r = i + 1; r < n; r++) {
            const double m = a[r * n + i] / a[i * n + i];
            for (int c = i; c < n; c++)
                a[r * n + c] -= m * a[i * n + c];
            b[r] -= m * b[i];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int c = i + 1; c < n; c++)
            s -= a[i * n + c] * b[c];
        b[i] = s / a[i * n + i];
    }
    return 0;
}

IMZ_SIMD_CLONES static int wiener_fit(ImzContext *ctx, const LossyPlane *pl, const uint8_t *src,
                                      int iterations, LossyWiener *wf)
{
    const int bw = (pl->w + 63) >> 6, bh = (pl->h + 63) >> 6, nb = bw * bh;
    const size_t per = (size_t)NC * (NR + NT);
    Bordered b;
    /* Per 64 x 64 block and class, the normal equations' sums fit 32 bits: at most 2048 samples
     * (half of a block) of products of two features in [-510, 510]. */
    int32_t *stats = imz_malloc_array(ctx, (size_t)nb, sizeof(int32_t) * per);
    int64_t *gain = imz_malloc_array(ctx, (size_t)nb * NC, sizeof(int64_t));
    int st = bordered_init(ctx, &b, pl, NULL);
    int16_t *ck = imz_malloc_array(ctx, (size_t)b.w16 * NT, sizeof(int16_t));
    uint8_t *frow = imz_malloc(ctx, (size_t)b.w16);
    uint8_t *ones = imz_malloc(ctx, (size_t)nb);
    if (!stats || !gain || st < 0 || !ck || !frow || !ones) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    memset(ones, 1, (size_t)nb);
    memset(stats, 0, (size_t)nb * sizeof(int32_t) * per);
    /* Statistics from half of the samples (a quincunx) are as good and twice as fast. The 8
     * samples of a 4 x 4 block share a class: their features are gathered first, so that each
     * sum is one dot product of 8 terms (which the compiler vectorises) and the block's
     * statistics are updated once. Partial blocks at the edges pad with zero features. */
    for (int by = 0; by < (pl->h + 3) >> 2; by++)
        for (int bx = 0; bx < b.cw; bx++) {
            int16_t f[NT][8], e[8];
            int n = 0;
            for (int y = by * 4; y < imin(by * 4 + 4, pl->h); y++) {
                const uint8_t *row = b.p + (size_t)(y + B) * b.stride + B;
                for (int x = bx * 4 + (y & 1); x < imin(bx * 4 + 4, pl->w); x += 2, n++) {
                    const uint8_t *c0 = row + x;
                    for (int k = 0; k < NT; k++)
                        f[k][n] = (int16_t)(c0[b.off[k]] + c0[-b.off[k]] - 2 * c0[0]);
                    e[n] = (int16_t)(src[(size_t)y * pl->pw + x] - c0[0]);
                }
            }
            for (; n < 8; n++) {
                for (int k = 0; k < NT; k++)
                    f[k][n] = 0;
                e[n] = 0;
            }
            const int c = b.cls[(size_t)by * b.cw + bx];
            int32_t *s = stats + (size_t)((by >> 4) * bw + (bx >> 4)) * per + (size_t)c * (NR + NT);
            int k = 0;
            for (int i = 0; i < NT; i++) {
                for (int j = i; j < NT; j++, k++) {
                    int32_t d = 0;
                    for (int m = 0; m < 8; m++)
                        d += f[i][m] * f[j][m];
                    s[k] += d;
                }
                int32_t d = 0;
                for (int m = 0; m < 8; m++)
                    d += f[i][m] * e[m];
                s[NR + i] += d;
            }
        }
    wf->enabled = 0;
    for (int i = 0; i < nb; i++)
        wf->block_on[i] = 1;
    for (int iter = 0; iter < iterations; iter++) {
        for (int c = 0; c < NC; c++) {
            double a[NT * NT], r[NT];
            memset(a, 0, sizeof a);
            memset(r, 0, sizeof r);
            for (int i = 0; i < nb; i++) {
                if (!wf->block_on[i])
                    continue;
                const int32_t *s = stats + (size_t)i * per + (size_t)c * (NR + NT);
                int k = 0;
                for (int p = 0; p < NT; p++) {
                    for (int q = p; q < NT; q++, k++)
                        a[p * NT + q] += (double)s[k];
                    r[p] += (double)s[NR + p];
                }
            }
            for (int p = 0; p < NT; p++)
                for (int q = 0; q < p; q++)
                    a[p * NT + q] = a[q * NT + p];
            for (int p = 0; p < NT; p++)
                a[p * NT + p] += 1e-3 * (1 + a[p * NT + p]);
            wf->class_on[c] = solve(a, r, NT) == 0;
            for (int p = 0; p < NT; p++)
                wf->coef[c][p] =
                    wf->class_on[c] ? (int8_t)iclip((int)lrint(r[p] * 128), -64, 63) : 0;
        }
        /* squared-error change of each class in each block, with every block filtered */
        memset(gain, 0, (size_t)nb * NC * sizeof(int64_t));
        LossyWiener all = *wf;
        all.block_on = ones;
        for (int y = 0; y < pl->h; y++) {
            if ((y & 3) == 0)
                row_coefs(&b, &all, y, ck);
            filter_row(&b, y, ck, frow);
            const uint8_t *row = b.p + (size_t)(y + B) * b.stride + B;
            const uint8_t *cls = b.cls + (size_t)(y >> 2) * b.cw;
            int64_t *g = gain + (size_t)(y >> 6) * bw * NC;
            const uint8_t *sr = src + (size_t)y * pl->pw;
            for (int x = 0; x < pl->w; x++) {
                const int e0 = sr[x] - row[x], e1 = sr[x] - frow[x];
                g[(size_t)(x >> 6) * NC + cls[x >> 2]] += e1 * e1 - e0 * e0;
            }
        }
        /* classes that do not pay for their coefficients (about 84 bits) are dropped */
        for (int c = 0; c < NC; c++) {
            int64_t g = 0;
            for (int i = 0; i < nb; i++)
                if (wf->block_on[i])
                    g += gain[(size_t)i * NC + c];
            if (g > -200)
                wf->class_on[c] = 0;
        }
        int on = 0;
        for (int i = 0; i < nb; i++) {
            int64_t g = 0;
            for (int c = 0; c < NC; c++)
                if (wf->class_on[c])
                    g += gain[(size_t)i * NC + c];
            wf->block_on[i] = g < -8;
            on += g < -8;
        }
        wf->enabled = on > 0;
        if (!wf->enabled)
            break;
    }
done:
    bordered_free(ctx, &b);
    imz_mem_free(ctx, ck);
    imz_mem_free(ctx, frow);
    imz_mem_free(ctx, ones);
    imz_mem_free(ctx, stats);
    imz_mem_free(ctx, gain);
    return st;
}

void imz_lossy_put_wiener(ImzBacEnc *e, LossyCtx *c, const LossyPlane *pl, const LossyWiener *wf)
{
    imz_bac_put(e, &c->wiener_on[pl->type], wf->enabled);
    if (!wf->enabled)
        return;
    for (int k = 0; k < NC; k++) {
        imz_bac_put(e, &c->wiener_cls[pl->type], wf->class_on[k]);
        if (wf->class_on[k])
            for (int i = 0; i < NT; i++)
                imz_bac_enc_raw(e, (uint32_t)(wf->coef[k][i] + 64), 7);
    }
    const int nb = ((pl->w + 63) >> 6) * ((pl->h + 63) >> 6);
    for (int i = 0; i < nb; i++)
        imz_bac_put(e, &c->wiener_blk[pl->type], wf->block_on[i]);
}

void imz_lossy_get_wiener(ImzBacDec *d, LossyCtx *c, const LossyPlane *pl, LossyWiener *wf)
{
    wf->enabled = imz_bac_get(d, &c->wiener_on[pl->type]);
    if (!wf->enabled)
        return;
    for (int k = 0; k < NC; k++) {
        wf->class_on[k] = (uint8_t)imz_bac_get(d, &c->wiener_cls[pl->type]);
        for (int i = 0; i < NT; i++)
            wf->coef[k][i] = wf->class_on[k] ? (int8_t)((int)imz_bac_dec_raw(d, 7) - 64) : 0;
    }
    const int nb = ((pl->w + 63) >> 6) * ((pl->h + 63) >> 6);
    for (int i = 0; i < nb; i++)
        wf->block_on[i] = (uint8_t)imz_bac_get(d, &c->wiener_blk[pl->type]);
}

/* The exported entry point of the cloned kernel (IMZ_SIMD_CLONES). */
int imz_lossy_wiener_fit(ImzContext *ctx, const LossyPlane *pl, const uint8_t *src, int iterations,
                         LossyWiener *wf)
{
    return wiener_fit(ctx, pl, src, iterations, wf);
}
