// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Intra prediction and deblocking of the `lossy` codec (docs/format/lossy.md §8, §9): reference
// sample gathering with substitution of samples not yet decoded, [1 2 1] reference smoothing,
// planar, DC and 33 angular modes in 1/32-sample precision (the HEVC construction), and a
// deblocking filter over leaf edges on the 8-sample grid. All integer, identical on every machine.

#include <string.h>

#include "codec/dct/dct_codec.h"
#include "common/intops.h"

void imz_lossy_ref_build(const LossyPlane *pl, int x, int y, int log2n, uint8_t *ref)
{
    const int n = 1 << log2n, n2 = 2 * n, uw = pl->pw >> 2, uh = pl->ph >> 2;
    const uint8_t *pix = pl->pix;
    const size_t pw = (size_t)pl->pw;
    /* availability is per 4x4 unit, and x, y, n are multiples of 4: one test per 4 samples */
    uint8_t avail[4 * IMZ_DCT_MAX + 1];
    int any = 0;
    const int ux0 = x >> 2, uy0 = y >> 2;
    /* left column, bottom to top: ref[n2 - 1 - i] is row y + i */
    for (int u = 0; u < n2 >> 2; u++) {
        const int uy = uy0 + u, i0 = 4 * u;
        const int ok = ux0 > 0 && uy < uh && pl->size_map[(size_t)uy * uw + ux0 - 1];
        memset(avail + n2 - 4 - i0, ok, 4);
        if (ok) {
            const uint8_t *s = pix + (size_t)(y + i0) * pw + x - 1;
            for (int k = 0; k < 4; k++)
                ref[n2 - 1 - i0 - k] = s[(size_t)k * pw];
        }
        any |= ok;
    }
    {
        const int ok = x > 0 && y > 0 && pl->size_map[(size_t)(uy0 - 1) * uw + ux0 - 1];
        avail[n2] = (uint8_t)ok;
        if (ok)
            ref[n2] = pix[(size_t)(y - 1) * pw + x - 1];
        any |= ok;
    }
    for (int u = 0; u < n2 >> 2; u++) {
        const int ux = ux0 + u, i0 = 4 * u;
        const int ok = uy0 > 0 && ux < uw && pl->size_map[(size_t)(uy0 - 1) * uw + ux];
        memset(avail + n2 + 1 + i0, ok, 4);
        if (ok)
            memcpy(ref + n2 + 1 + i0, pix + (size_t)(y - 1) * pw + x + i0, 4);
        any |= ok;
    }
    const int total = 2 * n2 + 1;
    if (!any) {
        memset(ref, 128, (size_t)total);
        return;
    }
    if (!avail[0]) {
        int k = 1;
        while (!avail[k])
            k++;
        ref[0] = ref[k];
    }
    for (int k = 1; k < total; k++)
        if (!avail[k])
            ref[k] = ref[k - 1];
}

static const int8_t pred_angle[LOSSY_N_MODES] = {
    0,   0,   32,  26,  21,  17, 13, 9,  5, 2, 0, -2, -5, -9, -13, -17, -21, -26,
    -32, -26, -21, -17, -13, -9, -5, -2, 0, 2, 5, 9,  13, 17, 21,  26,  32};
static const int16_t inv_angle[LOSSY_N_MODES] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,     -4096, -1638, -910,
    -630, -482, -390, -315, -256, -315, -390, -482, -630, -910, -1638, -4096, 0};

int imz_lossy_needs_smoothing(int log2n, int mode)
{
    if (mode == LOSSY_MODE_DC || log2n == 2)
        return 0;
    if (mode == LOSSY_MODE_PLANAR)
        return 1;
    int dist = imin(iabs(mode - LOSSY_MODE_V), iabs(mode - LOSSY_MODE_H));
    static const int thres[4] = {99, 7, 1, 0};
    return dist > thres[log2n - 2];
}

static uint8_t clip8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

static inline void smooth_n(const uint8_t *restrict ref, uint8_t *restrict filt, int n4)
{
    filt[0] = ref[0];
    filt[n4] = ref[n4];
    for (int k = 1; k < n4; k++)
        filt[k] = (uint8_t)((ref[k - 1] + 2 * ref[k] + ref[k + 1] + 2) >> 2);
}

void imz_lossy_smooth(const uint8_t *ref, int log2n, uint8_t *filt)
{
    /* constant lengths, which vectorise */
    switch (log2n) {
    case 2:
        smooth_n(ref, filt, 16);
        break;
    case 3:
        smooth_n(ref, filt, 32);
        break;
    case 4:
        smooth_n(ref, filt, 64);
        break;
    default:
        smooth_n(ref, filt, 128);
        break;
    }
}

/* One row of an angular prediction, n constant once inlined; 16-bit products (at most 32 * 255)
 * so that the loop vectorises. */
static inline void interp_row(uint8_t *o, const uint8_t *r, int fact, int n)
{
    const uint16_t f1 = (uint16_t)fact, f0 = (uint16_t)(32 - fact);
    for (int i = 0; i < n; i++)
        o[i] = (uint8_t)((uint16_t)(f0 * r[i] + f1 * r[i + 1] + 16) >> 5);
}

/* The prediction for a constant n (inlined per size, so that the loops have constant trip counts
 * and vectorise). */
static IMZ_ALWAYS_INLINE void predict_n(const uint8_t *restrict ref, int log2n, int mode,
                                        uint8_t *restrict pred, int n)
{
    const int n2 = 2 * n;
    const uint8_t *corner = ref + n2; /* left[i] = corner[-1 - i], top[i] = corner[1 + i] */
    if (mode == LOSSY_MODE_PLANAR) {
        const int tr = corner[1 + n], bl = corner[-1 - n];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
                pred[y * n + x] = (uint8_t)(((n - 1 - x) * corner[-1 - y] + (x + 1) * tr +
                                             (n - 1 - y) * corner[1 + x] + (y + 1) * bl + n) >>
                                            (log2n + 1));
        return;
    }
    if (mode == LOSSY_MODE_DC) {
        int sum = n;
        for (int i = 0; i < n; i++)
            sum += corner[1 + i] + corner[-1 - i];
        const int dc = sum >> (log2n + 1);
        memset(pred, dc, (size_t)n * n);
        if (n < 32) {
            pred[0] = (uint8_t)((corner[-1] + 2 * dc + corner[1] + 2) >> 2);
            for (int i = 1; i < n; i++) {
                pred[i] = (uint8_t)((corner[1 + i] + 3 * dc + 2) >> 2);
                pred[i * n] = (uint8_t)((corner[-1 - i] + 3 * dc + 2) >> 2);
            }
        }
        return;
    }
    /* Angular: main reference along the predicted direction, index 0 = corner. */
    const int angle = pred_angle[mode], vertical = mode >= 18;
    uint8_t buf[3 * IMZ_DCT_MAX + 1];
    uint8_t *main_ref = buf + n; /* main_ref[-n .. 2n] */
    for (int k = 0; k <= n2; k++)
        main_ref[k] = vertical ? corner[k] : corner[-k];
    if ((n * angle) >> 5 < -1) {
        const int inv = inv_angle[mode];
        for (int k = -1; k >= (n * angle) >> 5; k--) {
            int j = -1 + ((k * inv + 128) >> 8); /* side index, 0-based */
            main_ref[k] = vertical ? corner[-1 - j] : corner[1 + j];
        }
    }
    /* rows along the main reference; horizontal modes are transposed afterwards */
    uint8_t tmp[IMZ_DCT_MAX * IMZ_DCT_MAX];
    uint8_t *out = vertical ? pred : tmp;
    for (int j = 0; j < n; j++) {
        const int pos = (j + 1) * angle, idx = pos >> 5, fact = pos & 31;
        const uint8_t *r = main_ref + idx + 1;
        uint8_t *o = out + j * n;
        if (fact) {
            interp_row(o, r, fact, n);
        } else {
            memcpy(o, r, (size_t)n);
        }
    }
    if (!vertical)
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                pred[i * n + j] = tmp[j * n + i];
    if (n < 32 && angle == 0) {
        /* pure vertical / horizontal: gradient correction of the first column / row */
        for (int i = 0; i < n; i++) {
            if (vertical)
                pred[i * n] = clip8(corner[1] + ((corner[-1 - i] - corner[0]) >> 1));
            else
                pred[i] = clip8(corner[-1] + ((corner[1 + i] - corner[0]) >> 1));
        }
    }
}

IMZ_SIMD_CLONES static void predict_raw(const uint8_t *ref, int log2n, int mode, uint8_t *pred)
{
    switch (log2n) {
    case 2:
        predict_n(ref, 2, mode, pred, 4);
        break;
    case 3:
        predict_n(ref, 3, mode, pred, 8);
        break;
    case 4:
        predict_n(ref, 4, mode, pred, 16);
        break;
    default:
        predict_n(ref, 5, mode, pred, 32);
        break;
    }
}

/* ---- Deblocking ---- */

static const uint8_t beta_tab[52] = {0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
                                     0,  0,  0,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                     16, 17, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38,
                                     40, 42, 44, 46, 48, 50, 52, 54, 56, 58, 60, 62, 64};
static const uint8_t tc_tab[54] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  0,  0,  0,  0,  0,  0,  0,  0,
                                   1, 1, 1, 1, 1, 1, 1, 1, 1, 2,  2,  2,  2,  3,  3,  3,  3,  4,
                                   4, 4, 5, 5, 6, 6, 7, 8, 9, 10, 11, 13, 14, 16, 18, 20, 22, 24};

/* Filters one 4-sample edge segment; p[k * step] is the k-th line, p[-i * across] sample p_i
 * (i = 1..4 before the edge, 0..3 after as q_i). Inlined at each call with its constant
 * direction; the activity test that skips most segments comes first. */
static IMZ_ALWAYS_INLINE void filter_segment(uint8_t *s, ptrdiff_t across, ptrdiff_t along,
                                             int beta, int tc)
{
#define P(i) s[k * along - ((i) + 1) * across]
#define Q(i) s[k * along + (i)*across]
    int k = 0;
    const int dp0 = iabs(P(2) - 2 * P(1) + P(0)), dq0 = iabs(Q(2) - 2 * Q(1) + Q(0));
    k = 3;
    const int dp3 = iabs(P(2) - 2 * P(1) + P(0)), dq3 = iabs(Q(2) - 2 * Q(1) + Q(0));
    if (dp0 + dq0 + dp3 + dq3 >= beta)
        return;
    k = 0;
    const int strong0 = 2 * (dp0 + dq0) < (beta >> 2) &&
                        iabs(P(3) - P(0)) + iabs(Q(0) - Q(3)) < (beta >> 3) &&
                        iabs(P(0) - Q(0)) < ((5 * tc + 1) >> 1);
    k = 3;
    const int strong3 = 2 * (dp3 + dq3) < (beta >> 2) &&
                        iabs(P(3) - P(0)) + iabs(Q(0) - Q(3)) < (beta >> 3) &&
                        iabs(P(0) - Q(0)) < ((5 * tc + 1) >> 1);
    const int strong = strong0 && strong3;
    const int side_thr = (beta + (beta >> 1)) >> 3;
    const int dEp = dp0 + dp3 < side_thr, dEq = dq0 + dq3 < side_thr;
    for (k = 0; k < 4; k++) {
        const int p0 = P(0), p1 = P(1), p2 = P(2), p3 = P(3);
        const int q0 = Q(0), q1 = Q(1), q2 = Q(2), q3 = Q(3);
        if (strong) {
            const int t2 = 2 * tc;
            P(0) = (uint8_t)iclip((p2 + 2 * p1 + 2 * p0 + 2 * q0 + q1 + 4) >> 3, p0 - t2, p0 + t2);
            P(1) = (uint8_t)iclip((p2 + p1 + p0 + q0 + 2) >> 2, p1 - t2, p1 + t2);
            P(2) = (uint8_t)iclip((2 * p3 + 3 * p2 + p1 + p0 + q0 + 4) >> 3, p2 - t2, p2 + t2);
            Q(0) = (uint8_t)iclip((p1 + 2 * p0 + 2 * q0 + 2 * q1 + q2 + 4) >> 3, q0 - t2, q0 + t2);
            Q(1) = (uint8_t)iclip((p0 + q0 + q1 + q2 + 2) >> 2, q1 - t2, q1 + t2);
            Q(2) = (uint8_t)iclip((p0 + q0 + q1 + 3 * q2 + 2 * q3 + 4) >> 3, q2 - t2, q2 + t2);
            continue;
        }
        int delta = (9 * (q0 - p0) - 3 * (q1 - p1) + 8) >> 4;
        if (iabs(delta) >= tc * 10)
            continue;
        delta = iclip(delta, -tc, tc);
        P(0) = clip8(p0 + delta);
        Q(0) = clip8(q0 - delta);
        if (dEp)
            P(1) = clip8(p1 + iclip((((p2 + p0 + 1) >> 1) - p1 + delta) >> 1, -(tc >> 1), tc >> 1));
        if (dEq)
            Q(1) = clip8(q1 + iclip((((q2 + q0 + 1) >> 1) - q1 - delta) >> 1, -(tc >> 1), tc >> 1));
    }
#undef P
#undef Q
}

/* The strength of an edge between samples of quantisers qa and qb (§9.1). */
static inline void edge_strength(int qa, int qb, int offset, int *beta, int *tc)
{
    const int qp = iclip((((qa + qb + 1) >> 1) >> 2) - 2 + offset, 0, 51);
    *beta = beta_tab[qp];
    *tc = tc_tab[imin(qp + 2, 53)];
}

void imz_lossy_deblock(LossyPlane *pl, int offset)
{
    int beta, tc;
    edge_strength(pl->q, pl->q, offset, &beta, &tc);
    if (!pl->sb_q && (!beta || !tc))
        return;
    const int uw = pl->pw >> 2, sbw = (pl->pw + LOSSY_SB - 1) / LOSSY_SB;
    const ptrdiff_t pw = pl->pw;
    const uint8_t *sq = pl->sb_q;
    /* vertical edges: x on the 8 grid where the leaf to the right starts */
    for (int y = 0; y < pl->ph; y += 4)
        for (int x = 8; x < pl->pw; x += 8) {
            const int s = pl->size_map[(size_t)(y >> 2) * uw + (x >> 2)];
            if (!s || (x & ((1 << s) - 1)) != 0)
                continue;
            if (sq) {
                const uint8_t *r = sq + (size_t)(y / LOSSY_SB) * sbw;
                edge_strength(r[(x - 1) / LOSSY_SB], r[x / LOSSY_SB], offset, &beta, &tc);
            }
            if (beta && tc)
                filter_segment(pl->pix + y * pw + x, 1, pw, beta, tc);
        }
    for (int y = 8; y < pl->ph; y += 8)
        for (int x = 0; x < pl->pw; x += 4) {
            const int s = pl->size_map[(size_t)(y >> 2) * uw + (x >> 2)];
            if (!s || (y & ((1 << s) - 1)) != 0)
                continue;
            if (sq)
                edge_strength(sq[(size_t)((y - 1) / LOSSY_SB) * sbw + x / LOSSY_SB],
                              sq[(size_t)(y / LOSSY_SB) * sbw + x / LOSSY_SB], offset, &beta, &tc);
            if (beta && tc)
                filter_segment(pl->pix + y * pw + x, pw, 1, beta, tc);
        }
}

/* ---- Chroma from luma ---- */

/* One row of the 2x2 box average of rows r0 and r1 for the chroma columns [0, n) whose two luma
 * columns are both inside the image; chunks of 16 with constant trip counts, which vectorise. */
static void box_row(const uint8_t *restrict r0, const uint8_t *restrict r1, uint8_t *restrict d,
                    int n)
{
    int x = 0;
    for (; x + 16 <= n; x += 16)
        for (int i = 0; i < 16; i++) {
            const int k = 2 * (x + i);
            d[x + i] = (uint8_t)((r0[k] + r0[k + 1] + r1[k] + r1[k + 1] + 2) >> 2);
        }
    for (; x < n; x++)
        d[x] = (uint8_t)((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) >> 2);
}

void imz_lossy_luma_for_chroma(const LossyPlane *luma, int sub420, uint8_t *dst, int cw, int ch)
{
    const int w = luma->w, h = luma->h;
    const size_t lw = (size_t)luma->pw;
    for (int y = 0; y < ch; y++) {
        uint8_t *d = dst + (size_t)y * cw;
        if (sub420) {
            const uint8_t *r0 = luma->pix + (size_t)imin(2 * y, h - 1) * lw;
            const uint8_t *r1 = luma->pix + (size_t)imin(2 * y + 1, h - 1) * lw;
            const int inner = imin(cw, w >> 1); /* columns with 2x + 1 < w */
            box_row(r0, r1, d, inner);
            for (int x = inner; x < cw; x++) {
                const int x0 = imin(2 * x, w - 1), x1 = imin(2 * x + 1, w - 1);
                d[x] = (uint8_t)((r0[x0] + r0[x1] + r1[x0] + r1[x1] + 2) >> 2);
            }
        } else {
            const uint8_t *r = luma->pix + (size_t)imin(y, h - 1) * lw;
            const int inner = imin(cw, w);
            memcpy(d, r, (size_t)inner);
            if (inner < cw)
                memset(d + inner, r[w - 1], (size_t)(cw - inner));
        }
    }
}

/* pred = clip8(mean_c + floor(alpha (L - mean_l) / 65536)) over an n x n block of L (stride
 * pw); the bias keeps the shift on positives. */
static inline void lm_apply_n(const uint8_t *restrict L, size_t pw, int32_t alpha, int mean_l,
                              int mean_c, uint8_t *restrict pred, int n)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            const int32_t d = alpha * (L[(size_t)j * pw + i] - mean_l);
            const int v = mean_c + ((d + (1 << 30)) >> 16) - (1 << 14);
            pred[j * n + i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

void imz_lossy_predict_lm(const LossyPlane *pl, int x, int y, int log2n, uint8_t *pred)
{
    const int n = 1 << log2n, uw = pl->pw >> 2;
    const size_t pw = (size_t)pl->pw;
    const uint8_t *L = pl->luma, *C = pl->pix;
    int64_t sl = 0, sc = 0, sll = 0, slc = 0;
    int cnt = 0;
    if (y > 0)
        for (int i = 0; i < n; i++)
            if (pl->size_map[(size_t)((y >> 2) - 1) * uw + ((x + i) >> 2)]) {
                const int l = L[(y - 1) * pw + x + i], c = C[(y - 1) * pw + x + i];
                sl += l, sc += c, sll += l * l, slc += l * c, cnt++;
            }
    if (x > 0)
        for (int j = 0; j < n; j++)
            if (pl->size_map[(size_t)((y + j) >> 2) * uw + (x >> 2) - 1]) {
                const int l = L[(y + j) * pw + x - 1], c = C[(y + j) * pw + x - 1];
                sl += l, sc += c, sll += l * l, slc += l * c, cnt++;
            }
    int64_t alpha = 0; /* 1/65536 units */
    int mean_l = 0, mean_c = 128;
    if (cnt) {
        mean_l = (int)((sl + cnt / 2) / cnt);
        mean_c = (int)((sc + cnt / 2) / cnt);
        const int64_t num = cnt * slc - sl * sc, den = cnt * sll - sl * sl;
        if (den > 0) {
            alpha = num * 65536 / den;
            alpha = alpha < -4 * 65536 ? -4 * 65536 : alpha > 4 * 65536 ? 4 * 65536 : alpha;
        }
    }
    /* |alpha| <= 2^18 and |L - mean_l| <= 255, so the products fit in 32 bits */
    const uint8_t *lb = L + (size_t)y * pw + x;
    switch (log2n) {
    case 2:
        lm_apply_n(lb, pw, (int32_t)alpha, mean_l, mean_c, pred, 4);
        break;
    case 3:
        lm_apply_n(lb, pw, (int32_t)alpha, mean_l, mean_c, pred, 8);
        break;
    case 4:
        lm_apply_n(lb, pw, (int32_t)alpha, mean_l, mean_c, pred, 16);
        break;
    default:
        lm_apply_n(lb, pw, (int32_t)alpha, mean_l, mean_c, pred, 32);
        break;
    }
}

/* The exported entry point of the cloned kernel (IMZ_SIMD_CLONES). */
void imz_lossy_predict_raw(const uint8_t *ref, int log2n, int mode, uint8_t *pred)
{
    predict_raw(ref, log2n, mode, pred);
}

void imz_lossy_predict(const uint8_t *ref_in, int log2n, int mode, uint8_t *pred)
{
    uint8_t filt[4 * IMZ_DCT_MAX + 1];
    if (imz_lossy_needs_smoothing(log2n, mode)) {
        imz_lossy_smooth(ref_in, log2n, filt);
        imz_lossy_predict_raw(filt, log2n, mode, pred);
    } else {
        imz_lossy_predict_raw(ref_in, log2n, mode, pred);
    }
}
