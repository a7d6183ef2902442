// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Syntax of the `lossy` codec shared by encoder and decoder (docs/format/lossy.md §5): context
// initialisation, scan tables, most-probable-mode derivation, and the binarisation of intra modes
// and coefficient blocks (coded flag, last position, then per coefficient in reverse scan order a
// significance flag, two greater-than flags and a Rice/Exp-Golomb remainder, contexts chosen from
// the five already-coded neighbours to the right and below).

#include "codec/dct/dct_codec.h"

#include <stddef.h>
#include <string.h>

#include "common/intops.h"
#include "quant/quant.h"

const uint8_t imz_lossy_last_group[32] = {0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7,
                                          8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9};
const uint8_t imz_lossy_group_base[10] = {0, 1, 2, 3, 4, 6, 8, 12, 16, 24};

void imz_lossy_ctx_init(LossyCtx *c)
{
    ImzBacCell *cell = (ImzBacCell *)c;
    for (size_t i = 0; i < sizeof *c / sizeof *cell; i++)
        imz_bac_cell_init(&cell[i]);
}

void imz_lossy_scan_init(LossyScan *s)
{
    for (int l = 0; l < 4; l++) {
        int n = 4 << l, i = 0;
        for (int d = 0; d < 2 * n - 1; d++)
            for (int y = imin(d, n - 1); y >= 0 && d - y < n; y--) {
                s->scan[l][i] = (uint16_t)(y * n + d - y);
                s->pos[l][y * n + d - y] = (uint16_t)i;
                i++;
            }
    }
}

/* Mode of the 4x4 unit (ux, uy) if it is decoded, else DC. */
static int unit_mode(const LossyPlane *pl, int ux, int uy)
{
    if (ux < 0 || uy < 0)
        return LOSSY_MODE_DC;
    size_t i = (size_t)uy * (pl->pw >> 2) + ux;
    return pl->size_map[i] && pl->mode_map[i] != LOSSY_MODE_LM ? pl->mode_map[i] : LOSSY_MODE_DC;
}

void imz_lossy_mpm(const LossyPlane *pl, int x, int y, int mpm[3])
{
    int a = unit_mode(pl, (x >> 2) - 1, y >> 2), b = unit_mode(pl, x >> 2, (y >> 2) - 1);
    if (a == b) {
        if (a < 2) {
            mpm[0] = LOSSY_MODE_PLANAR;
            mpm[1] = LOSSY_MODE_DC;
            mpm[2] = LOSSY_MODE_V;
        } else {
            mpm[0] = a;
            mpm[1] = 2 + ((a + 29) % 32);
            mpm[2] = 2 + ((a - 2 + 1) % 32);
        }
    } else {
        mpm[0] = a;
        mpm[1] = b;
        if (a != LOSSY_MODE_PLANAR && b != LOSSY_MODE_PLANAR)
            mpm[2] = LOSSY_MODE_PLANAR;
        else if (a != LOSSY_MODE_DC && b != LOSSY_MODE_DC)
            mpm[2] = LOSSY_MODE_DC;
        else
            mpm[2] = LOSSY_MODE_V;
    }
}

int imz_lossy_split_ctx(const LossyPlane *pl, int x, int y, int log2s)
{
    int uw = pl->pw >> 2, n = 0;
    if (x > 0) {
        int s = pl->size_map[(size_t)(y >> 2) * uw + (x >> 2) - 1];
        n += s && s < log2s;
    }
    if (y > 0) {
        int s = pl->size_map[(size_t)((y >> 2) - 1) * uw + (x >> 2)];
        n += s && s < log2s;
    }
    return n;
}

static void sort3(const int mpm[3], int s[3])
{
    s[0] = mpm[0], s[1] = mpm[1], s[2] = mpm[2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2 - i; j++)
            if (s[j] > s[j + 1]) {
                int t = s[j];
                s[j] = s[j + 1];
                s[j + 1] = t;
            }
}

int imz_lossy_lm_ctx(const LossyPlane *pl, int x, int y)
{
    const int uw = pl->pw >> 2;
    int n = 0;
    if (x > 0) {
        const size_t u = (size_t)(y >> 2) * uw + (x >> 2) - 1;
        n += pl->size_map[u] && pl->mode_map[u] == LOSSY_MODE_LM;
    }
    if (y > 0) {
        const size_t u = (size_t)((y >> 2) - 1) * uw + (x >> 2);
        n += pl->size_map[u] && pl->mode_map[u] == LOSSY_MODE_LM;
    }
    return n;
}

void imz_lossy_put_mode(ImzBacEnc *e, LossyCtx *c, int t, const int mpm[3], int mode, int lm_ctx)
{
    if (lm_ctx >= 0) {
        imz_bac_put(e, &c->lm_flag[lm_ctx], mode == LOSSY_MODE_LM);
        if (mode == LOSSY_MODE_LM)
            return;
    }
    for (int i = 0; i < 3; i++)
        if (mpm[i] == mode) {
            imz_bac_put(e, &c->mpm_flag[t], 1);
            imz_bac_put(e, &c->mpm_idx[t][0], i > 0);
            if (i > 0)
                imz_bac_put(e, &c->mpm_idx[t][1], i > 1);
            return;
        }
    imz_bac_put(e, &c->mpm_flag[t], 0);
    int s[3], r = mode;
    sort3(mpm, s);
    for (int i = 2; i >= 0; i--)
        if (r > s[i])
            r--;
    imz_bac_enc_raw(e, (uint32_t)r, 5);
}

/* d: zero flag (context: previous d zero or not), sign (context: sign of the previous d), then
 * |d| - 1 in truncated unary up to LOSSY_AQ_MAX - 1 (contexts by bin, the last shared). */
void imz_lossy_put_dq(ImzBacEnc *e, LossyCtx *c, int d, int prev)
{
    imz_bac_put(e, &c->dq_zero[prev != 0], d != 0);
    if (!d)
        return;
    imz_bac_put(e, &c->dq_sign[(prev > 0) - (prev < 0) + 1], d < 0);
    const int m = iabs(d) - 1;
    for (int i = 0; i < LOSSY_AQ_MAX - 1; i++) {
        imz_bac_put(e, &c->dq_mag[imin(i, 3)], i < m);
        if (i >= m)
            break;
    }
}

int imz_lossy_get_dq(ImzBacDec *dec, LossyCtx *c, int prev)
{
    if (!imz_bac_get(dec, &c->dq_zero[prev != 0]))
        return 0;
    const int neg = imz_bac_get(dec, &c->dq_sign[(prev > 0) - (prev < 0) + 1]);
    int m = 0;
    while (m < LOSSY_AQ_MAX - 1 && imz_bac_get(dec, &c->dq_mag[imin(m, 3)]))
        m++;
    return neg ? -(m + 1) : m + 1;
}

int imz_lossy_get_mode(ImzBacDec *d, LossyCtx *c, int t, const int mpm[3], int lm_ctx)
{
    if (lm_ctx >= 0 && imz_bac_get(d, &c->lm_flag[lm_ctx]))
        return LOSSY_MODE_LM;
    if (imz_bac_get(d, &c->mpm_flag[t])) {
        if (!imz_bac_get(d, &c->mpm_idx[t][0]))
            return mpm[0];
        return imz_bac_get(d, &c->mpm_idx[t][1]) ? mpm[2] : mpm[1];
    }
    int s[3], r = (int)imz_bac_dec_raw(d, 5);
    sort3(mpm, s);
    for (int i = 0; i < 3; i++)
        if (r >= s[i])
            r++;
    return r;
}

static void put_last(ImzBacEnc *e, ImzBacCell *ctx, int v, int log2n)
{
    int g = imz_lossy_last_group[v], gmax = 2 * log2n - 1;
    for (int b = 0; b < g; b++)
        imz_bac_put(e, &ctx[b], 1);
    if (g < gmax)
        imz_bac_put(e, &ctx[g], 0);
    if (g > 3) {
        int nb = (g >> 1) - 1;
        imz_bac_enc_raw(e, (uint32_t)(v - imz_lossy_group_base[g]), nb);
    }
}

static IMZ_ALWAYS_INLINE int get_last(ImzBacDec *d, ImzBacCell *ctx, int log2n)
{
    int g = 0, gmax = 2 * log2n - 1;
    while (g < gmax && imz_bac_get(d, &ctx[g]))
        g++;
    int v = imz_lossy_group_base[g];
    if (g > 3)
        v += (int)imz_bac_dec_raw(d, (g >> 1) - 1);
    return v;
}

/* Remainder >= 0: Rice prefix (up to 6 ones), then Exp-Golomb of order k + 1 for the escape. */
static void put_rem(ImzBacEnc *e, uint32_t rem, int k)
{
    uint32_t p = rem >> k;
    if (p < 6) {
        imz_bac_enc_raw(e, ((1u << p) - 1) << 1, (int)p + 1);
        if (k)
            imz_bac_enc_raw(e, rem & ((1u << k) - 1), k);
        return;
    }
    imz_bac_enc_raw(e, 63, 6);
    uint32_t v = rem - (6u << k);
    int m = k + 1;
    while (v >= (1u << m)) {
        imz_bac_enc_raw(e, 1, 1);
        v -= 1u << m;
        m++;
    }
    imz_bac_enc_raw(e, 0, 1);
    while (m > 16) {
        imz_bac_enc_raw(e, v >> (m - 16), 16);
        v &= (1u << (m - 16)) - 1;
        m -= 16;
    }
    imz_bac_enc_raw(e, v, m);
}

static IMZ_ALWAYS_INLINE int get_rem(ImzBacDec *d, int k, uint32_t *rem)
{
    uint32_t p = 0;
    while (p < 6 && imz_bac_dec_raw(d, 1))
        p++;
    if (p < 6) {
        *rem = (p << k) | (k ? imz_bac_dec_raw(d, k) : 0);
        return 0;
    }
    uint32_t v = 6u << k;
    int m = k + 1;
    while (imz_bac_dec_raw(d, 1)) {
        v += 1u << m;
        m++;
        if (m > 17)
            return -1;
    }
    *rem = v + imz_bac_dec_raw(d, m);
    return *rem <= IMZ_QUANT_MAX_LEVEL ? 0 : -1;
}

/* The coefficient coder for a constant n, on a local copy of the encoder state (written back by
 * the caller) so that the compiler can keep it in registers. */
/* The template's magnitudes capped at 4 (§5.3), summed: every position's context needs it. */
static IMZ_ALWAYS_INLINE int capped_sum(const uint8_t *tp4, int x, int y)
{
    const uint8_t *q4 = tp4 + y * LOSSY_TPL_STRIDE + x;
    return q4[1] + q4[2] + q4[LOSSY_TPL_STRIDE] + q4[2 * LOSSY_TPL_STRIDE] +
           q4[LOSSY_TPL_STRIDE + 1];
}

/* v >= 0 in Exp-Golomb of order 0 as raw bits: b ones and a zero, then the b bits of v + 1 below
 * its leading one. */
static IMZ_ALWAYS_INLINE void put_eg0(LossyTokens *tk, uint32_t v)
{
    const uint32_t v1 = v + 1;
    const int b = (int)ulog2(v1);
    imz_bitw_put(&tk->bits, ((1u << b) - 1) << 1, b + 1);
    if (b)
        imz_bitw_put(&tk->bits, v1, b);
}

/* The levels from scan index last down to 0 as tokens (§5.5). */
static IMZ_ALWAYS_INLINE void put_tokens(LossyTokens *tk, const uint16_t *scan, const int32_t *lev,
                                         ptrdiff_t stride, int last, int span, int log2n, int t,
                                         int n)
{
    /* room for the block's tokens, at most one per position, so that the loop need not check */
    if (tk->cap - tk->n < (size_t)last + 1 && imz_lossy_tokens_grow(tk) < 0)
        return;
    uint16_t *tok = tk->tok + tk->n;
    uint8_t tp4[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    memset(tp4, 0, LOSSY_TPL_STRIDE * (size_t)span);
    const int base = imz_lossy_tok_ctx(t, log2n - 2, 0, 0);
    for (int i = last; i >= 0; i--) {
        const int p = scan[i], x = p & (n - 1), y = p >> log2n;
        const int32_t v = lev[y * stride + x];
        const uint32_t a = (uint32_t)(v < 0 ? -v : v);
        const int capped = capped_sum(tp4, x, y);
        const int nb = i == last ? 5 : imin((capped + 1) >> 1, 4);
        const int k = base + imz_lossy_sig_ctx_pos(x, y) * 6 + nb;
        const unsigned sym = a < LOSSY_TOK_ESC ? a : LOSSY_TOK_ESC;
        tk->hist[k][sym]++;
        *tok++ = (uint16_t)(k << 5 | (int)sym);
        if (!a)
            continue;
        if (sym == LOSSY_TOK_ESC)
            put_eg0(tk, a - LOSSY_TOK_ESC);
        imz_bitw_put(&tk->bits, v < 0, 1);
        tp4[y * LOSSY_TPL_STRIDE + x] = (uint8_t)(a < 4 ? a : 4);
    }
    tk->n = (size_t)(tok - tk->tok);
}

static IMZ_ALWAYS_INLINE void put_coefs(ImzBacEnc *e, LossyCtx *c, const LossyScan *s,
                                        LossyTokens *tk, const int32_t *lev, ptrdiff_t stride,
                                        int log2n, int t, int tx, int n)
{
    const int l = log2n - 2;
    const uint16_t *scan = s->scan[l], *pos = s->pos[l];
    /* the last nonzero level in scan order: a maximum over the block in raster order, which
     * vectorises, where a search backwards along the scan would visit most of a sparse block */
    int end = 0; /* last + 1 */
    for (int j = 0; j < n; j++) {
        const int32_t *r = lev + j * stride;
        const uint16_t *pr = pos + j * n;
        for (int i = 0; i < n; i++) {
            const int k = (pr[i] + 1) & -(r[i] != 0);
            end = k > end ? k : end;
        }
    }
    const int last = end - 1;
    imz_bac_put(e, &c->cbf[t][l], last >= 0);
    if (last < 0)
        return;
    if (log2n <= 4) {
        imz_bac_put(e, &c->tx[t][l][0], tx & IMZ_TX_DST_H);
        imz_bac_put(e, &c->tx[t][l][1], (tx & IMZ_TX_DST_V) != 0);
    }
    const int lx = scan[last] & (n - 1), ly = scan[last] >> log2n;
    put_last(e, c->last[t][0][l], lx, log2n);
    put_last(e, c->last[t][1][l], ly, log2n);
    const int span = imin(n, lx + ly + 1) + 2;
    if (tk) {
        put_tokens(tk, scan, lev, stride, last, span, log2n, t, n);
        return;
    }
    /* the two templates of imz_lossy_get_coefs, cleared as far as the scan reaches */
    uint16_t tpl[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    uint8_t tp4[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    /* whole rows: two calls cost less than two per row */
    memset(tpl, 0, sizeof(uint16_t) * LOSSY_TPL_STRIDE * (size_t)span);
    memset(tp4, 0, LOSSY_TPL_STRIDE * (size_t)span);
    ImzBacCell(*sig)[5] = c->sig[t][l];
    for (int i = last; i >= 0; i--) {
        const int p = scan[i], x = p & (n - 1), y = p >> log2n;
        const int32_t v = lev[y * stride + x];
        const int a = v < 0 ? -v : v;
        const int capped = capped_sum(tp4, x, y);
        if (i != last)
            imz_bac_put(e, &sig[imz_lossy_sig_ctx_pos(x, y)][imin((capped + 1) >> 1, 4)], a > 0);
        if (!a)
            continue;
        const int gc = imin(capped, 10) >> 1, dc = p != 0;
        imz_bac_put(e, &c->gt1[t][dc][gc], a > 1);
        if (a > 1) {
            imz_bac_put(e, &c->gt2[t][dc][gc], a > 2);
            if (a > 2) {
                int cp, full;
                imz_lossy_template(tpl, x, y, &cp, &full);
                put_rem(e, (uint32_t)(a - 3), imz_lossy_rice(full));
            }
        }
        imz_bac_enc_raw(e, v < 0, 1);
        tpl[y * LOSSY_TPL_STRIDE + x] = (uint16_t)imin(a, 1024);
        tp4[y * LOSSY_TPL_STRIDE + x] = (uint8_t)imin(a, 4);
    }
}

void imz_lossy_put_coefs(ImzBacEnc *e, LossyCtx *c, const LossyScan *s, LossyTokens *tk,
                         const int32_t *lev, ptrdiff_t stride, int log2n, int t, int tx)
{
    ImzBacEnc le = *e;
    switch (log2n) {
    case 2:
        put_coefs(&le, c, s, tk, lev, stride, 2, t, tx, 4);
        break;
    case 3:
        put_coefs(&le, c, s, tk, lev, stride, 3, t, tx, 8);
        break;
    case 4:
        put_coefs(&le, c, s, tk, lev, stride, 4, t, tx, 16);
        break;
    default:
        put_coefs(&le, c, s, tk, lev, stride, 5, t, tx, 32);
        break;
    }
    *e = le;
}

/* The coefficient decoder works on a local copy of the decoder state, written back at the end,
 * so that the compiler can keep it in registers across the level stores. */
static IMZ_ALWAYS_INLINE int get_coefs(ImzBacDec *d, LossyCtx *c, const LossyScan *s,
                                       LossyTokDec *td, int32_t *lev, int log2n, int t, int *max_u,
                                       int *max_v, int *tx);

int imz_lossy_get_coefs(ImzBacDec *d, LossyCtx *c, const LossyScan *s, LossyTokDec *td,
                        int32_t *lev, int log2n, int t, int *max_u, int *max_v, int *tx)
{
    ImzBacDec ld = *d;
    int r;
    /* one copy per size, whose shifts and masks are constants */
    switch (log2n) {
    case 2:
        r = get_coefs(&ld, c, s, td, lev, 2, t, max_u, max_v, tx);
        break;
    case 3:
        r = get_coefs(&ld, c, s, td, lev, 3, t, max_u, max_v, tx);
        break;
    case 4:
        r = get_coefs(&ld, c, s, td, lev, 4, t, max_u, max_v, tx);
        break;
    default:
        r = get_coefs(&ld, c, s, td, lev, 5, t, max_u, max_v, tx);
        break;
    }
    *d = ld;
    return r;
}

/* The levels from scan index last down to 0 from tokens (§5.5), on a local copy of the rANS
 * state. Returns 0, or -1 on an impossible value. */
/* Exp-Golomb of order 0 from raw bits (at most bmax bits after the leading one); a longer
 * prefix, possible only in a damaged stream, gives a value no level can have. */
static IMZ_ALWAYS_INLINE uint32_t get_eg0(ImzBitReader *bits, int bmax)
{
    int b = 0;
    while (imz_bitr_get(bits, 1))
        if (++b > bmax)
            return 1u << 30;
    return (1u << b | imz_bitr_get0(bits, b)) - 1;
}

/* One token: decoded with the state r->x, after which the two states change places. */
static IMZ_ALWAYS_INLINE int tok_get(ImzRansDec *r, uint32_t *x1, const ImzRansTable *t)
{
    const int s = imz_rans_dec_get(r, t);
    const uint32_t x = r->x;
    r->x = *x1;
    *x1 = x;
    return s;
}

static IMZ_ALWAYS_INLINE int get_tokens(LossyTokDec *td, const uint16_t *scan, int32_t *lev,
                                        int last, int span, int log2n, int t, int *max_u,
                                        int *max_v)
{
    const int n = 1 << log2n;
    uint8_t tp4[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    memset(tp4, 0, LOSSY_TPL_STRIDE * (size_t)span);
    const ImzRansTable *tab = td->tab + imz_lossy_tok_ctx(t, log2n - 2, 0, 0);
    ImzRansDec r = td->r;
    uint32_t x1 = td->x1;
    ImzBitReader bits = td->bits;
    int mu = 0, mv = 0, st = 0;
    for (int i = last; i >= 0; i--) {
        const int p = scan[i], x = p & (n - 1), y = p >> log2n;
        const int capped = capped_sum(tp4, x, y);
        const int nb = i == last ? 5 : imin((capped + 1) >> 1, 4);
        uint32_t a = (uint32_t)tok_get(&r, &x1, tab + imz_lossy_sig_ctx_pos(x, y) * 6 + nb);
        if (!a)
            continue;
        if (a == LOSSY_TOK_ESC) {
            a += get_eg0(&bits, 15);
            if (a > IMZ_QUANT_MAX_LEVEL) {
                st = -1;
                goto done;
            }
        }
        lev[p] = imz_bitr_get(&bits, 1) ? -(int32_t)a : (int32_t)a;
        tp4[y * LOSSY_TPL_STRIDE + x] = (uint8_t)(a < 4 ? a : 4);
        mu = imax(mu, x);
        mv = imax(mv, y);
    }
    *max_u = mu;
    *max_v = mv;
done:
    td->r = r;
    td->x1 = x1;
    td->bits = bits;
    return st;
}

static IMZ_ALWAYS_INLINE int get_coefs(ImzBacDec *d, LossyCtx *c, const LossyScan *s,
                                       LossyTokDec *td, int32_t *lev, int log2n, int t, int *max_u,
                                       int *max_v, int *tx)
{
    const int n = 1 << log2n, l = log2n - 2;
    const uint16_t *scan = s->scan[l];
    *max_u = *max_v = -1;
    *tx = 0;
    if (!imz_bac_get(d, &c->cbf[t][l]))
        return 0;
    if (log2n <= 4) {
        *tx = imz_bac_get(d, &c->tx[t][l][0]) ? IMZ_TX_DST_H : 0;
        *tx |= imz_bac_get(d, &c->tx[t][l][1]) ? IMZ_TX_DST_V : 0;
    }
    const int lx = get_last(d, c->last[t][0][l], log2n);
    const int ly = get_last(d, c->last[t][1][l], log2n);
    if (lx >= n || ly >= n)
        return -1;
    const int last = s->pos[l][ly * n + lx];
    /* every level lies on a diagonal x + y <= lx + ly, so no later row can hold one; 4x4 blocks
     * are cleared whole, as their inverse reads them whole */
    const int rows = n == 4 ? 4 : imin(n, lx + ly + 1);
    memset(lev, 0, sizeof(int32_t) * (size_t)(rows * n));
    if (td)
        return get_tokens(td, scan, lev, last, imin(n, lx + ly + 1) + 2, log2n, t, max_u, max_v);
    /* The template twice: magnitudes capped at 1024 for the Rice parameter, which few positions
     * need, and capped at 4 for the contexts, which every position needs. Only the part the scan
     * can reach from (lx, ly) is cleared: diagonals beyond the last one stay unread. */
    uint16_t tpl[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    uint8_t tp4[LOSSY_TPL_STRIDE * LOSSY_TPL_STRIDE];
    const int span = imin(n, lx + ly + 1) + 2;
    /* whole rows: two calls cost less than two per row */
    memset(tpl, 0, sizeof(uint16_t) * LOSSY_TPL_STRIDE * (size_t)span);
    memset(tp4, 0, LOSSY_TPL_STRIDE * (size_t)span);
    ImzBacCell(*sig)[5] = c->sig[t][l];
    int mu = 0, mv = 0;
    for (int i = last; i >= 0; i--) {
        const int p = scan[i], x = p & (n - 1), y = p >> log2n;
        const int capped = capped_sum(tp4, x, y);
        if (i != last &&
            !imz_bac_get_select(d, &sig[imz_lossy_sig_ctx_pos(x, y)][imin((capped + 1) >> 1, 4)]))
            continue;
        const int gc = imin(capped, 10) >> 1, dc = p != 0;
        uint32_t a = 1;
        if (imz_bac_get_select(d, &c->gt1[t][dc][gc])) {
            a = 2;
            if (imz_bac_get_select(d, &c->gt2[t][dc][gc])) {
                int cp, full;
                imz_lossy_template(tpl, x, y, &cp, &full);
                uint32_t rem;
                if (get_rem(d, imz_lossy_rice(full), &rem) < 0)
                    return -1;
                a = 3 + rem;
            }
        }
        lev[p] = imz_bac_dec_bit_select(d, 1u << 15) ? -(int32_t)a : (int32_t)a;
        tpl[y * LOSSY_TPL_STRIDE + x] = (uint16_t)(a < 1024 ? a : 1024);
        tp4[y * LOSSY_TPL_STRIDE + x] = (uint8_t)(a < 4 ? a : 4);
        mu = imax(mu, x);
        mv = imax(mv, y);
    }
    *max_u = mu;
    *max_v = mv;
    return 0;
}

int imz_lossy_plane_alloc(ImzContext *ctx, LossyPlane *pl, int w, int h, int type, int q)
{
    memset(pl, 0, sizeof *pl);
    pl->w = w;
    pl->h = h;
    pl->pw = (w + 7) & ~7;
    pl->ph = (h + 7) & ~7;
    pl->type = type;
    pl->q = q;
    size_t n, nu;
    if (!imz_mul_size((size_t)pl->pw, (size_t)pl->ph, &n))
        return imz_fail(ctx, IMZ_ERR_LIMIT, "lossy: plane too large");
    nu = n / 16;
    pl->pix = imz_malloc(ctx, n);
    pl->size_map = imz_calloc(ctx, nu, 1);
    pl->mode_map = imz_calloc(ctx, nu, 1);
    if (!pl->pix || !pl->size_map || !pl->mode_map)
        return IMZ_ERR_NOMEM;
    return IMZ_OK;
}

int imz_lossy_plane_aq(ImzContext *ctx, LossyPlane *pl)
{
    const size_t n =
        (size_t)((pl->pw + LOSSY_SB - 1) / LOSSY_SB) * (size_t)((pl->ph + LOSSY_SB - 1) / LOSSY_SB);
    pl->sb_q = imz_malloc(ctx, n);
    if (!pl->sb_q)
        return IMZ_ERR_NOMEM;
    memset(pl->sb_q, pl->q, n);
    return IMZ_OK;
}

void imz_lossy_plane_free(ImzContext *ctx, LossyPlane *pl)
{
    imz_mem_free(ctx, pl->sb_q);
    imz_mem_free(ctx, pl->pix);
    imz_mem_free(ctx, pl->size_map);
    imz_mem_free(ctx, pl->mode_map);
    memset(pl, 0, sizeof *pl);
}
