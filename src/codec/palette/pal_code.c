// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Adaptive integers and index maps (docs/format/palette.md §3, §4), shared by `palette`, `vq` and
// `pca`. Encoder and decoder walk the same neighbourhood and context functions, so they are
// written once here and used in both directions.

#include <math.h>
#include <string.h>

#include "codec/palette/pal_syntax.h"
#include "common/intops.h"

void imz_int_model_init(ImzIntModel *m)
{
    ImzBacCell *c = (ImzBacCell *)m;
    for (size_t i = 0; i < sizeof *m / sizeof *c; i++)
        imz_bac_cell_init(&c[i]);
}

void imz_int_put(ImzBacEnc *e, ImzIntModel *m, int32_t v)
{
    imz_bac_put(e, &m->zero, v == 0);
    if (!v)
        return;
    imz_bac_put(e, &m->sign, v < 0);
    uint32_t a = (uint32_t)(v < 0 ? -v : v);
    int len = ulog2(a); /* bits below the leading one */
    for (int i = 0; i < len; i++)
        imz_bac_put(e, &m->len[i], 1);
    if (len < IMZ_INT_LEN_MAX - 1)
        imz_bac_put(e, &m->len[len], 0);
    for (int b = len - 1, k = 0; b >= 0; b--, k++) {
        int bit = (a >> b) & 1;
        if (k < 2)
            imz_bac_put(e, &m->mant[len][k], bit);
        else
            imz_bac_enc_bit(e, bit, 1u << 15);
    }
}

static double cell_cost(ImzBacCell *c, int bit)
{
    uint32_t p1 = imz_bac_cell_p(c);
    imz_bac_cell_update(c, bit);
    return -log2((bit ? p1 : 65536 - p1) * (1.0 / 65536));
}

double imz_int_cost(ImzIntModel *m, int32_t v)
{
    double bits = cell_cost(&m->zero, v == 0);
    if (!v)
        return bits;
    bits += cell_cost(&m->sign, v < 0);
    uint32_t a = (uint32_t)(v < 0 ? -v : v);
    int len = ulog2(a);
    for (int i = 0; i < len; i++)
        bits += cell_cost(&m->len[i], 1);
    if (len < IMZ_INT_LEN_MAX - 1)
        bits += cell_cost(&m->len[len], 0);
    for (int b = len - 1, k = 0; b >= 0; b--, k++)
        bits += k < 2 ? cell_cost(&m->mant[len][k], (a >> b) & 1) : 1.0;
    return bits;
}

int32_t imz_int_get(ImzBacDec *d, ImzIntModel *m)
{
    if (imz_bac_get(d, &m->zero))
        return 0;
    int neg = imz_bac_get(d, &m->sign), len = 0;
    while (len < IMZ_INT_LEN_MAX - 1 && imz_bac_get(d, &m->len[len]))
        len++;
    uint32_t a = 1;
    for (int k = 0; k < len; k++) {
        int bit = k < 2 ? imz_bac_get(d, &m->mant[len][k]) : imz_bac_dec_bit(d, 1u << 15);
        a = a << 1 | (uint32_t)bit;
    }
    return neg ? -(int32_t)a : (int32_t)a;
}

/* ---- index maps -------------------------------------------------------------------------- */

typedef struct IdxModel {
    int bits; /* tree depth: ceil(log2(n_symbols)) */
    ImzBacCell eq_w[32], eq_n[16];
    ImzBacCell *tree; /* (1 << bits) nodes x 9 neighbour states */
} IdxModel;

static int idx_model_init(ImzContext *ctx, IdxModel *m, int n)
{
    m->bits = 0;
    while ((1 << m->bits) < n)
        m->bits++;
    for (int i = 0; i < 32; i++)
        imz_bac_cell_init(&m->eq_w[i]);
    for (int i = 0; i < 16; i++)
        imz_bac_cell_init(&m->eq_n[i]);
    size_t cells = (size_t)9 << m->bits;
    m->tree = imz_malloc_array(ctx, cells, sizeof *m->tree);
    if (!m->tree)
        return IMZ_ERR_NOMEM;
    for (size_t i = 0; i < cells; i++)
        imz_bac_cell_init(&m->tree[i]);
    return IMZ_OK;
}

/* The neighbours of (x, y) with the border rule of docs/format/palette.md §4.1. */
typedef struct Nb {
    unsigned w, n, nw, ne, ww;
} Nb;

static inline Nb neighbours(const uint16_t *idx, uint32_t w, uint32_t x, uint32_t y)
{
    const uint16_t *row = idx + (size_t)y * w, *up = y ? row - w : NULL;
    Nb b;
    b.w = x ? row[x - 1] : y ? up[x] : 0;
    b.n = y ? up[x] : b.w;
    b.nw = x && y ? up[x - 1] : b.n;
    b.ne = y && x + 1 < w ? up[x + 1] : b.n;
    b.ww = x > 1 ? row[x - 2] : b.w;
    return b;
}

static inline int ctx_eq_w(const Nb *b)
{
    return (b->w == b->n) | (b->w == b->nw) << 1 | (b->n == b->ne) << 2 | (b->n == b->nw) << 3 |
           (b->w == b->ww) << 4;
}

static inline int ctx_eq_n(const Nb *b)
{
    return (b->n == b->ne) | (b->n == b->nw) << 1 | (b->w == b->nw) << 2 | (b->nw == b->ne) << 3;
}

/* Cell of tree node `node` (prefix with a leading 1) at bit position b. */
static inline ImzBacCell *tree_cell(IdxModel *m, unsigned node, int b, const Nb *nb)
{
    unsigned prefix = node ^ (1u << (m->bits - 1 - b));
    int sw = (nb->w >> (b + 1)) == prefix ? 1 + ((nb->w >> b) & 1) : 0;
    int sn = (nb->n >> (b + 1)) == prefix ? 1 + ((nb->n >> b) & 1) : 0;
    return &m->tree[(size_t)node * 9 + (size_t)(sw * 3 + sn)];
}

int imz_idxmap_encode(ImzContext *ctx, ImzBacEnc *e, const uint16_t *idx, uint32_t w, uint32_t h,
                      int n_symbols)
{
    if (n_symbols < 1 || n_symbols > IMZ_IDXMAP_MAX_SYMBOLS)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "index map: %d symbols", n_symbols);
    if (n_symbols == 1)
        return IMZ_OK;
    IdxModel m;
    if (idx_model_init(ctx, &m, n_symbols) < 0)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "index map: out of memory");
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            unsigned v = idx[(size_t)y * w + x];
            Nb nb = neighbours(idx, w, x, y);
            int hit = v == nb.w;
            imz_bac_put(e, &m.eq_w[ctx_eq_w(&nb)], hit);
            if (hit)
                continue;
            if (nb.n != nb.w) {
                hit = v == nb.n;
                imz_bac_put(e, &m.eq_n[ctx_eq_n(&nb)], hit);
                if (hit)
                    continue;
            }
            unsigned node = 1;
            for (int b = m.bits - 1; b >= 0; b--) {
                int bit = (v >> b) & 1;
                imz_bac_put(e, tree_cell(&m, node, b, &nb), bit);
                node = node << 1 | (unsigned)bit;
            }
        }
    imz_mem_free(ctx, m.tree);
    return IMZ_OK;
}

int imz_idxmap_decode(ImzContext *ctx, ImzBacDec *d, uint16_t *idx, uint32_t w, uint32_t h,
                      int n_symbols)
{
    if (n_symbols < 1 || n_symbols > IMZ_IDXMAP_MAX_SYMBOLS)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "index map: %d symbols", n_symbols);
    if (n_symbols == 1) {
        memset(idx, 0, sizeof *idx * (size_t)w * h);
        return IMZ_OK;
    }
    IdxModel m;
    if (idx_model_init(ctx, &m, n_symbols) < 0)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "index map: out of memory");
    int st = IMZ_OK;
    for (uint32_t y = 0; y < h && st == IMZ_OK; y++)
        for (uint32_t x = 0; x < w; x++) {
            /* Past the end of the payload only zeros come in: stop within a few thousand
             * indices rather than decode (and touch the memory of) a huge announced image. */
            if ((x & 4095) == 0 && d->overrun > 8) {
                st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "index map: payload ends early");
                break;
            }
            Nb nb = neighbours(idx, w, x, y);
            unsigned v;
            if (imz_bac_get(d, &m.eq_w[ctx_eq_w(&nb)])) {
                v = nb.w;
            } else if (nb.n != nb.w && imz_bac_get(d, &m.eq_n[ctx_eq_n(&nb)])) {
                v = nb.n;
            } else {
                unsigned node = 1;
                for (int b = m.bits - 1; b >= 0; b--)
                    node = node << 1 | (unsigned)imz_bac_get(d, tree_cell(&m, node, b, &nb));
                v = node - (1u << m.bits);
                if (v >= (unsigned)n_symbols) {
                    st = imz_fail(ctx, IMZ_ERR_CORRUPT, "index map: index %u of %d", v, n_symbols);
                    break;
                }
            }
            idx[(size_t)y * w + x] = (uint16_t)v;
        }
    imz_mem_free(ctx, m.tree);
    return st;
}
