// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Encoder of the `lossy` codec (docs/format/lossy.md). Each plane is split into 32 x 32
// superblocks; for each one a recursive rate-distortion search picks the quadtree of leaves
// (32 down to 4), the intra mode of each leaf (Hadamard pre-selection, then full transform,
// quantisation and rate estimate for the best few) and the coefficient levels (greedy RDO
// quantisation in reverse scan order with the live context probabilities). Costs are
// J = SSE + lambda * bits, lambda proportional to the squared step. Effort 1 replaces the search
// by heuristics (leaf size from the source activity, mode by Hadamard cost among a few, dead-zone
// rounding). The superblock is then coded with the decisions taken, which also adapts the
// contexts for the next one.

#include <math.h>
#include <string.h>

#include "codec/dct/dct_codec.h"
#include "common/intops.h"
#include "quant/quant.h"

typedef struct Enc {
    ImzContext *ctx;
    LossyCtx c;
    LossyScan scan;
    float cost_tab[4097]; /* bits of an event of probability i / 4096 */
    ImzBacEnc bac;
    int effort, min_log2, n_full, deblock, db_offset, wiener, aq, tx_search_log2;
    int skip_split_log2, last_cbf; /* early split termination; whether the last leaf had levels */
    uint8_t *txm;                  /* transform type of the leaf at each 4x4 unit */
    double lambda, sqrt_lambda;
    LossyPlane *pl;
    const uint8_t *src; /* padded source plane, stride pl->pw */
    int32_t *lev;       /* levels of the chosen leaves, pw * ph */
    LossyTokens *tk;    /* with the token flag: where the levels go */
    double step[4], dscale[4];
    float fast_round; /* effort 1: rounding offset of the dead-zone quantiser */
    int fast_thr[2];  /* effort 1: activity above which 16x16 / 32x32 blocks split */
    int fast_skip;    /* effort 1: SATD below which a leaf has no levels */
    uint8_t save_pix[4][IMZ_DCT_MAX * IMZ_DCT_MAX];
    int32_t save_lev[4][IMZ_DCT_MAX * IMZ_DCT_MAX];
} Enc;

static inline float bit_cost(const Enc *E, const ImzBacCell *c, int bit)
{
    uint32_t p1 = imz_bac_cell_p(c);
    return E->cost_tab[(bit ? p1 : 65536 - p1) >> 4];
}

static float rem_bits(uint32_t rem, int k)
{
    uint32_t p = rem >> k;
    if (p < 6)
        return (float)(p + 1 + (uint32_t)k);
    uint32_t v = rem - (6u << k);
    int m = k + 1, b = 6;
    while (v >= (1u << m)) {
        v -= 1u << m;
        m++;
        b++;
    }
    return (float)(b + 1 + m);
}

static float last_bits(const Enc *E, const ImzBacCell *ctx, int v, int log2n)
{
    int g = imz_lossy_last_group[v], gmax = 2 * log2n - 1;
    float b = 0;
    for (int i = 0; i < g; i++)
        b += bit_cost(E, &ctx[i], 1);
    if (g < gmax)
        b += bit_cost(E, &ctx[g], 0);
    if (g > 3)
        b += (float)((g >> 1) - 1);
    return b;
}

static float mode_bits(const Enc *E, int t, const int mpm[3], int mode, int lm_ctx)
{
    const LossyCtx *c = &E->c;
    if (lm_ctx >= 0) {
        const float f = bit_cost(E, &c->lm_flag[lm_ctx], mode == LOSSY_MODE_LM);
        if (mode == LOSSY_MODE_LM)
            return f;
        return f + mode_bits(E, t, mpm, mode, -1);
    }
    for (int i = 0; i < 3; i++)
        if (mpm[i] == mode) {
            float b = bit_cost(E, &c->mpm_flag[t], 1) + bit_cost(E, &c->mpm_idx[t][0], i > 0);
            return i ? b + bit_cost(E, &c->mpm_idx[t][1], i > 1) : b;
        }
    return bit_cost(E, &c->mpm_flag[t], 0) + 5;
}

/*
 * Chooses the levels of one block: rounding, then a greedy reverse-scan pass that tries each
 * level and the one below it, then the all-zero alternative. Returns J; *bits gets the rate.
 */
IMZ_SIMD_CLONES static double quantise_block(Enc *E, const int32_t *coef, int log2n, int t, int tx,
                                             int32_t *lev, double *bits)
{
    const int n = 1 << log2n, l = log2n - 2, nn = n * n;
    const uint16_t *scan = E->scan.scan[l];
    const double step = E->step[l], inv = 1.0 / step, ds = E->dscale[l], lam = E->lambda;
    const LossyCtx *c = &E->c;
    double d_zero = 0;
    int last = -1;
    for (int i = 0; i < nn; i++) {
        const int p = scan[i];
        const double a = fabs((double)coef[p]);
        d_zero += a * a;
        int lv = (int)(a * inv + 0.5);
        lev[p] = lv;
        if (lv)
            last = i;
    }
    d_zero *= ds;
    const double j_zero = d_zero + lam * bit_cost(E, &c->cbf[t][l], 0);
    if (last < 0) {
        *bits = bit_cost(E, &c->cbf[t][l], 0);
        return j_zero;
    }
    uint16_t tpl[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    for (int y = 0; y < n + 2; y++)
        memset(tpl + y * LOSSY_TPL_STRIDE, 0, sizeof(uint16_t) * (size_t)(n + 2));
    /* per scan position: distortion and rate of the chosen level, distortion if zero, rate of
     * its significance flag */
    double dd[IMZ_DCT_MAX * IMZ_DCT_MAX], rr[IMZ_DCT_MAX * IMZ_DCT_MAX];
    double zd[IMZ_DCT_MAX * IMZ_DCT_MAX], s1[IMZ_DCT_MAX * IMZ_DCT_MAX];
    double tail = 0;
    for (int i = nn - 1; i > last; i--) {
        const double a = (double)coef[scan[i]];
        tail += a * a;
    }
    tail *= ds;
    for (int i = last; i >= 0; i--) {
        const int p = scan[i], x = p & (n - 1), y = p >> log2n;
        const int a0 = lev[p];
        const double ca = fabs((double)coef[p]);
        int capped, full;
        imz_lossy_template(tpl, x, y, &capped, &full);
        const ImzBacCell *sc =
            &c->sig[t][l][imz_lossy_sig_ctx_pos(x, y)][imin((capped + 1) >> 1, 4)];
        zd[i] = ca * ca * ds;
        s1[i] = 0;
        if (a0 == 0) {
            dd[i] = zd[i];
            rr[i] = bit_cost(E, sc, 0);
            continue;
        }
        const int gc = imin(capped, 10) >> 1, dc = p != 0, k = imz_lossy_rice(full);
        const ImzBacCell *g1 = &c->gt1[t][dc][gc], *g2 = &c->gt2[t][dc][gc];
        const double sig1 = i != last ? bit_cost(E, sc, 1) : 0;
        int best = a0;
        double best_j = 0, best_d = 0, best_r = 0;
        const int lo = i == last ? imax(a0 - 1, 1) : a0 <= 2 ? 0 : a0 - 1;
        for (int a = a0; a >= lo; a--) {
            double d, r;
            if (a == 0) {
                d = zd[i];
                r = bit_cost(E, sc, 0);
            } else {
                r = sig1 + 1 + bit_cost(E, g1, a > 1);
                if (a > 1) {
                    r += bit_cost(E, g2, a > 2);
                    if (a > 2)
                        r += rem_bits((uint32_t)(a - 3), k);
                }
                const double e = ca - a * step;
                d = e * e * ds;
            }
            const double j = d + lam * r;
            if (a == a0 || j < best_j) {
                best = a;
                best_j = j;
                best_d = d;
                best_r = r;
            }
        }
        dd[i] = best_d;
        rr[i] = best_r;
        if (best)
            s1[i] = sig1;
        lev[p] = coef[p] < 0 ? -best : best;
        tpl[y * LOSSY_TPL_STRIDE + x] = (uint16_t)imin(best, 1024);
    }
    /* choose the last position: truncating drops the tail's levels and its significance flags */
    double pd = 0, pr = 0;
    for (int i = 0; i <= last; i++)
        pd += dd[i], pr += rr[i];
    double best_j = INFINITY, best_rate = 0;
    int best_last = -1;
    float cbf1 = bit_cost(E, &c->cbf[t][l], 1);
    if (log2n <= 4)
        cbf1 += bit_cost(E, &c->tx[t][l][0], tx & IMZ_TX_DST_H) +
                bit_cost(E, &c->tx[t][l][1], (tx & IMZ_TX_DST_V) != 0);
    float lbx[IMZ_DCT_MAX], lby[IMZ_DCT_MAX];
    for (int i = 0; i < n; i++) {
        lbx[i] = last_bits(E, c->last[t][0][l], i, log2n);
        lby[i] = last_bits(E, c->last[t][1][l], i, log2n);
    }
    for (int i = last; i >= 0; i--) {
        if (lev[scan[i]]) {
            const int lp = scan[i];
            const double r = pr - s1[i] + cbf1 + lbx[lp & (n - 1)] + lby[lp >> log2n];
            const double j = pd + tail + lam * r;
            if (j < best_j) {
                best_j = j;
                best_rate = r;
                best_last = i;
            }
        }
        pd -= dd[i];
        pr -= rr[i];
        tail += zd[i];
    }
    if (best_last < 0 || j_zero <= best_j) {
        memset(lev, 0, sizeof(int32_t) * (size_t)nn);
        *bits = bit_cost(E, &c->cbf[t][l], 0);
        return j_zero;
    }
    for (int i = best_last + 1; i <= last; i++)
        lev[scan[i]] = 0;
    *bits = best_rate;
    return best_j;
}

/* ref2[0] = unfiltered, ref2[1] = smoothed reference samples of the block */
static void predict_mode(const LossyPlane *pl, uint8_t (*ref2)[4 * IMZ_DCT_MAX + 1], int x, int y,
                         int log2n, int m, uint8_t *pred)
{
    if (m == LOSSY_MODE_LM)
        imz_lossy_predict_lm(pl, x, y, log2n, pred);
    else
        imz_lossy_predict_raw(ref2[imz_lossy_needs_smoothing(log2n, m)], log2n, m, pred);
}

/*
 * Hadamard cost of src - pred for a constant n (inlined per size): the sum of the absolute 4x4
 * Hadamard coefficients of the residual, halved. Each strip of 4 rows is transformed vertically
 * across its whole width in one pass, then each group of 4 columns horizontally, where
 * |a + b| + |a - b| = 2 max(|a|, |b|) saves the last butterflies: the half-sum of the 16
 * magnitudes is max(|s0|, |s1|) + max(|d0|, |d1|) per row, s and d the sums and differences of
 * column pairs. From 16 columns up, the horizontal step runs over the strip's four rows as one
 * array (groups never straddle rows), sums and differences of pairs first, which vectorises.
 * Stops after the strip where sum + base reaches stop (the sum only grows).
 */
static IMZ_ALWAYS_INLINE int satd_pred_n(const uint8_t *src, int pw, const uint8_t *pred, int n,
                                         double base, double stop)
{
    int sum = 0;
    for (int by = 0; by < n; by += 4) {
        /* t: the strip's four rows one after the other, row y at t + y n */
        int16_t r[4][IMZ_DCT_MAX], t[4 * IMZ_DCT_MAX];
        for (int y = 0; y < 4; y++)
            for (int i = 0; i < n; i++)
                r[y][i] = (int16_t)(src[(size_t)(by + y) * pw + i] - pred[(by + y) * n + i]);
        for (int i = 0; i < n; i++) {
            const int16_t a0 = (int16_t)(r[0][i] + r[1][i]), a1 = (int16_t)(r[0][i] - r[1][i]);
            const int16_t a2 = (int16_t)(r[2][i] + r[3][i]), a3 = (int16_t)(r[2][i] - r[3][i]);
            t[i] = (int16_t)(a0 + a2);
            t[n + i] = (int16_t)(a1 + a3);
            t[2 * n + i] = (int16_t)(a0 - a2);
            t[3 * n + i] = (int16_t)(a1 - a3);
        }
        if (n >= 16) {
            int16_t s[2 * IMZ_DCT_MAX], d[2 * IMZ_DCT_MAX], v[IMZ_DCT_MAX];
            for (int m = 0; m < 2 * n; m++) {
                s[m] = (int16_t)(t[2 * m] + t[2 * m + 1]);
                d[m] = (int16_t)(t[2 * m] - t[2 * m + 1]);
            }
            for (int q = 0; q < n; q++) {
                const int16_t s0 = (int16_t)iabs(s[2 * q]), s1 = (int16_t)iabs(s[2 * q + 1]);
                const int16_t d0 = (int16_t)iabs(d[2 * q]), d1 = (int16_t)iabs(d[2 * q + 1]);
                v[q] = (int16_t)((s0 > s1 ? s0 : s1) + (d0 > d1 ? d0 : d1));
            }
            for (int q = 0; q < n; q++)
                sum += v[q];
        } else {
            for (int g = 0; g < 4 * n; g += 4) {
                const int s0 = t[g] + t[g + 1], s1 = t[g + 2] + t[g + 3];
                const int d0 = t[g] - t[g + 1], d1 = t[g + 2] - t[g + 3];
                sum += imax(iabs(s0), iabs(s1)) + imax(iabs(d0), iabs(d1));
            }
        }
        if ((double)sum + base >= stop)
            break;
    }
    return sum;
}

/* Hadamard cost of src - pred, in full. */
IMZ_SIMD_CLONES static int satd_of_pred(const uint8_t *src, int pw, const uint8_t *pred, int n)
{
    switch (n) {
    case 4:
        return satd_pred_n(src, pw, pred, 4, 0, INFINITY);
    case 8:
        return satd_pred_n(src, pw, pred, 8, 0, INFINITY);
    case 16:
        return satd_pred_n(src, pw, pred, 16, 0, INFINITY);
    default:
        return satd_pred_n(src, pw, pred, 32, 0, INFINITY);
    }
}

typedef struct Cand {
    int mode;
    double cost;
} Cand;

static void cand_insert(Cand *list, int *n, int max, int mode, double cost)
{
    for (int i = 0; i < *n; i++)
        if (list[i].mode == mode)
            return;
    int i;
    if (*n == max) {
        if (cost >= list[max - 1].cost)
            return;
        i = max - 1;
    } else {
        i = (*n)++;
    }
    while (i > 0 && list[i - 1].cost > cost) {
        list[i] = list[i - 1];
        i--;
    }
    list[i].mode = mode;
    list[i].cost = cost;
}

/* A block's reference samples, as they are and (for 8x8 and up) smoothed, and its most probable
 * modes: what both the searching and the fast leaf coder start from. */
static void block_refs(const LossyPlane *pl, int x, int y, int log2n,
                       uint8_t ref2[2][4 * IMZ_DCT_MAX + 1], int mpm[3])
{
    imz_lossy_ref_build(pl, x, y, log2n, ref2[0]);
    if (log2n > 2)
        imz_lossy_smooth(ref2[0], log2n, ref2[1]);
    imz_lossy_mpm(pl, x, y, mpm);
}

/*
 * Evaluates the block as one leaf: picks the mode and levels, writes its reconstruction into the
 * plane and its levels into E->lev. Returns J (without the split flag).
 */
IMZ_SIMD_CLONES static double eval_leaf(Enc *E, int x, int y, int log2n, int *out_mode, int *out_tx)
{
    LossyPlane *pl = E->pl;
    const int n = 1 << log2n, nn = n * n, t = pl->type, pw = pl->pw;
    uint8_t ref2[2][4 * IMZ_DCT_MAX + 1], pred[IMZ_DCT_MAX * IMZ_DCT_MAX];
    uint8_t best_pred[IMZ_DCT_MAX * IMZ_DCT_MAX];
    int16_t res[IMZ_DCT_MAX * IMZ_DCT_MAX];
    int32_t coef[IMZ_DCT_MAX * IMZ_DCT_MAX], lev[IMZ_DCT_MAX * IMZ_DCT_MAX];
    int32_t best_lev[IMZ_DCT_MAX * IMZ_DCT_MAX];
    const uint8_t *src = E->src + (size_t)y * pw + x;
    int mpm[3];
    block_refs(pl, x, y, log2n, ref2, mpm);

    /* Hadamard pre-selection */
    Cand list[8];
    int n_list = 0;
    const int max_list = imin(E->n_full + 2, 8);
    double satd_of[LOSSY_N_MODES + 1];
    const int lm_ctx = pl->luma ? imz_lossy_lm_ctx(pl, x, y) : -1;
    for (int m = 0; m <= LOSSY_N_MODES; m++)
        satd_of[m] = -1;
#define TRY_MODE(m)                                                                                \
    do {                                                                                           \
        int m_ = (m);                                                                              \
        if (satd_of[m_] < 0) {                                                                     \
            predict_mode(pl, ref2, x, y, log2n, m_, pred);                                         \
            satd_of[m_] = satd_of_pred(src, pw, pred, n) +                                         \
                          E->sqrt_lambda * mode_bits(E, t, mpm, m_, lm_ctx);                       \
            cand_insert(list, &n_list, max_list, m_, satd_of[m_]);                                 \
        }                                                                                          \
    } while (0)
    if (lm_ctx >= 0)
        TRY_MODE(LOSSY_MODE_LM);
    TRY_MODE(LOSSY_MODE_PLANAR);
    TRY_MODE(LOSSY_MODE_DC);
    for (int m = 2; m < LOSSY_N_MODES; m += log2n == 2 && E->effort < 7 ? 8 : 4)
        TRY_MODE(m);
    for (int i = 0; i < 3; i++)
        TRY_MODE(mpm[i]);
    if (E->effort >= 3) {
        /* refine around the best two angular modes */
        int a[2], na = 0;
        const int n_ang = E->effort >= 6 ? 2 : 1;
        for (int i = 0; i < n_list && na < n_ang; i++)
            if (list[i].mode >= 2)
                a[na++] = list[i].mode;
        for (int k = 0; k < na; k++)
            for (int d = -2; d <= 2; d++)
                if (a[k] + d >= 2 && a[k] + d < LOSSY_N_MODES)
                    TRY_MODE(a[k] + d);
    }
#undef TRY_MODE

    double best_j = INFINITY, best_bits = 0;
    int best_mode = LOSSY_MODE_DC;
    const int n_full = imin(E->n_full, n_list);
    for (int ci = 0; ci < n_full; ci++) {
        const int m = list[ci].mode;
        /* further candidates only when their Hadamard cost is close to the best one's */
        if (ci > 0 && E->effort < 7 && list[ci].cost > 1.15 * list[0].cost)
            break;
        predict_mode(pl, ref2, x, y, log2n, m, pred);
        for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
                res[j * n + i] = (int16_t)(src[(size_t)j * pw + i] - pred[j * n + i]);
        imz_dct_fwd(res, n, coef, log2n, 0);
        double bits;
        double jc = quantise_block(E, coef, log2n, t, 0, lev, &bits);
        const double mb = mode_bits(E, t, mpm, m, lm_ctx);
        jc += E->lambda * mb;
        if (jc < best_j) {
            best_j = jc;
            best_bits = bits + mb;
            best_mode = m;
            memcpy(best_lev, lev, sizeof(int32_t) * (size_t)nn);
            memcpy(best_pred, pred, (size_t)nn);
        }
    }
    int best_tx = 0;
    if (log2n <= E->tx_search_log2 && best_bits > 0) {
        int nz = 0;
        for (int i = 0; i < nn; i++)
            nz |= best_lev[i];
        const double mb = mode_bits(E, t, mpm, best_mode, lm_ctx);
        for (int j = 0; j < n && nz; j++)
            for (int i = 0; i < n; i++)
                res[j * n + i] = (int16_t)(src[(size_t)j * pw + i] - best_pred[j * n + i]);
        for (int tx = 1; tx < 4 && nz; tx++) {
            imz_dct_fwd(res, n, coef, log2n, tx);
            double bits;
            const double jc = quantise_block(E, coef, log2n, t, tx, lev, &bits) + E->lambda * mb;
            if (jc < best_j) {
                int nz2 = 0;
                for (int i = 0; i < nn; i++)
                    nz2 |= lev[i];
                best_j = jc;
                best_bits = bits + mb;
                best_tx = nz2 ? tx : 0;
                memcpy(best_lev, lev, sizeof(int32_t) * (size_t)nn);
            }
        }
    }

    /* reconstruct */
    int mu = -1, mv = -1;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            const int32_t v = best_lev[j * n + i];
            E->lev[(size_t)(y + j) * pw + x + i] = v;
            coef[j * n + i] = v ? imz_quant_dequant(v, pl->q, log2n) : 0;
            if (v) {
                mu = imax(mu, i);
                mv = imax(mv, j);
            }
        }
    uint64_t sse = 0;
    if (mu >= 0)
        imz_dct_inv(coef, res, log2n, mu, mv, best_tx);
    for (int j = 0; j < n; j++) {
        uint8_t *dst = pl->pix + (size_t)(y + j) * pw + x;
        for (int i = 0; i < n; i++) {
            const int v = mu >= 0 ? iclip(best_pred[j * n + i] + res[j * n + i], 0, 255)
                                  : best_pred[j * n + i];
            dst[i] = (uint8_t)v;
            const int e = v - src[(size_t)j * pw + i];
            sse += (uint64_t)(e * e);
        }
    }
    *out_mode = best_mode;
    *out_tx = best_tx;
    E->last_cbf = mu >= 0;
    return (double)sse + E->lambda * best_bits;
}

static void mark_leaf(Enc *E, LossyPlane *pl, int x, int y, int log2s, int mode, int tx)
{
    const int uw = pl->pw >> 2, un = 1 << (log2s - 2);
    for (int j = 0; j < un; j++)
        for (int i = 0; i < un; i++) {
            const size_t u = (size_t)((y >> 2) + j) * uw + (x >> 2) + i;
            pl->size_map[u] = (uint8_t)log2s;
            pl->mode_map[u] = (uint8_t)mode;
            E->txm[u] = (uint8_t)tx;
        }
}

static double search(Enc *E, int x, int y, int log2s)
{
    LossyPlane *pl = E->pl;
    if (x >= pl->pw || y >= pl->ph)
        return 0;
    const int s = 1 << log2s, h = s >> 1;
    if (log2s > 3 && (x + s > pl->pw || y + s > pl->ph))
        return search(E, x, y, log2s - 1) + search(E, x + h, y, log2s - 1) +
               search(E, x, y + h, log2s - 1) + search(E, x + h, y + h, log2s - 1);
    int mode, tx;
    const ImzBacCell *sc = NULL;
    if (log2s > 2)
        sc = &E->c.split[pl->type][log2s - 3][imz_lossy_split_ctx(pl, x, y, log2s)];
    double jl = eval_leaf(E, x, y, log2s, &mode, &tx);
    if (sc)
        jl += E->lambda * bit_cost(E, sc, 0);
    /* a leaf without coefficients is rarely beaten by its children at low effort */
    if (log2s <= E->min_log2 ||
        (E->effort < 7 && log2s <= E->skip_split_log2 && E->last_cbf == 0)) {
        mark_leaf(E, pl, x, y, log2s, mode, tx);
        return jl;
    }
    const int d = LOSSY_SB_LOG2 - log2s, pw = pl->pw;
    for (int j = 0; j < s; j++) {
        memcpy(E->save_pix[d] + j * s, pl->pix + (size_t)(y + j) * pw + x, (size_t)s);
        memcpy(E->save_lev[d] + j * s, E->lev + (size_t)(y + j) * pw + x, sizeof(int32_t) * s);
    }
    double js = E->lambda * bit_cost(E, sc, 1);
    js += search(E, x, y, log2s - 1);
    if (js < jl)
        js += search(E, x + h, y, log2s - 1);
    if (js < jl)
        js += search(E, x, y + h, log2s - 1);
    if (js < jl)
        js += search(E, x + h, y + h, log2s - 1);
    if (js < jl)
        return js;
    for (int j = 0; j < s; j++) {
        memcpy(pl->pix + (size_t)(y + j) * pw + x, E->save_pix[d] + j * s, (size_t)s);
        memcpy(E->lev + (size_t)(y + j) * pw + x, E->save_lev[d] + j * s, sizeof(int32_t) * s);
    }
    mark_leaf(E, pl, x, y, log2s, mode, tx);
    return jl;
}

/* ---- Effort 1: decisions by heuristics, no rate-distortion search ---- */

/*
 * Dead-zone quantisation of the n x n coefficients (in 1/65536 units: |coef| < 2^15 and the step
 * is at least 2, so the products fit), levels to lev (row stride pw), dequantised values back to
 * coef as imz_quant_dequant gives them, with magnitudes capped at the smallest one that clips so
 * that the products stay in 32 bits. Sets *mu, *mv to the extent of the nonzero levels (-1 if
 * none). Branch-free over whole rows, so that it vectorises for the constant n.
 */
static inline void fast_quant_n(int32_t *restrict coef, int32_t *restrict lev, int pw, int32_t inv,
                                int32_t rnd, int q, int log2n, int *mu, int *mv, int n)
{
    const int32_t m = (int32_t)imz_quant_scale[q % 24] << (q / 24), sh = log2n + 2;
    const int32_t drnd = 1 << (log2n + 1), cap = (int32_t)((32768 << sh) / m + 1);
    int32_t col[IMZ_DCT_MAX] = {0};
    int last_row = -1;
    for (int j = 0; j < n; j++) {
        int32_t *c = coef + j * n, *l = lev + (size_t)j * pw, any = 0;
        for (int i = 0; i < n; i++) {
            const int32_t v = c[i], a = ((v < 0 ? -v : v) * inv + rnd) >> 16;
            const int32_t ac = a < cap ? a : cap;
            int32_t d = (ac * m + drnd) >> sh;
            d = d > 32767 ? 32767 : d;
            l[i] = v < 0 ? -a : a;
            c[i] = v < 0 ? -d : d;
            col[i] |= a;
            any |= a;
        }
        last_row = any ? j : last_row;
    }
    int last_col = -1;
    for (int i = 0; i < n; i++)
        last_col = col[i] ? i : last_col;
    *mu = last_col;
    *mv = last_row;
}

/* dst = clip8(pred + res), n x n, dst with row stride pw. */
static inline void fast_add_n(uint8_t *restrict dst, int pw, const uint8_t *restrict pred,
                              const int16_t *restrict res, int n)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            const int v = pred[j * n + i] + res[j * n + i];
            dst[(size_t)j * pw + i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
}

/* The residual src - pred of an n x n block. */
static inline void fast_res_n(int16_t *restrict res, const uint8_t *restrict src, int pw,
                              const uint8_t *restrict pred, int n)
{
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            res[j * n + i] = (int16_t)(src[(size_t)j * pw + i] - pred[j * n + i]);
}

/*
 * Codes the block as one leaf with the mode of least Hadamard cost among a few (planar, DC, pure
 * horizontal and vertical, the MPMs, chroma from luma), the DCT, and dead-zone rounding of the
 * coefficients; writes the reconstruction and the levels as eval_leaf does. Inlined per constant
 * size, with everything it calls in this file (flatten), so that the loops see n as a constant.
 */
static IMZ_ALWAYS_INLINE void fast_leaf_n(Enc *E, int x, int y, int log2n, int n)
{
    LossyPlane *pl = E->pl;
    const int t = pl->type, pw = pl->pw;
    uint8_t ref2[2][4 * IMZ_DCT_MAX + 1], pred_buf[2][IMZ_DCT_MAX * IMZ_DCT_MAX];
    int16_t res[IMZ_DCT_MAX * IMZ_DCT_MAX];
    int32_t coef[IMZ_DCT_MAX * IMZ_DCT_MAX];
    const uint8_t *src = E->src + (size_t)y * pw + x;
    int mpm[3];
    block_refs(pl, x, y, log2n, ref2, mpm);
    const int lm_ctx = pl->luma ? imz_lossy_lm_ctx(pl, x, y) : -1;
    int cand[8], nc = 0;
    if (lm_ctx >= 0)
        cand[nc++] = LOSSY_MODE_LM;
    cand[nc++] = LOSSY_MODE_PLANAR;
    cand[nc++] = LOSSY_MODE_DC;
    cand[nc++] = LOSSY_MODE_H;
    cand[nc++] = LOSSY_MODE_V;
    for (int i = 0; i < 3; i++) {
        int seen = 0;
        for (int k = 0; k < nc; k++)
            seen |= cand[k] == mpm[i];
        if (!seen)
            cand[nc++] = mpm[i];
    }
    double best_cost = INFINITY;
    int best_mode = LOSSY_MODE_DC, best_satd = 0, cur = 0;
    const uint8_t *best_pred = pred_buf[0];
    for (int k = 0; k < nc; k++) {
        uint8_t *pred = pred_buf[cur];
        predict_mode(pl, ref2, x, y, log2n, cand[k], pred);
        /* a candidate is dropped as soon as its partial cost reaches the best one's: the
         * partial cost never exceeds the full one, so the choice is the same */
        const double mb = E->sqrt_lambda * mode_bits(E, t, mpm, cand[k], lm_ctx);
        const int sd = satd_pred_n(src, pw, pred, n, mb, best_cost);
        const double cost = sd + mb;
        if (cost < best_cost) {
            best_cost = cost;
            best_mode = cand[k];
            best_satd = sd;
            best_pred = pred;
            cur ^= 1; /* keep this one, predict the next into the other buffer */
        }
    }
    uint8_t *dst = pl->pix + (size_t)y * pw + x;
    int32_t *lev = E->lev + (size_t)y * pw + x;
    int mu = -1, mv = -1;
    if (best_satd < E->fast_skip) {
        /* Every transform coefficient is at most the residual's L2 norm, which is at most the sum
         * of the orthonormal Hadamard magnitudes (half the SATD): below the dead zone, the block
         * is its prediction. */
        for (int j = 0; j < n; j++)
            memset(lev + (size_t)j * pw, 0, sizeof(int32_t) * (size_t)n);
    } else {
        fast_res_n(res, src, pw, best_pred, n);
        imz_dct_fwd(res, n, coef, log2n, 0);
        /* dead-zone rounding: levels just above a half step cost more than they return */
        fast_quant_n(coef, lev, pw, (int32_t)(65536 / E->step[log2n - 2] + 0.5),
                     (int32_t)(E->fast_round * 65536), pl->q, log2n, &mu, &mv, n);
    }
    if (mu >= 0) {
        imz_dct_inv(coef, res, log2n, mu, mv, 0);
        fast_add_n(dst, pw, best_pred, res, n);
    } else {
        for (int j = 0; j < n; j++)
            memcpy(dst + (size_t)j * pw, best_pred + j * n, (size_t)n);
    }
    mark_leaf(E, pl, x, y, log2n, best_mode, 0);
}

/* clang refuses flatten together with target_clones */
#if defined(__GNUC__) && !defined(__clang__)
#define FAST_FLATTEN __attribute__((flatten))
#else
#define FAST_FLATTEN
#endif

IMZ_SIMD_CLONES FAST_FLATTEN static void fast_leaf(Enc *E, int x, int y, int log2n)
{
    switch (log2n) {
    case 2:
        fast_leaf_n(E, x, y, 2, 4);
        break;
    case 3:
        fast_leaf_n(E, x, y, 3, 8);
        break;
    case 4:
        fast_leaf_n(E, x, y, 4, 16);
        break;
    default:
        fast_leaf_n(E, x, y, 5, 32);
        break;
    }
}

/* Mean absolute difference between horizontal and vertical neighbours in each 8x8 block of the
 * superblock at (x, y), in 1/112 units (7 x 8 differences each way); act[j * 4 + i]. */
static void block_activity(const Enc *E, int x, int y, int *act)
{
    const int pw = E->pl->pw;
    for (int by = 0; by < 4; by++)
        for (int bx = 0; bx < 4; bx++) {
            const int x0 = x + 8 * bx, y0 = y + 8 * by;
            if (x0 >= pw || y0 >= E->pl->ph) {
                act[by * 4 + bx] = 0;
                continue;
            }
            const uint8_t *s = E->src + (size_t)y0 * pw + x0;
            int a = 0;
            for (int j = 0; j < 8; j++) {
                const uint8_t *r = s + (size_t)j * pw;
                for (int i = 0; i < 7; i++)
                    a += iabs(r[i + 1] - r[i]);
                if (j < 7)
                    for (int i = 0; i < 8; i++)
                        a += iabs(r[i + pw] - r[i]);
            }
            act[by * 4 + bx] = a;
        }
}

/* Leaf sizes from the activity: a block whose 8x8 parts are all quiet relative to the quantiser
 * step is coded whole, as the search would mostly find too. */
static void fast_node(Enc *E, int x, int y, int log2s, const int *act, int ax, int ay)
{
    LossyPlane *pl = E->pl;
    if (x >= pl->pw || y >= pl->ph)
        return;
    const int s = 1 << log2s, h = s >> 1;
    int split = log2s > 3 && (x + s > pl->pw || y + s > pl->ph);
    if (!split && log2s > 3) {
        const int k = 1 << (log2s - 3);
        int mx = 0;
        for (int j = 0; j < k; j++)
            for (int i = 0; i < k; i++)
                mx = imax(mx, act[(ay + j) * 4 + ax + i]);
        split = mx > E->fast_thr[log2s - 4];
    }
    if (!split) {
        fast_leaf(E, x, y, log2s);
        return;
    }
    const int hk = 1 << (log2s - 4);
    fast_node(E, x, y, log2s - 1, act, ax, ay);
    fast_node(E, x + h, y, log2s - 1, act, ax + hk, ay);
    fast_node(E, x, y + h, log2s - 1, act, ax, ay + hk);
    fast_node(E, x + h, y + h, log2s - 1, act, ax + hk, ay + hk);
}

static void encode_node(Enc *E, int x, int y, int log2s)
{
    LossyPlane *pl = E->pl;
    if (x >= pl->pw || y >= pl->ph)
        return;
    const int s = 1 << log2s, h = s >> 1, uw = pl->pw >> 2;
    if (log2s > 2) {
        int split;
        if (log2s > 3 && (x + s > pl->pw || y + s > pl->ph)) {
            split = 1;
        } else {
            split = pl->size_map[(size_t)(y >> 2) * uw + (x >> 2)] < log2s;
            imz_bac_put(&E->bac,
                        &E->c.split[pl->type][log2s - 3][imz_lossy_split_ctx(pl, x, y, log2s)],
                        split);
        }
        if (split) {
            encode_node(E, x, y, log2s - 1);
            encode_node(E, x + h, y, log2s - 1);
            encode_node(E, x, y + h, log2s - 1);
            encode_node(E, x + h, y + h, log2s - 1);
            return;
        }
    }
    int mpm[3];
    imz_lossy_mpm(pl, x, y, mpm);
    imz_lossy_put_mode(&E->bac, &E->c, pl->type, mpm,
                       pl->mode_map[(size_t)(y >> 2) * uw + (x >> 2)],
                       pl->luma ? imz_lossy_lm_ctx(pl, x, y) : -1);
    imz_lossy_put_coefs(&E->bac, &E->c, &E->scan, E->tk, E->lev + (size_t)y * pl->pw + x, pl->pw,
                        log2s, pl->type, E->txm[(size_t)(y >> 2) * uw + (x >> 2)]);
}

/*
 * Quantiser offsets of the superblocks of a luma plane (padded source src, pw x ph, both
 * multiples of 8; d[] in raster order). SSIM weighs an error against the local variance, so an
 * error in a flat area costs more than the same error in texture: the quantiser follows each
 * superblock's activity a, the mean of ln(variance + LOSSY_AQ_C) over its 8x8 blocks, by
 * LOSSY_AQ_SLOPE indices per unit of a - mean a (24 indices double the step), so that the
 * plane's indices average out near its own.
 */
#define LOSSY_AQ_C 1000.0
#define LOSSY_AQ_SLOPE 24.0
static void superblock_offsets(const uint8_t *src, int pw, int ph, double *a, int8_t *d)
{
    const int sbw = (pw + LOSSY_SB - 1) / LOSSY_SB, sbh = (ph + LOSSY_SB - 1) / LOSSY_SB;
    double mean = 0;
    for (int by = 0; by < sbh; by++)
        for (int bx = 0; bx < sbw; bx++) {
            double sum = 0;
            int n = 0;
            for (int y = by * LOSSY_SB; y < imin(ph, (by + 1) * LOSSY_SB); y += 8)
                for (int x = bx * LOSSY_SB; x < imin(pw, (bx + 1) * LOSSY_SB); x += 8) {
                    uint32_t s1 = 0, s2 = 0;
                    for (int j = 0; j < 8; j++)
                        for (int i = 0; i < 8; i++) {
                            const uint32_t v = src[(size_t)(y + j) * pw + x + i];
                            s1 += v;
                            s2 += v * v;
                        }
                    sum += log((64.0 * s2 - (double)s1 * s1) / 4096.0 + LOSSY_AQ_C);
                    n++;
                }
            a[by * sbw + bx] = sum / n;
            mean += sum / n;
        }
    mean /= (double)sbw * sbh;
    for (int i = 0; i < sbw * sbh; i++) {
        const long v = lround(LOSSY_AQ_SLOPE * (a[i] - mean) / 2);
        d[i] = (int8_t)(v < -LOSSY_AQ_MAX ? -LOSSY_AQ_MAX : v > LOSSY_AQ_MAX ? LOSSY_AQ_MAX : v);
    }
}

/* The quantiser of what follows: steps, Lagrange multiplier and the effort-1 thresholds. */
static void set_quantiser(Enc *E, int q, double lambda_mul)
{
    const double so = imz_quant_step_orth(q);
    E->pl->q = q;
    E->lambda = lambda_mul * so * so;
    E->sqrt_lambda = sqrt(E->lambda);
    for (int l = 0; l < 4; l++)
        E->step[l] = imz_quant_step(q, l + 2);
    /* effort 1: rounding offset 0.35 (so levels start at 0.65 steps); 16x16 and 32x32 blocks
     * whose 8x8 parts all have a mean neighbour difference under 0.25 and 0.1 steps; no levels
     * when half the SATD is under 0.6 steps (every coefficient then rounds to zero) */
    E->fast_round = 0.35f;
    E->fast_thr[0] = (int)(112 * 0.25 * so);
    E->fast_thr[1] = (int)(112 * 0.1 * so);
    E->fast_skip = (int)(2 * 0.6 * so);
}

/* Codes one plane whose padded source is src; leaves the reconstruction in pl->pix. */
static int encode_plane(Enc *E, LossyPlane *pl, const uint8_t *src, double lambda_mul)
{
    E->pl = pl;
    E->src = src;
    const int q_plane = pl->q;
    for (int l = 0; l < 4; l++) {
        const int n = 4 << l;
        E->dscale[l] = (n / 128.0) * (n / 128.0);
    }
    set_quantiser(E, q_plane, lambda_mul);
    const int sbw = (pl->pw + LOSSY_SB - 1) / LOSSY_SB, sbh = (pl->ph + LOSSY_SB - 1) / LOSSY_SB;
    int8_t *d = NULL;
    if (pl->type == 0 && E->aq) {
        double *a = imz_malloc_array(E->ctx, (size_t)sbw * sbh, sizeof(double));
        d = imz_malloc_array(E->ctx, (size_t)sbw * sbh, 1);
        if (a && d)
            superblock_offsets(src, pl->pw, pl->ph, a, d);
        imz_mem_free(E->ctx, a);
        if (!a || !d || imz_lossy_plane_aq(E->ctx, pl) < 0) {
            imz_mem_free(E->ctx, d);
            return IMZ_ERR_NOMEM;
        }
    }
    int sb = 0;
    for (int y = 0; y < pl->ph; y += LOSSY_SB)
        for (int x = 0; x < pl->pw; x += LOSSY_SB, sb++) {
            if (d) {
                imz_lossy_put_dq(&E->bac, &E->c, d[sb], sb ? d[sb - 1] : 0);
                const int q = imz_lossy_sb_q(q_plane, d[sb]);
                pl->sb_q[sb] = (uint8_t)q;
                set_quantiser(E, q, lambda_mul);
            }
            if (E->effort <= 1) {
                int act[16];
                block_activity(E, x, y, act);
                fast_node(E, x, y, LOSSY_SB_LOG2, act, 0, 0);
            } else {
                search(E, x, y, LOSSY_SB_LOG2);
            }
            encode_node(E, x, y, LOSSY_SB_LOG2);
        }
    imz_mem_free(E->ctx, d);
    set_quantiser(E, q_plane, lambda_mul);
    if (E->deblock)
        imz_lossy_deblock(pl, E->db_offset);
    LossyWiener wf;
    memset(&wf, 0, sizeof wf);
    wf.block_on = imz_calloc(E->ctx, (size_t)((pl->w + 63) >> 6), (size_t)((pl->h + 63) >> 6));
    if (!wf.block_on)
        return IMZ_ERR_NOMEM;
    int st =
        E->wiener ? imz_lossy_wiener_fit(E->ctx, pl, src, E->effort >= 5 ? 2 : 1, &wf) : IMZ_OK;
    imz_lossy_put_wiener(&E->bac, &E->c, pl, &wf);
    if (st == IMZ_OK && wf.enabled && pl->type == 0) {
        /* the filtered luma is what chroma-from-luma predicts from, as in the decoder */
        uint8_t *tmp = imz_malloc(E->ctx, (size_t)pl->pw * pl->ph);
        if (!tmp || (st = imz_lossy_wiener_apply(E->ctx, pl, &wf, tmp)) < 0) {
            st = IMZ_ERR_NOMEM;
        } else {
            uint8_t *t = pl->pix;
            pl->pix = tmp;
            tmp = t;
        }
        imz_mem_free(E->ctx, tmp);
    }
    imz_mem_free(E->ctx, wf.block_on);
    return st < 0 ? st : E->bac.out->status;
}

void imz_lossy_write_params(const LossyParams *p, ImzBuf *params)
{
    imz_buf_put_u8(params, LOSSY_VERSION);
    imz_buf_put_u8(params,
                   (unsigned)((p->sub420 ? LOSSY_FLAG_420 : 0) |
                              (p->deblock ? LOSSY_FLAG_DEBLOCK : 0) | (p->aq ? LOSSY_FLAG_AQ : 0) |
                              (p->tokens ? LOSSY_FLAG_TOKENS : 0)));
    imz_buf_put_u8(params, (unsigned)p->q_y);
    imz_buf_put_u8(params, (unsigned)p->q_c);
    imz_buf_put_u8(params, (unsigned)(p->db_offset & 0xff));
}

/* Pads a w x h plane (stride w) to pw x ph by repeating the last column and row. */
static void pad_plane(uint8_t *dst, int pw, int ph, const uint8_t *src, int w, int h)
{
    for (int y = 0; y < ph; y++) {
        const uint8_t *s = src + (size_t)imin(y, h - 1) * w;
        uint8_t *d = dst + (size_t)y * pw;
        memcpy(d, s, (size_t)w);
        memset(d + w, s[w - 1], (size_t)(pw - w));
    }
}

/* Y Cb Cr of one pixel of 8-bit samples (BT.601, full range, §4): y16 = 65536 Y; the chroma
 * differences at 8 fractional bits times 0.564 and 0.713 in 14 bits; the 2^30 bias keeps the
 * shifts on positives. */
static inline void ycc_of(int32_t r, int32_t g, int32_t b, uint8_t *yy, uint8_t *cb, uint8_t *cr)
{
    const int32_t y16 = 19595 * r + 38470 * g + 7471 * b;
    const int32_t db = (b << 8) - (y16 >> 8), dr = (r << 8) - (y16 >> 8);
    const int32_t u = ((db * 9241 + (1 << 21) + (1 << 30)) >> 22) - 128;
    const int32_t v = ((dr * 11682 + (1 << 21) + (1 << 30)) >> 22) - 128;
    *yy = (uint8_t)((y16 + 32768) >> 16);
    *cb = (uint8_t)(u < 0 ? 0 : u > 255 ? 255 : u);
    *cr = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The planes of 8-bit RGB, the common input, without depth scaling. Chunks of 16 pixels: the
 * samples are first split into three arrays (loads at stride 3, which vectorise as they are but
 * not together with the widening), then converted with constant trip counts. */
IMZ_SIMD_CLONES static void rgb8_to_ycc(const uint16_t *restrict px, size_t n, uint8_t *restrict yy,
                                        uint8_t *restrict cb, uint8_t *restrict cr)
{
    size_t i0 = 0;
    for (; i0 + 16 <= n; i0 += 16) {
        uint16_t r[16], g[16], b[16];
        const uint16_t *p = px + 3 * i0;
        for (int k = 0; k < 16; k++) {
            r[k] = p[3 * k];
            g[k] = p[3 * k + 1];
            b[k] = p[3 * k + 2];
        }
        for (int k = 0; k < 16; k++)
            ycc_of(r[k], g[k], b[k], &yy[i0 + k], &cb[i0 + k], &cr[i0 + k]);
    }
    for (; i0 < n; i0++)
        ycc_of(px[3 * i0], px[3 * i0 + 1], px[3 * i0 + 2], &yy[i0], &cb[i0], &cr[i0]);
}

/* Any other input: Y Cb Cr (or gray) into planes[0 .. 3 npix), alpha into pa. Chunks of 16
 * samples, scaled to 8 bits first, then converted. */
static void to_planes(const ImzImage *img, uint8_t *planes, uint8_t *pa)
{
    const size_t npix = (size_t)img->width * img->height;
    const int ch = img->channels, depth = img->bit_depth;
    const int color = ch >= 3, has_alpha = ch == 2 || ch == 4;
    for (size_t i0 = 0; i0 < npix; i0 += 16) {
        const int m = (int)(npix - i0 < 16 ? npix - i0 : 16);
        int32_t r[16], g[16], b[16];
        for (int k = 0; k < m; k++) {
            const uint16_t *px = img->data + (i0 + (size_t)k) * ch;
            r[k] = imz_lossy_to8(px[0], depth);
            g[k] = color ? imz_lossy_to8(px[1], depth) : 0;
            b[k] = color ? imz_lossy_to8(px[2], depth) : 0;
            if (has_alpha)
                pa[i0 + (size_t)k] = (uint8_t)imz_lossy_to8(px[ch - 1], depth);
        }
        if (!color) {
            for (int k = 0; k < m; k++)
                planes[i0 + (size_t)k] = (uint8_t)r[k];
            continue;
        }
        for (int k = 0; k < m; k++)
            ycc_of(r[k], g[k], b[k], &planes[i0 + (size_t)k], &planes[npix + i0 + (size_t)k],
                   &planes[2 * npix + i0 + (size_t)k]);
    }
}

int imz_lossy_encode_image(ImzContext *ctx, const ImzImage *img, const LossyParams *p,
                           ImzBuf *payload)
{
    const int w = (int)img->width, h = (int)img->height, ch = img->channels;
    const int color = ch >= 3, has_alpha = ch == 2 || ch == 4;
    const int n_planes = color ? 3 : 1;
    const size_t npix = (size_t)w * h;
    int st = IMZ_OK;
    Enc *E = imz_calloc(ctx, 1, sizeof *E); /* zeroed: the clean-up reads its pointers */
    uint8_t *planes = imz_malloc_array(ctx, npix, 4), *padded = NULL;
    int32_t *lev = NULL;
    LossyPlane pl[3];
    uint8_t *luma = NULL;
    memset(pl, 0, sizeof pl);
    if (!E || !planes) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    E->ctx = ctx;
    imz_lossy_ctx_init(&E->c);
    imz_lossy_scan_init(&E->scan);
    for (int i = 0; i <= 4096; i++)
        E->cost_tab[i] = (float)(-log2((i ? i : 0.5) / 4096.0));
    E->effort = p->effort;
    E->deblock = p->deblock;
    E->db_offset = p->db_offset;
    E->wiener = p->wiener && p->effort >= 2;
    E->aq = p->aq;
    E->tx_search_log2 = p->effort >= 4 ? 4 : p->effort >= 2 ? 3 : 0;
    E->skip_split_log2 = p->effort >= 7 ? 0 : p->effort >= 4 ? 3 : p->effort >= 2 ? 4 : 5;
    E->min_log2 = p->effort >= 3 ? 2 : 3;
    E->n_full = p->effort <= 4 ? 1 : p->effort <= 6 ? 2 : 3;

    /* 8-bit planes: Y Cb Cr (BT.601, full range) or gray, then alpha */
    uint8_t *pa = planes + 3 * npix;
    if (color && !has_alpha && img->bit_depth == 8)
        rgb8_to_ycc(img->data, npix, planes, planes + npix, planes + 2 * npix);
    else
        to_planes(img, planes, pa);
    const int cw = p->sub420 ? (w + 1) >> 1 : w, chh = p->sub420 ? (h + 1) >> 1 : h;
    if (color && p->sub420) {
        /* 2x2 box average, in place into the front of each chroma plane (row y only reads rows
         * 2y and 2y + 1, which nothing has overwritten yet) */
        for (int c = 1; c < 3; c++) {
            uint8_t *pc = planes + (size_t)c * npix;
            for (int y = 0; y < chh; y++) {
                const uint8_t *r0 = pc + (size_t)(2 * y) * w,
                              *r1 = pc + (size_t)imin(2 * y + 1, h - 1) * w;
                uint8_t *d = pc + (size_t)y * cw;
                for (int x = 0; x < w >> 1; x++)
                    d[x] =
                        (uint8_t)((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) >> 2);
                if (w & 1)
                    d[cw - 1] = (uint8_t)((2 * r0[w - 1] + 2 * r1[w - 1] + 2) >> 2);
            }
        }
    }
    size_t pad_n;
    if (!imz_mul_size((size_t)((w + 7) & ~7), (size_t)((h + 7) & ~7), &pad_n)) {
        st = imz_fail(ctx, IMZ_ERR_LIMIT, "lossy: image too large");
        goto done;
    }
    padded = imz_malloc(ctx, pad_n);
    lev = imz_malloc_array(ctx, pad_n, sizeof(int32_t));
    E->txm = imz_calloc(ctx, pad_n / 16, 1);
    if (!padded || !lev || !E->txm) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    E->lev = lev;
    size_t bac_start = payload->len;
    if (p->tokens) {
        /* the token section follows the coder's stream, whose length comes first (§4) */
        E->tk = imz_calloc(ctx, 1, sizeof *E->tk);
        if (!E->tk) {
            st = IMZ_ERR_NOMEM;
            goto done;
        }
        imz_lossy_tokens_init(E->tk, ctx);
        imz_buf_append(payload, "\0\0\0\0", 4);
        bac_start = payload->len;
    }
    imz_bac_enc_init(&E->bac, payload);
    for (int c = 0; c < n_planes && st == IMZ_OK; c++) {
        const int pw_ = c ? cw : w, ph_ = c ? chh : h;
        st = imz_lossy_plane_alloc(ctx, &pl[c], pw_, ph_, c ? 1 : 0, c ? p->q_c : p->q_y);
        if (st == IMZ_OK && c == 1) {
            luma = imz_malloc(ctx, (size_t)pl[1].pw * pl[1].ph);
            if (!luma)
                st = IMZ_ERR_NOMEM;
            else
                imz_lossy_luma_for_chroma(&pl[0], p->sub420, luma, pl[1].pw, pl[1].ph);
        }
        if (st == IMZ_OK) {
            pl[c].luma = c ? luma : NULL;
            pad_plane(padded, pl[c].pw, pl[c].ph, planes + (size_t)c * npix, pw_, ph_);
            st = encode_plane(E, &pl[c], padded, p->lambda_mul);
        }
    }
    if (st == IMZ_OK && has_alpha)
        imz_lossy_put_alpha(&E->bac, &E->c, pa, w, h);
    imz_bac_enc_finish(&E->bac);
    if (st == IMZ_OK && E->tk && payload->status == 0) {
        const size_t n = payload->len - bac_start;
        wr_le32(payload->data + bac_start - 4, (uint32_t)n);
        st = n > UINT32_MAX ? imz_fail(ctx, IMZ_ERR_LIMIT, "lossy: payload too large")
                            : imz_lossy_tokens_write(E->tk, payload);
    }
    if (st == IMZ_OK)
        st = payload->status;
done:
    if (E && E->tk) {
        imz_lossy_tokens_free(E->tk);
        imz_mem_free(ctx, E->tk);
    }
    for (int c = 0; c < 3; c++)
        imz_lossy_plane_free(ctx, &pl[c]);
    imz_mem_free(ctx, luma);
    imz_mem_free(ctx, padded);
    imz_mem_free(ctx, lev);
    if (E)
        imz_mem_free(ctx, E->txm);
    imz_mem_free(ctx, planes);
    imz_mem_free(ctx, E);
    return st;
}
