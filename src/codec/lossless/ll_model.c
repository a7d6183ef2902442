// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The model of the `lossless` codec, shared by encoder and decoder: the weighted blend of
// sub-predictors, bias cancellation, context classes and the binarisation of residuals
// (docs/format/lossless.md §5-§7). One function body, code_row(), serves both directions; it is
// instantiated with a constant `dec` flag so neither side pays for the other's branches.

#include <string.h>

#include "codec/lossless/ll.h"
#include "common/intops.h"

/* (1 << 24) / (i + 1): the reciprocal behind the predictor weights (§5.3). */
static const uint32_t recip64[64] = {
    16777216, 8388608, 5592405, 4194304, 3355443, 2796202, 2396745, 2097152, 1864135, 1677721,
    1525201,  1398101, 1290555, 1198372, 1118481, 1048576, 986895,  932067,  883011,  838860,
    798915,   762600,  729444,  699050,  671088,  645277,  621378,  599186,  578524,  559240,
    541200,   524288,  508400,  493447,  479349,  466033,  453438,  441505,  430185,  419430,
    409200,   399457,  390167,  381300,  372827,  364722,  356962,  349525,  342392,  335544,
    328965,   322638,  316551,  310689,  305040,  299593,  294337,  289262,  284359,  279620,
    275036,   270600,  266305,  262144,
};

/* Weight of a sub-predictor whose recent error sum is e (>= 0). */
static inline uint32_t err_weight(uint32_t e)
{
    int shift = ulog2(e + 1) - 5;
    if (shift < 0)
        shift = 0;
    return recip64[e >> shift] >> shift;
}

/* Energy class of a summed error (in 1/8 units): two classes per octave (§6.1). */
static inline int energy_class(uint32_t e)
{
    if (e < 4)
        return (int)e;
    int l = ulog2(e);
    int q = 2 * l + (int)((e >> (l - 1)) & 1) - 2;
    return q < LL_NQ - 1 ? q : LL_NQ - 1;
}

/* Signed class of a difference d (1/8 units) from the prediction: 0..23, 12 classes a side, and
 * its magnitude 0..11. */
static inline int side_class(int32_t d)
{
    int a = imin(energy_class((uint32_t)iabs(d)), 11);
    return d < 0 ? 11 - a : 12 + a;
}

/* side_class by table: every |d| >= LL_SIDE_MAX is in the outermost class. */
static inline int side_class_lut(const int8_t *lut, int32_t d)
{
    d = d < -LL_SIDE_MAX ? -LL_SIDE_MAX : d > LL_SIDE_MAX ? LL_SIDE_MAX : d;
    return lut[d + LL_SIDE_MAX];
}

static inline int ref_class(uint32_t e)
{
    return e < 12 ? 0 : e < 40 ? 1 : e < 120 ? 2 : 3;
}

/* The logistic function and its inverse in fixed point (§7.2): squash maps d/256 in [-8, 8) to
 * 4096 * 1 / (1 + e^-d), by linear interpolation in a 33-point table; stretch inverts it. */
void imz_ll_build_tables(int16_t *stretch, int16_t *squash)
{
    static const int16_t t[33] = {1,    2,    3,    6,    10,   16,   27,   45,   73,   120,  194,
                                  310,  488,  747,  1101, 1546, 2047, 2549, 2994, 3348, 3607, 3785,
                                  3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089, 4092, 4093, 4094};
    for (int d = -2047; d <= 2047; d++) {
        int wgt = (d + 2048) & 127, i = (d + 2048) >> 7;
        squash[d + 2047] = (int16_t)((t[i] * (128 - wgt) + t[i + 1] * wgt + 64) >> 7);
    }
    int pi = 0;
    for (int d = -2047; d <= 2047; d++) {
        int v = squash[d + 2047];
        for (int j = pi; j <= v; j++)
            stretch[j] = (int16_t)d;
        pi = v + 1;
    }
    for (int j = pi; j < 4096; j++)
        stretch[j] = 2047;
}

/* Fills dst with copies of one element of n_bytes. */
static void fill_copies(void *dst, size_t n, const void *one, size_t n_bytes)
{
    for (size_t i = 0; i < n; i++)
        memcpy((char *)dst + i * n_bytes, one, n_bytes);
}

/* Every element of the table `arr` (an array of arrays of the type of `one`) set to `one`. */
#define FILL_COPIES(arr, one) fill_copies((arr), sizeof(arr) / sizeof(one), (one), sizeof(one))

int imz_ll_coder_init(ImzContext *ctx, LlCoder *c, const LlLayout *lay)
{
    memset(c, 0, sizeof *c);
    c->n_planes = lay->n_planes;
    c->width = lay->width;
    c->profile = lay->profile;
    c->heavy = lay->heavy;
    c->tree_mode = lay->tree;
    c->loc_r = lay->wide ? LL_LOC_R_WIDE : LL_LOC_R;
    size_t stride = (size_t)lay->width + 2 * LL_PAD;
    size_t per_plane = stride * (3 + 2 + 2 * LL_NSUB);
    size_t total;
    if (!imz_mul_size(per_plane, (size_t)lay->n_planes, &total))
        return imz_fail(ctx, IMZ_ERR_NOMEM, "row buffers overflow");
    /* Zeroed by the allocator, so that the error rows below need no clearing: with the default
     * allocator, memory a decoder never reaches (it stops once its stream runs dry) is never
     * touched. */
    c->mem = imz_calloc(ctx, total, sizeof(int32_t));
    if (!c->mem)
        return IMZ_ERR_NOMEM;
    imz_ll_build_tables(c->stretch, c->squash);
    for (int d = -LL_SIDE_MAX; d <= LL_SIDE_MAX; d++)
        c->side_lut[d + LL_SIDE_MAX] = (int8_t)side_class(d);
    for (int i = 0, r = 0; i < 1024; i++) {
        if ((r + 1) * (r + 1) <= i)
            r++;
        c->isqrt[i] = (uint8_t)r;
    }
    int32_t span = 1;
    for (int p = 0; p < lay->n_planes; p++)
        span = imax(span, lay->hi[p] - lay->lo[p]);
    c->ls_shift = imax(0, ulog2((uint32_t)span) + 1 - 13);
    for (int p = 0; p < lay->n_planes; p++) {
        LlPlane *pl = &c->plane[p];
        int32_t *m = c->mem + per_plane * (size_t)p;
        pl->lo = lay->lo[p];
        pl->hi = lay->hi[p];
        int32_t mid = (int32_t)(((int64_t)pl->lo + pl->hi) >> 1);
        for (int i = 0; i < 3; i++, m += stride) {
            pl->v[i] = m;
            for (size_t x = 0; x < stride; x++)
                m[x] = mid;
        }
        for (int i = 0; i < 2; i++, m += stride)
            pl->te[i] = m;
        for (int i = 0; i < 2; i++, m += stride * LL_NSUB)
            pl->se[i] = m;
        pl->alpha = (lay->alpha_plane >= 0 && p != lay->alpha_plane) ? lay->alpha_plane : -1;
        int first_colour = lay->alpha_plane >= 0 ? 1 : 0;
        pl->n_ref = 0;
        for (int q = first_colour; q < p; q++)
            pl->ref[pl->n_ref++] = q;
        pl->m = imz_malloc(ctx, sizeof(LlModel));
        pl->h = c->heavy ? imz_malloc(ctx, sizeof(LlHeavyModel)) : NULL;
        if (c->heavy) {
            /* zeroed, like the rows above: the window sums start empty */
            pl->loc_in =
                imz_calloc(ctx, stride * (size_t)(c->loc_r + 1), LL_LOC_ROW * sizeof(int16_t));
            pl->loc_col = imz_calloc(ctx, stride, LL_LOC_SUMS * sizeof(int32_t));
        }
        if (!pl->m || (c->heavy && (!pl->h || !pl->loc_in || !pl->loc_col))) {
            imz_ll_coder_free(ctx, c);
            return IMZ_ERR_NOMEM;
        }
        LlModel *md = pl->m;
        ImzBacCell *cells = (ImzBacCell *)md;
        size_t n_cells = offsetof(LlModel, mixw) / sizeof(ImzBacCell);
        for (size_t i = 0; i < n_cells; i++)
            imz_bac_cell_init(&cells[i]);
        /* A mixer starts as the plain average of its cells (no bias); an APM row as the
         * identity. */
        int32_t w_avg[LL_MIX_IN] = {0};
        for (int k = 1; k < LL_MIX_IN; k++)
            w_avg[k] = 66000 / (c->heavy ? LL_CELLS_HEAVY : LL_CELLS_NORMAL);
        uint16_t apm_id[33];
        for (int k = 0; k < 33; k++)
            apm_id[k] = (uint16_t)(c->squash[imin(k * 128, 4094)] * 16);
        FILL_COPIES(md->mixw, w_avg);
        memset(md->mixw2, 0, sizeof md->mixw2);
        FILL_COPIES(md->apm, apm_id);
        if (pl->h) {
            LlHeavyModel *hm = pl->h;
            ImzBacCell *hc = (ImzBacCell *)hm;
            size_t n_hc = offsetof(LlHeavyModel, mixw3) / sizeof(ImzBacCell);
            for (size_t i = 0; i < n_hc; i++)
                imz_bac_cell_init(&hc[i]);
            /* Each of the four first-layer mixers is a mixer of its own here, so the second
             * vectors start like the first; the second layer starts as the average of the four. */
            const int32_t quarter[4] = {1 << (LL_MIX_SHIFT - 2), 1 << (LL_MIX_SHIFT - 2),
                                        1 << (LL_MIX_SHIFT - 2), 1 << (LL_MIX_SHIFT - 2)};
            FILL_COPIES(md->mixw2, w_avg);
            FILL_COPIES(hm->mixw3, w_avg);
            FILL_COPIES(hm->mixw4, w_avg);
            FILL_COPIES(hm->final_w, quarter);
            FILL_COPIES(hm->apm2, apm_id);
            memset(&hm->ls, 0, sizeof hm->ls);
            memset(hm->ls_dir, 0, sizeof hm->ls_dir);
            memset(hm->loc_w, 0, sizeof hm->loc_w);
        }
        memset(md->bias_sum, 0, sizeof md->bias_sum);
        memset(md->lms, 0, sizeof md->lms);
        memset(md->bias_cnt, 0, sizeof md->bias_cnt);
    }
    return IMZ_OK;
}

void imz_ll_coder_free(ImzContext *ctx, LlCoder *c)
{
    for (int p = 0; p < c->n_planes; p++) {
        imz_mem_free(ctx, c->plane[p].m);
        imz_mem_free(ctx, c->plane[p].h);
        imz_mem_free(ctx, c->plane[p].loc_in);
        imz_mem_free(ctx, c->plane[p].loc_col);
        c->plane[p].m = NULL;
        c->plane[p].h = NULL;
        c->plane[p].loc_in = NULL;
        c->plane[p].loc_col = NULL;
    }
    imz_mem_free(ctx, c->mem);
    c->mem = NULL;
}

int imz_ll_warm_init(ImzContext *ctx, LlWarmStart *ws, uint32_t rows, int n_planes, int heavy)
{
    ws->rows = rows;
    ws->n_planes = n_planes;
    ws->models = NULL;
    ws->heavy_models = NULL;
    imz_latch_init(&ws->ready);
    if (rows) {
        ws->models = imz_malloc_array(ctx, (size_t)n_planes, sizeof(LlModel));
        if (!ws->models)
            return IMZ_ERR_NOMEM;
        if (heavy) {
            ws->heavy_models = imz_malloc_array(ctx, (size_t)n_planes, sizeof(LlHeavyModel));
            if (!ws->heavy_models)
                return IMZ_ERR_NOMEM;
        }
    }
    return IMZ_OK;
}

void imz_ll_warm_free(ImzContext *ctx, LlWarmStart *ws)
{
    imz_mem_free(ctx, ws->models);
    imz_mem_free(ctx, ws->heavy_models);
    ws->models = NULL;
    ws->heavy_models = NULL;
    imz_latch_destroy(&ws->ready);
}

void imz_ll_warm_give(LlWarmStart *ws, const LlCoder *c, uint32_t done)
{
    if (done != ws->rows || !ws->models)
        return;
    for (int p = 0; p < ws->n_planes; p++) {
        memcpy(&ws->models[p], c->plane[p].m, sizeof(LlModel));
        if (ws->heavy_models)
            memcpy(&ws->heavy_models[p], c->plane[p].h, sizeof(LlHeavyModel));
    }
    imz_latch_open(&ws->ready, 1);
}

int imz_ll_warm_take(LlWarmStart *ws, LlCoder *c)
{
    if (!ws->rows)
        return 1;
    if (!imz_latch_wait(&ws->ready))
        return 0;
    for (int p = 0; p < ws->n_planes; p++) {
        memcpy(c->plane[p].m, &ws->models[p], sizeof(LlModel));
        if (ws->heavy_models)
            memcpy(c->plane[p].h, &ws->heavy_models[p], sizeof(LlHeavyModel));
    }
    return 1;
}

void imz_ll_next_row(LlCoder *c)
{
    int w = c->width;
    for (int p = 0; p < c->n_planes; p++) {
        LlPlane *pl = &c->plane[p];
        int32_t *t = pl->v[2];
        pl->v[2] = pl->v[1];
        pl->v[1] = pl->v[0];
        pl->v[0] = t;
        t = pl->te[1];
        pl->te[1] = pl->te[0];
        pl->te[0] = t;
        t = pl->se[1];
        pl->se[1] = pl->se[0];
        pl->se[0] = t;
        /* Borders (§5.1): left of column 0 repeats the pixel above; right of the last column
         * repeats the last column. */
        int32_t *v1 = pl->v[1] + LL_PAD, *v0 = pl->v[0] + LL_PAD;
        v1[-1] = v1[-2] = v1[-3] = v1[0];
        v1[w] = v1[w + 1] = v1[w + 2] = v1[w - 1];
        v0[-1] = v0[-2] = v0[-3] = v1[0];
        int32_t *t1 = pl->te[1] + LL_PAD, *t0 = pl->te[0] + LL_PAD;
        t1[-1] = t1[-2] = t1[0];
        t1[w] = t1[w + 1] = t1[w - 1];
        t0[-1] = t0[-2] = t1[0];
        int32_t *s1 = pl->se[1] + LL_PAD * LL_NSUB, *s0 = pl->se[0] + LL_PAD * LL_NSUB;
        for (int k = 0; k < LL_NSUB; k++) {
            s1[-LL_NSUB + k] = s1[-2 * LL_NSUB + k] = s1[k];
            s1[w * LL_NSUB + k] = s1[(w + 1) * LL_NSUB + k] = s1[(w - 1) * LL_NSUB + k];
            s0[-LL_NSUB + k] = s0[-2 * LL_NSUB + k] = s1[k];
        }
    }
}

static inline int32_t med3(int32_t a, int32_t b, int32_t c)
{
    int32_t mx = a > b ? a : b, mn = a > b ? b : a;
    return c > mx ? mx : c < mn ? mn : c;
}

/* Codes one bit with a single adaptive cell. */
/* The cells of this codec adapt more slowly than the generic ones of entropy/bac.h (§4.2): the
 * rate floors are 2^-LL_CELL_FAST and 2^-LL_CELL_SLOW. */
static inline void cell_update(ImzBacCell *c, int bit)
{
    int32_t target = bit ? 65535 : 0;
    uint32_t r = imz_bac_rate[c->n];
    int32_t rf = (int32_t)(r > (65536u >> LL_CELL_FAST) ? r : (65536u >> LL_CELL_FAST));
    int32_t rs = (int32_t)(r > (65536u >> LL_CELL_SLOW) ? r : (65536u >> LL_CELL_SLOW));
    c->fast = (uint16_t)(c->fast + (((target - c->fast) * rf) >> 16));
    c->slow = (uint16_t)(c->slow + (((target - c->slow) * rs) >> 16));
    if (c->n < IMZ_BAC_COUNT_MAX)
        c->n++;
}

/* A cell that feeds the mixer keeps one estimate (`fast`) with a floor of 2^-LL_CELL_MIXED: the
 * mixer does better with one slow-settling estimate per context than with two (§5). */
static inline void cell_update_mixed(ImzBacCell *c, int bit)
{
    int32_t target = bit ? 65535 : 0;
    uint32_t r = imz_bac_rate[c->n];
    int32_t rf = (int32_t)(r > (65536u >> LL_CELL_MIXED) ? r : (65536u >> LL_CELL_MIXED));
    c->fast = (uint16_t)(c->fast + (((target - c->fast) * rf) >> 16));
    if (c->n < IMZ_BAC_COUNT_MAX)
        c->n++;
}

static inline void cell_put(ImzBacEnc *e, ImzBacCell *c, int bit)
{
    imz_bac_enc_bit(e, bit, imz_bac_cell_p(c));
    cell_update(c, bit);
}

static inline int cell_get(ImzBacDec *d, ImzBacCell *c)
{
    int bit = imz_bac_dec_bit(d, imz_bac_cell_p(c));
    cell_update(c, bit);
    return bit;
}

#define CODE(cell, b) (dec ? cell_get(&c->dec, (cell)) : (cell_put(&c->enc, (cell), (b)), (b)))

/* Stretched probability of a cell estimate (16-bit) as a mixer input. */
static inline int32_t cell_st(const int16_t *st, uint32_t p16)
{
    return st[p16 >> 4];
}

/* The weight vectors and secondary-estimate rows one sample's decisions use (§5). */
typedef struct LlMixSel {
    int32_t (*w1)[LL_MIX_IN], (*w2)[LL_MIX_IN], (*w3)[LL_MIX_IN], (*w4)[LL_MIX_IN];
    uint16_t (*apm)[33], (*apm2)[33];
    int32_t (*wf)[4]; /* heavy: the second layer's weights */
} LlMixSel;

static IMZ_ALWAYS_INLINE void apm_update(uint16_t *a, int32_t ai, int32_t aw, int bit)
{
    int32_t target = bit ? 65535 : 0;
    a[ai] = (uint16_t)(a[ai] + (((target - a[ai]) * (128 - aw)) >> (7 + LL_APM_RATE)));
    a[ai + 1] = (uint16_t)(a[ai + 1] + (((target - a[ai + 1]) * aw) >> (7 + LL_APM_RATE)));
}

/* Codes decision `dd` with the estimates of the cells mixed in the logistic domain, then refined
 * by interpolated secondary estimates (§5).
 * The normal model's weights are the sum of two vectors picked by different contexts and trained
 * by the same step: cheaper than two mixers, and faster learning than one mixer over the product
 * of the contexts. The heavy model has four such contexts and gives each its own mixer, then
 * mixes their four outputs again: each mixer learns at its own context's pace, and the second
 * layer learns which of them to trust where (-0.21% on gray16 against one summed vector). */
static IMZ_ALWAYS_INLINE int mix_bit(LlCoder *c, const int dec, const int heavy, int bit,
                                     ImzBacCell *const *cell, const LlMixSel *sel, int dd)
{
    const int n = heavy ? LL_CELLS_HEAVY : LL_CELLS_NORMAL;
    const int16_t *st = c->stretch;
    int32_t in[LL_MIX_IN];
    in[0] = 256;
    for (int i = 0; i < n; i++)
        in[1 + i] = cell_st(st, cell[i]->fast);
    const int n_in = 1 + n;
    int32_t *const wv[4] = {sel->w1[dd], sel->w2[dd], heavy ? sel->w3[dd] : NULL,
                            heavy ? sel->w4[dd] : NULL};
    int32_t d, d1[4];
    if (heavy) {
        for (int i = 0; i < 4; i++)
            d1[i] = imz_ll_mix_dot(wv[i], in, n_in);
        d = imz_ll_mix_dot(sel->wf[dd], d1, 4);
    } else {
        int32_t ws[LL_MIX_IN];
        for (int i = 0; i < n_in; i++)
            ws[i] = wv[0][i] + wv[1][i];
        d = imz_ll_mix_dot(ws, in, n_in);
    }
    int32_t p12 = c->squash[d + 2047];
    /* Secondary estimate: 33 buckets over the stretched mix, linear interpolation. */
    int32_t ai = (d + 2048) >> 7, aw = (d + 2048) & 127;
    uint16_t *a1 = sel->apm[dd];
    int32_t pa = (a1[ai] * (128 - aw) + a1[ai + 1] * aw) >> 7; /* 16-bit */
    uint32_t p16;
    if (heavy) {
        uint16_t *a2 = sel->apm2[dd];
        int32_t pb = (a2[ai] * (128 - aw) + a2[ai + 1] * aw) >> 7;
        p16 = (uint32_t)(p12 * 16 + pa + pb) / 3;
    } else {
        p16 = (uint32_t)(p12 * 16 + pa) >> 1;
    }
    bit = imz_ll_code_bit(&c->enc, &c->dec, dec, bit, p16);
    if (heavy) {
        for (int i = 0; i < 4; i++)
            imz_ll_mix_train(wv[i], in, n_in, bit, c->squash[d1[i] + 2047], LL_HEAVY_MIX_RATE);
        imz_ll_mix_train(sel->wf[dd], d1, 4, bit, p12, LL_FINAL_MIX_RATE);
        apm_update(sel->apm2[dd], ai, aw, bit);
    } else {
        /* the same step for both vectors */
        imz_ll_mix_train(wv[0], in, n_in, bit, p12, LL_RES_MIX_RATE);
        imz_ll_mix_train(wv[1], in, n_in, bit, p12, LL_RES_MIX_RATE);
    }
    apm_update(a1, ai, aw, bit);
    for (int i = 0; i < n; i++)
        cell_update_mixed(cell[i], bit);
    return bit;
}

static inline int side_mag(int s)
{
    return s < 12 ? 11 - s : s - 12;
}

/* The least-squares prediction of the target from the n inputs d with weights u, in 1/8 units,
 * relative to the inputs' origin; inputs and target are differences >> sh. */
static inline int32_t lsq_predict(const int32_t *u, const int32_t *d, int n, int sh)
{
    int64_t lp = 0;
    for (int i = 0; i < n; i++)
        lp += (int64_t)u[i] * d[i];
    lp = lp * 8 * (1 << sh) / 65536;
    return (int32_t)(lp < -(1 << 22) ? -(1 << 22) : lp > (1 << 22) ? (1 << 22) : lp);
}

/* One Gauss-Seidel step on weight i of (C + ridge) u = b, with a small ridge on the diagonal
 * (§9). C is symmetric and given by its upper triangle, rows `stride` apart. */
static inline void gs_step(const int64_t *c, int stride, const int64_t *b, int32_t *u, int n, int i)
{
    int64_t acc = b[i] * 65536;
    for (int j = 0; j < i; j++)
        acc -= c[j * stride + i] * u[j];
    for (int j = i + 1; j < n; j++)
        acc -= c[i * stride + j] * u[j];
    const int64_t cii = c[i * stride + i];
    int64_t nw = acc / (cii + (cii >> 7) + 1);
    u[i] = (int32_t)(nw < -(1 << 20) ? -(1 << 20) : nw > (1 << 20) ? 1 << 20 : nw);
}

/* §9: adds one sample to the decayed statistics, then takes three Gauss-Seidel steps (round robin
 * over the weights) towards their solution. */
static inline void lsq_update(LlLsq *ls, const int32_t *d, int n, int32_t tgt, int decay)
{
    for (int i = 0; i < n; i++) {
        for (int j = i; j < n; j++)
            ls->c[i][j] += (int64_t)d[i] * d[j] - (ls->c[i][j] >> decay);
        ls->b[i] += (int64_t)d[i] * tgt - (ls->b[i] >> decay);
    }
    for (int step = 0; step < 3; step++) {
        int i = ls->next;
        ls->next = i + 1 < n ? i + 1 : 0;
        gs_step(&ls->c[0][0], LL_NLS, ls->b, ls->w, n, i);
    }
}

/* A sample that is not there (outside the rows or columns coded so far): its products are 0. */
static const int16_t loc_none[LL_LOC_ROW];

/* sums[k] += a_i * a_j - b_i * b_j for every i <= j over the local inputs and target of two
 * samples, in the order of the window sums. Each |e_i| is below 2^13, so a product fits 32
 * bits and so does a column's sum over LL_LOC_R_WIDE rows. */
static inline void loc_add_products(int32_t *sums, const int16_t *a, const int16_t *b)
{
    for (int i = 0, k = 0; i < LL_LOC_ROW; i++)
        for (int j = i; j < LL_LOC_ROW; j++, k++)
            sums[k] += (int32_t)a[i] * a[j] - (int32_t)b[i] * b[j];
}

/* sums[k] = a_i * a_j for every i <= j, in the order of the window sums. */
static inline void loc_products(int32_t *sums, const int16_t *a)
{
    for (int i = 0, k = 0; i < LL_LOC_ROW; i++)
        for (int j = i; j < LL_LOC_ROW; j++, k++)
            sums[k] = (int32_t)a[i] * a[j];
}

/* The window sums in the solver's layout: S (inputs by inputs, upper triangle) and T (inputs by
 * target); the last sum, the target by itself, is Tt. */
static inline void loc_unpack(const int64_t *win, int64_t s[LL_NLOC][LL_NLOC], int64_t *t)
{
    for (int i = 0, k = 0; i < LL_LOC_ROW; i++)
        for (int j = i; j < LL_LOC_ROW; j++, k++) {
            if (j < LL_NLOC)
                s[i][j] = win[k];
            else if (i < LL_NLOC)
                t[i] = win[k];
        }
}

/* §7: the local least-squares weights u for the window sums S (rows LL_NLOC apart) and T, by two
 * Gauss-Seidel sweeps that start from the previous sample's weights: the window moves by one
 * column, so the solution moves little. */
static inline void loc_solve(const int64_t *s, const int64_t *t, int32_t *u, int n)
{
    for (int sweep = 0; sweep < 2; sweep++)
        for (int i = 0; i < n; i++)
            gs_step(s, LL_NLOC, t, u, n, i);
}

/* §8: the spread of the local fit's residuals over its window of n_win samples, on the scale of
 * the summed neighbour errors (in 1/8 units, about 28 times their standard deviation): the
 * target's energy Tt not explained by the weights u, per sample. */
static inline int32_t loc_spread(const int64_t *t, int64_t tt, const int32_t *u, int n, int n_win,
                                 int sh)
{
    int64_t fit = 0;
    for (int i = 0; i < n; i++)
        fit += (int64_t)u[i] * t[i];
    int64_t sse = tt - fit / 65536;
    sse = sse < 0 ? 0 : sse > tt ? tt : sse;
    return (int32_t)usqrt64((uint64_t)sse * (784u << (2 * sh)) / (uint64_t)n_win);
}

/* §8.1: codes the residual of the sample at *vx, predicted as P, as a token under the context of
 * the tree's leaf for features f, and raw bits; the decoder stores the value at *vx. The
 * encoder's first pass only records the features and token of every learn_stride-th sample of
 * every learn_every-th row. */
static IMZ_ALWAYS_INLINE int code_token(LlCoder *c, const int dec, const uint8_t *f, int32_t P,
                                        int32_t lo, int32_t hi, int32_t *vx)
{
    if (dec) {
        const int leaf = imz_ll_tree_leaf_fast(c->masks, f);
        const int t = imz_rans_dec_get(&c->rd, &c->tab[leaf]);
        const uint32_t u = ll_tok_base[t] | imz_bitr_get0(&c->rr, ll_tok_bits[t]);
        const int32_t v = P + ll_unzigzag(u);
        if (v < lo || v > hi)
            return IMZ_ERR_CORRUPT;
        *vx = v;
        return IMZ_OK;
    }
    const uint32_t u = ll_zigzag(*vx - P), t = ll_token(u);
    if (c->learn_feat) {
        if (c->rows_done % c->learn_every == 0 && c->learn_tick++ % c->learn_stride == 0) {
            memcpy(c->learn_feat + c->learn_n * LL_TREE_NFEAT, f, LL_TREE_NFEAT);
            c->learn_tok[c->learn_n++] = (uint8_t)t;
        }
        return IMZ_OK;
    }
    const uint32_t sym = (uint32_t)imz_ll_tree_leaf_fast(c->masks, f) * LL_NTOK + t;
    c->sym[c->n_sym++] = (uint16_t)sym;
    c->counts[sym]++;
    ll_raw_put(&c->raw, u - ll_tok_base[t], ll_tok_bits[t]);
    return IMZ_OK;
}

/* Codes one row of plane p (§5-§8). When dec is set, values are decoded into the row. */
static IMZ_ALWAYS_INLINE int code_row(LlCoder *c, int p, const int dec, const int fast,
                                      const int heavy, const int tree)
{
    LlPlane *pl = &c->plane[p];
    LlModel *m = pl->m;
    LlHeavyModel *hm = pl->h;
    const int w = c->width;
    const int nsub = heavy ? LL_NSUB : LL_NSUB_NORMAL;
    int32_t *v0 = pl->v[0] + LL_PAD;
    const int32_t *v1 = pl->v[1] + LL_PAD, *v2 = pl->v[2] + LL_PAD;
    int32_t *t0 = pl->te[0] + LL_PAD;
    const int32_t *t1 = pl->te[1] + LL_PAD;
    int32_t *s0 = pl->se[0] + LL_PAD * LL_NSUB;
    const int32_t *s1 = pl->se[1] + LL_PAD * LL_NSUB;
    const int32_t lo = pl->lo, hi = pl->hi;
    const int32_t lo8 = lo * 8, hi8 = hi * 8;
    const int32_t *rt[3] = {NULL, NULL, NULL};
    for (int i = 0; i < pl->n_ref; i++)
        rt[i] = c->plane[pl->ref[i]].te[0] + LL_PAD;
    const int n_ref = pl->n_ref;
    const int32_t *rt0 = n_ref ? rt[n_ref - 1] : NULL;
    const int32_t *rv0[3] = {NULL, NULL, NULL}, *rv1[3] = {NULL, NULL, NULL};
    for (int i = 0; i < n_ref; i++) {
        rv0[i] = c->plane[pl->ref[i]].v[0] + LL_PAD;
        rv1[i] = c->plane[pl->ref[i]].v[1] + LL_PAD;
    }
    const int32_t *rtA = n_ref > 1 ? rt[0] : NULL;
    const int32_t *av = pl->alpha >= 0 ? c->plane[pl->alpha].v[0] + LL_PAD : NULL;
    const int32_t alo = pl->alpha >= 0 ? c->plane[pl->alpha].lo : 0;
    const int8_t *slut = c->side_lut;
    /* 2^42 / (8 * (hi - lo) + 1): (pc - 8 lo) times this, >> 32, is below 1024 (§8.1) */
    const uint64_t lv_scale = (1ull << 42) / (uint64_t)(8 * (int64_t)(hi - lo) + 1);

    if (lo == hi) {
        /* A constant plane codes nothing; keep the error rows consistent. */
        for (int x = 0; x < w; x++) {
            if (dec)
                v0[x] = lo;
            t0[x] = 0;
            for (int k = 0; k < LL_NSUB; k++)
                s0[x * LL_NSUB + k] = 0;
        }
        return IMZ_OK;
    }

    /* §7 the local least-squares window: this row's inputs go into the oldest row's slot, column
     * by column behind the window's front, which has read that row's column before. */
    int16_t *loc_cur = NULL;
    const int16_t *loc_up = NULL, *loc_old = NULL;
    int loc_rows = 0;
    int64_t win[LL_LOC_SUMS] = {0};
    const int R = c->loc_r;
    int32_t loc_pr[LL_LOC_R_WIDE + 1][LL_LOC_SUMS]; /* products of the current row's last samples */
    if (heavy) {
        const uint32_t rows = c->rows_done;
        const size_t row_len = (size_t)w * LL_LOC_ROW;
        loc_cur = pl->loc_in + (size_t)(rows % (uint32_t)(R + 1)) * row_len;
        loc_up = rows ? pl->loc_in + (size_t)((rows - 1) % (uint32_t)(R + 1)) * row_len : NULL;
        loc_old = rows > (uint32_t)R ? loc_cur : NULL;
        loc_rows = (int)(rows < (uint32_t)R ? rows : (uint32_t)R);
    }

    for (int x = 0; x < w; x++) {
        /* A stream that ran dry only feeds zeros: give up within a few thousand samples rather
         * than decode a whole (possibly enormous) row of garbage. */
        if (dec && !(x & 4095) && (tree ? c->rd.overrun + c->rr.pad : c->dec.overrun) > 8)
            return IMZ_ERR_TRUNCATED;
        const int32_t N = v1[x], W = v0[x - 1], NW = v1[x - 1], NE = v1[x + 1];
        const int32_t NN = v2[x];
        const int32_t teN = t1[x], teW = t0[x - 1], teNW = t1[x - 1], teNE = t1[x + 1];
        const int32_t teWW = t0[x - 2];

        /* §5.2 sub-predictions, in 1/8 units. */
        int32_t sp[LL_NSUB] = {0};
        int32_t pred;
        int32_t ld[LL_NLS];
        int32_t lx[LL_NLOC] = {0};
        int nls = 0, dir = 0, nloc = 0;
        int32_t loc_sig = -1; /* the local fit's residual spread (§8), -1 if none */
        if (heavy) {
            /* §7 least-squares inputs: 9 neighbours, then either 7 farther ones or the earlier
             * planes' gradients. */
            const int sh = c->ls_shift;
            ld[0] = (N - W) >> sh;
            ld[1] = (NW - W) >> sh;
            ld[2] = (NE - W) >> sh;
            ld[3] = (v0[x - 2] - W) >> sh;
            ld[4] = (NN - W) >> sh;
            ld[5] = (v2[x + 1] - W) >> sh;
            ld[6] = (v1[x - 2] - W) >> sh;
            ld[7] = (v1[x + 2] - W) >> sh;
            ld[8] = (v2[x - 1] - W) >> sh;
            nls = 9;
            if (n_ref) {
                const int32_t *r0 = rv0[n_ref - 1], *r1 = rv1[n_ref - 1];
                ld[nls++] = (r0[x] - r0[x - 1]) >> sh;
                ld[nls++] = (r0[x] - r1[x]) >> sh;
                if (n_ref > 1)
                    ld[nls++] = (rv0[0][x] - rv0[0][x - 1]) >> sh;
            } else {
                /* A plane without earlier planes to lean on (gray images, the first colour
                 * plane) takes a wider support instead: in noisy scans more neighbours average
                 * out more of the noise in the prediction. */
                ld[nls++] = (v0[x - 3] - W) >> sh;
                ld[nls++] = (v1[x - 3] - W) >> sh;
                ld[nls++] = (v1[x + 3] - W) >> sh;
                ld[nls++] = (v2[x - 2] - W) >> sh;
                ld[nls++] = (v2[x + 2] - W) >> sh;
                ld[nls++] = (v2[x - 3] - W) >> sh;
                ld[nls++] = (v2[x + 3] - W) >> sh;
            }
            sp[8] = W * 8 + lsq_predict(hm->ls.w, ld, nls, sh);

            /* §7 the local least-squares sub-prediction, fitted to the samples of a small window
             * around this one: it follows texture and edges that change within a few pixels,
             * which the predictors over every sample average away. Its inputs are the first
             * five of the above, then the references' gradients or three more neighbours. */
            for (int i = 0; i < 5; i++)
                lx[i] = ld[i];
            if (n_ref) {
                lx[5] = ld[9];
                lx[6] = ld[10];
                nloc = 7;
                if (n_ref > 1)
                    lx[nloc++] = ld[11];
            } else {
                lx[5] = ld[5];
                lx[6] = ld[6];
                lx[7] = ld[7];
                nloc = 8;
            }
            /* The columns entering the window gain the row above and lose the row that has
             * left; the window gains the column at x + R and the current row's sample at x - 1,
             * and loses the column and the current row's sample at x - R - 1. */
            for (int cc = x ? x + R : 0; cc <= x + R && cc < w; cc++) {
                int32_t *col = pl->loc_col + (size_t)cc * LL_LOC_SUMS;
                const int16_t *up = loc_up ? loc_up + (size_t)cc * LL_LOC_ROW : loc_none;
                const int16_t *old = loc_old ? loc_old + (size_t)cc * LL_LOC_ROW : loc_none;
                loc_add_products(col, up, old);
                for (int k = 0; k < LL_LOC_SUMS; k++)
                    win[k] += col[k];
            }
            if (x) {
                int32_t *pr = loc_pr[(x - 1) % (R + 1)];
                loc_products(pr, loc_cur + (size_t)(x - 1) * LL_LOC_ROW);
                if (x > R) {
                    const int32_t *col = pl->loc_col + (size_t)(x - R - 1) * LL_LOC_SUMS;
                    const int32_t *gone = loc_pr[(x - R - 1) % (R + 1)];
                    for (int k = 0; k < LL_LOC_SUMS; k++)
                        win[k] += pr[k] - gone[k] - col[k];
                } else {
                    for (int k = 0; k < LL_LOC_SUMS; k++)
                        win[k] += pr[k];
                }
            }
            const int xa = imax(0, x - R), xb = imin(w - 1, x + R);
            const int n_win = loc_rows * (xb - xa + 1) + (x - xa);
            sp[LL_SUB_LOCAL] = sp[8];
            if (n_win >= 3 * nloc) {
                int64_t ws[LL_NLOC][LL_NLOC], wt[LL_NLOC];
                loc_unpack(win, ws, wt);
                loc_solve(&ws[0][0], wt, hm->loc_w, nloc);
                sp[LL_SUB_LOCAL] = W * 8 + lsq_predict(hm->loc_w, lx, nloc, sh);
                loc_sig = loc_spread(wt, win[LL_LOC_SUMS - 1], hm->loc_w, nloc, n_win, sh);
            }
        }
        if (fast) {
            pred = med3(W, N, W + N - NW) * 8;
        } else {
            sp[0] = (W + NE - N) * 8;
            sp[1] = N * 8 - (((teW + teN + teNE) * 2) >> 5);
            sp[2] = W * 8 - (((teW + teN + teNW) * 4) >> 5);
            sp[3] = N * 8 - (((teNW + teN + teNE) * 3) >> 5);
            sp[4] = med3(W, N, W + N - NW) * 8;
            sp[5] = (W + NE) * 4;
            {
                /* CALIC's gradient-adjusted prediction. */
                const int32_t WW = v0[x - 2], NNE = v2[x + 1];
                int32_t dh = iabs(W - WW) + iabs(N - NW) + iabs(N - NE);
                int32_t dv = iabs(W - NW) + iabs(N - NN) + iabs(NE - NNE);
                if (heavy) {
                    /* §9 a second least-squares sub-prediction, learnt only from samples whose
                     * edges run the same way: strongly vertical, strongly horizontal, or
                     * leaning either way. */
                    dir = dv > 2 * dh ? 0 : dh > 2 * dv ? 1 : 2 + (dv > dh);
                    sp[9] = W * 8 + lsq_predict(hm->ls_dir[dir].w, ld, nls, c->ls_shift);
                }
                int32_t g;
                if (dv - dh > 80)
                    g = W * 8;
                else if (dh - dv > 80)
                    g = N * 8;
                else {
                    g = (W + N) * 4 + (NE - NW) * 2;
                    if (dv - dh > 32)
                        g = (g + W * 8) >> 1;
                    else if (dv - dh > 8)
                        g = (3 * g + W * 8) >> 2;
                    else if (dh - dv > 32)
                        g = (g + N * 8) >> 1;
                    else if (dh - dv > 8)
                        g = (3 * g + N * 8) >> 2;
                }
                sp[6] = g;
                sp[7] = (N + NE - NNE) * 8;
            }

            /* §5.3 blend by recent errors. */
            int64_t num = 0, den = 0;
            const int32_t *sN = s1 + x * LL_NSUB, *sNW = sN - LL_NSUB, *sNE = sN + LL_NSUB;
            const int32_t *sW = s0 + (x - 1) * LL_NSUB, *sWW = sW - LL_NSUB;
            /* the sums first, in a loop of their own that compilers vectorise */
            uint32_t esum[LL_NSUB];
            for (int k = 0; k < nsub; k++)
                esum[k] = (uint32_t)(sN[k] + sW[k] + sNW[k] + sNE[k] + sWW[k]);
            for (int k = 0; k < nsub; k++) {
                /* the local least-squares sub-predictor counts four times */
                uint32_t wk = err_weight(esum[k]) << (k == LL_SUB_LOCAL ? 2 : 0);
                num += (int64_t)wk * sp[k];
                den += wk;
            }
            pred = (int32_t)((num + (den >> 1)) / den);
            if (((teN ^ teW) | (teN ^ teNW) | (teN ^ teNE)) < 0) {
                int32_t mn = imin(W, imin(N, NE)) * 8, mx = imax(W, imax(N, NE)) * 8;
                pred = pred < mn ? mn : pred > mx ? mx : pred;
            }
        }

        /* §5.4 linear correction of the blend from neighbouring errors (normalised LMS). */
        int32_t li[LL_NLMS] = {0};
        /* the last two inputs are the heavy model's, and 0 without it */
        const int nlms = heavy ? LL_NLMS : LL_NLMS - 2;
        if (!fast) {
            li[0] = teN;
            li[1] = teW;
            li[2] = teNW;
            li[3] = teNE;
            li[4] = teWW;
            li[5] = rt0 ? rt0[x] : 0;
            li[6] = rtA ? rtA[x] : 0;
            li[7] = (N - W) * 8;
            if (heavy) {
                /* how far the local and the directional least-squares sub-predictors lie from
                 * the blend: the correction learns how much to trust them beyond it */
                li[8] = sp[LL_SUB_LOCAL] - pred;
                li[9] = sp[9] - pred;
            }
            int64_t lacc = 0;
            for (int i = 0; i < nlms; i++)
                lacc += (int64_t)m->lms[i] * li[i];
            int32_t lcorr = (int32_t)(lacc >> 16);
            lcorr = lcorr < -2048 ? -2048 : lcorr > 2048 ? 2048 : lcorr;
            pred += lcorr;
        }

        /* §6.1 activity measures. */
        uint32_t eerr =
            (uint32_t)(iabs(teN) + iabs(teW) + ((iabs(teNW) + iabs(teNE) + iabs(teWW)) >> 1));
        uint32_t grad = (uint32_t)(iabs(N - NW) + iabs(W - NW) + iabs(NE - N));
        int qe = energy_class(eerr);
        int qg = energy_class(grad * 8);
        int q = energy_class(eerr + grad * 8);
        /* The same scale from the local fit's residuals over its window: a steadier measure of
         * the noise than five neighbours' errors, where the fit holds. */
        int lq = loc_sig < 0 ? qe : energy_class((uint32_t)loc_sig);
        int32_t rte = rt0 ? rt0[x] : 0;
        int rq = rte < -48   ? 0
                 : rte < -16 ? 1
                 : rte < -4  ? 2
                 : rte <= 4  ? 3
                 : rte <= 16 ? 4
                 : rte <= 48 ? 5
                             : 6;
        int rs = rte < -4 ? 0 : rte <= 4 ? 1 : 2;

        /* §5.4 bias cancellation. */
        int bctx = ((q >> 2) * 7 + rq) * 32 + (N * 8 > pred) + (W * 8 > pred) * 2 +
                   (NW * 8 > pred) * 4 + (NE * 8 > pred) * 8 + (NN * 8 > pred) * 16;
        int32_t bc = m->bias_cnt[bctx];
        int32_t corr = bc ? m->bias_sum[bctx] / bc : 0;
        int32_t pc = pred + corr;
        pc = pc < lo8 ? lo8 : pc > hi8 ? hi8 : pc;
        int32_t P = (pc + 4) >> 3;
        int frac = pc - P * 8 + 4; /* 0..7 */

        /* §6.2 context classes of the three models. */
        int cls;
        if (av && av[x] == alo) {
            cls = LL_NR * LL_NQ + q;
        } else {
            uint32_t re = 0;
            for (int i = 0; i < n_ref; i++)
                re += (uint32_t)iabs(rt[i][x]);
            cls = ref_class(re) * LL_NQ + q;
        }
        int clsb = qe * 7 + rq;
        int clsc = qg * 5 + iabs(frac - 4);

        /* Where the prediction lies among the neighbours (models E, F), among the cross-plane
         * (or farther) predictions (model G), and how far the least-squares sub-predictor lies
         * from it (model D, heavy only). A prediction near a neighbour's value makes a small
         * residual likely; the side tells the sign. */
        int sw = side_class_lut(slut, W * 8 - pc), sn = side_class_lut(slut, N * 8 - pc);
        int sne = side_class_lut(slut, NE * 8 - pc), snw = side_class_lut(slut, NW * 8 - pc);
        int sg1, sg2;
        if (n_ref) {
            const int32_t *r0 = rv0[n_ref - 1], *r1 = rv1[n_ref - 1];
            sg1 = side_class_lut(slut, (W + r0[x] - r0[x - 1]) * 8 - pc);
            sg2 = side_class_lut(slut, (N + r0[x] - r1[x]) * 8 - pc);
        } else {
            sg1 = side_class_lut(slut, v0[x - 2] * 8 - pc);
            sg2 = side_class_lut(slut, NN * 8 - pc);
        }
        int clse = side_mag(sw) * 12 + side_mag(sn);
        int clsf = side_mag(sne) * 12 + side_mag(snw);
        int clsg = side_mag(sg1) * 12 + side_mag(sg2);
        int sl = heavy ? side_class_lut(slut, sp[LL_SUB_LOCAL] - pc) : 12;
        int clsd = side_mag(sl) * 16 + (lq >> 1);
        int sgd = sl * 8 + (lq >> 2);
        int sgt = (teW < -8 ? 0 : teW <= 8 ? 1 : 2) * 3 + (teN < -8 ? 0 : teN <= 8 ? 1 : 2);
        sgt = sgt * 8 + (qe >> 2);
        int wset = (q >> 3) * 108 + (side_mag(heavy ? sl : sw) >> 1) * 18 +
                   (side_mag(sn) >> 1) * 3 + (side_mag(sne) >> 2);
        LlMixSel sel = {m->mixw[wset], m->mixw2[clsc], NULL, NULL, m->apm[clsg], NULL, NULL};
        int clsh = 0;
        if (heavy) {
            /* Intensity (model H, third weights, second APM): in scans and linear-light photos
             * the noise grows with the signal, which the local error energy only learns after
             * the fact. */
            uint32_t t = (uint32_t)(pc - lo8) * 1024u / (uint32_t)(hi8 - lo8 + 1);
            int lv = c->isqrt[t];
            clsh = lv * LL_NQ + lq;
            int lset = lv * 8 + (qe >> 2);
            sel.w3 = hm->mixw3[lset];
            sel.apm2 = hm->apm2[lset];
            sel.w4 = hm->mixw4[(bctx & 31) * 8 + rq];
            sel.wf = hm->final_w[lq];
        }

        /* §7 residual. */
        int32_t v = 0, r = 0;
        if (tree) {
            /* §8.1: the token's context is the leaf of the tree over these features: f12 is cls
             * without q (the inter-plane class, or 4 for a transparent pixel), f13 the intensity
             * class, for scans whose noise grows with the signal (1.2% on gray16). */
            const uint8_t f[LL_TREE_NFEAT] = {
                (uint8_t)p,
                (uint8_t)q,
                (uint8_t)qe,
                (uint8_t)qg,
                (uint8_t)rq,
                (uint8_t)frac,
                (uint8_t)sw,
                (uint8_t)sn,
                (uint8_t)sne,
                (uint8_t)snw,
                (uint8_t)sg1,
                (uint8_t)sg2,
                (uint8_t)(cls / LL_NQ),
                (uint8_t)c->isqrt[((uint64_t)(uint32_t)(pc - lo8) * lv_scale) >> 32]};
            const int st = code_token(c, dec, f, P, lo, hi, &v0[x]);
            if (st)
                return st;
            v = v0[x];
        } else {
            uint32_t ea = 0;
            int eneg = 0, ek = 0;
            if (!dec) {
                v = v0[x];
                r = v - P;
                eneg = r < 0;
                ea = (uint32_t)(eneg ? -r : r);
                ek = ea ? ulog2(ea) : 0;
            }
            int nz;
            if (fast) {
                nz = CODE(&m->zero[cls], r != 0);
            } else {
                ImzBacCell *cz[7] = {&m->zero[cls], &m->zerob[clsb], &m->zeroe[clse],
                                     &m->zerog[clsg], &m->zerof[clsf], &m->zerod[clsd],
                                     heavy ? &hm->zeroh[clsh] : NULL};
                nz = mix_bit(c, dec, heavy, r != 0, cz, &sel, 0);
            }
            if (nz) {
                int neg;
                if (P == lo)
                    neg = 0;
                else if (P == hi)
                    neg = 1;
                else if (fast)
                    neg = CODE(&m->sign[cls >> 2][frac][rs], eneg);
                else {
                    ImzBacCell *cs[7] = {&m->sign[cls >> 2][frac][rs], &m->signt[sgt],
                                         &m->signe[sw * 24 + sn], &m->signg[sg1 * 24 + sg2],
                                         &m->signf[sne * 24 + snw], &m->signd[sgd],
                                         heavy ? &hm->signh[clsh] : NULL};
                    neg = mix_bit(c, dec, heavy, eneg, cs, &sel, 2 * LL_MAXK);
                }
                uint32_t amax = (uint32_t)(neg ? P - lo : hi - P);
                int kmax = ulog2(amax), k = 0;
                if (fast) {
                    while (k < kmax && CODE(&m->expo[cls][k], ek > k))
                        k++;
                } else {
                    while (k < kmax) {
                        ImzBacCell *ce[7] = {&m->expo[cls][k], &m->expob[clsb][k],
                                             &m->expoe[clse][k], &m->expog[clsg][k],
                                             &m->expof[clsf][k], &m->expod[clsd][k],
                                             heavy ? &hm->expoh[clsh][k] : NULL};
                        if (!mix_bit(c, dec, heavy, ek > k, ce, &sel, 1 + k))
                            break;
                        k++;
                    }
                }
                uint32_t a = 1;
                /* In the top octave, a flag for a value at the end of the plane's range: air in CT
                 * and X-ray scans, clipped highlights in photos. Such a value is far from any
                 * prediction near its edge, and its low bits cost as much as noise. */
                int at_edge = 0;
                if (k >= 1 && k == kmax) {
                    int32_t end = neg ? lo : hi;
                    int ne = (W == end) + (N == end) + (NW == end) + (NE == end);
                    at_edge = CODE(&m->edge[neg][k][ne], ea == amax);
                    if (at_edge)
                        a = amax;
                }
                if (k >= 1 && !at_edge) {
                    int b1;
                    if (fast) {
                        b1 = CODE(&m->mant[cls][k][0], (int)(ea >> (k - 1)) & 1);
                    } else {
                        ImzBacCell *cm[7] = {&m->mant[cls][k][0], &m->mantb[clsb][k],
                                             &m->mante[clse][k], &m->mantg[clsg][k],
                                             &m->mantf[clsf][k], &m->mantd[clsd][k],
                                             heavy ? &hm->manth[clsh][k] : NULL};
                        b1 =
                            mix_bit(c, dec, heavy, (int)(ea >> (k - 1)) & 1, cm, &sel, LL_MAXK + k);
                    }
                    a = 2 + (uint32_t)b1;
                    if (k >= 2) {
                        a = a * 2 +
                            (uint32_t)CODE(&m->mant[cls][k][1 + b1], (int)(ea >> (k - 2)) & 1);
                        for (int j = k - 3; j >= 0; j--)
                            a = a * 2 + (uint32_t)CODE(&m->mlow[k][j], (int)(ea >> j) & 1);
                    }
                }
                if (dec) {
                    if (a > amax || (a == amax && k >= 1 && !at_edge))
                        return IMZ_ERR_CORRUPT;
                    r = neg ? -(int32_t)a : (int32_t)a;
                }
            }
            if (dec) {
                v = P + r;
                v0[x] = v;
            }
        }
        /* Model updates (§5.5). */
        int32_t v8 = v * 8;
        if (!fast) {
            int64_t nrm = 64;
            for (int i = 0; i < nlms; i++)
                nrm += (int64_t)li[i] * li[i];
            int64_t le = (int64_t)(v8 - pred);
            le = le < -4096 ? -4096 : le > 4096 ? 4096 : le;
            /* |f| <= 2^28 / nrm and nrm >= 64 + li[i]^2, so |f * li[i]| <= 2^28 * |li[i]| /
             * (64 + li[i]^2) <= 2^28 * 8 / 128 = 2^24: the products fit 32 bits */
            const int32_t f = (int32_t)(le * (1 << LL_LMS_MU) / nrm);
            for (int i = 0; i < nlms; i++) {
                int32_t nw = m->lms[i] + ((f * li[i]) >> 8);
                m->lms[i] = nw < -(1 << 20) ? -(1 << 20) : nw > (1 << 20) ? (1 << 20) : nw;
            }
        }
        t0[x] = pc - v8;
        if (heavy) {
            int32_t tgt = (v - W) >> c->ls_shift;
            lsq_update(&hm->ls, ld, nls, tgt, LL_LS_DECAY);
            lsq_update(&hm->ls_dir[dir], ld, nls, tgt, LL_LS_DIR_DECAY);
            int16_t *e = loc_cur + (size_t)x * LL_LOC_ROW;
            for (int i = 0; i < LL_NLOC; i++)
                e[i] = (int16_t)lx[i];
            e[LL_NLOC] = (int16_t)tgt;
        }
        if (!fast) {
            int32_t *sC = s0 + x * LL_NSUB;
            for (int k = 0; k < nsub; k++)
                sC[k] = iabs(sp[k] - v8);
        }
        int32_t bs = m->bias_sum[bctx] + (v8 - pred);
        if (++bc == 256) {
            bs /= 2;
            bc = 128;
        }
        m->bias_sum[bctx] = bs;
        m->bias_cnt[bctx] = bc;
    }
    return IMZ_OK;
}

/* The row coders are built twice on x86-64 (IMZ_SIMD_CLONES_V3), each with its own copy of
 * code_row. With the same bytes, the x86-64-v3 copy encodes 8-10% and decodes 6-8% faster than
 * the baseline on Kodak at efforts 5 and 9; AVX2 alone gained 6-7% and 4-5% at effort 5. */
IMZ_SIMD_CLONES_V3 static void encode_row(LlCoder *c)
{
    for (int p = 0; p < c->n_planes; p++) {
        if (c->profile == LL_PROFILE_FAST)
            code_row(c, p, 0, 1, 0, 0);
        else if (c->heavy)
            code_row(c, p, 0, 0, 1, 0);
        else if (c->tree_mode)
            code_row(c, p, 0, 0, 0, 1);
        else
            code_row(c, p, 0, 0, 0, 0);
    }
    c->rows_done++;
}

IMZ_SIMD_CLONES_V3 static int decode_row(LlCoder *c)
{
    for (int p = 0; p < c->n_planes; p++) {
        int st = c->profile == LL_PROFILE_FAST ? code_row(c, p, 1, 1, 0, 0)
                 : c->heavy                    ? code_row(c, p, 1, 0, 1, 0)
                 : c->tree_mode                ? code_row(c, p, 1, 0, 0, 1)
                                               : code_row(c, p, 1, 0, 0, 0);
        if (st)
            return st;
    }
    c->rows_done++;
    return IMZ_OK;
}

/* The exported entry points of the cloned row coders. */
void imz_ll_encode_row(LlCoder *c)
{
    encode_row(c);
}

int imz_ll_decode_row(LlCoder *c)
{
    return decode_row(c);
}
