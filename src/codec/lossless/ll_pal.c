// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Palette profile of the `lossless` codec (docs/format/lossless.md §11): images with few distinct
// pixels (text, charts, user interfaces) are coded as a colour table plus one plane of indices.
// Such images repeat their neighbours far more often than a value predictor can exploit, so each
// index is first matched against the distinct indices of its causal neighbours, and only a miss
// codes the index itself. Every binary decision mixes three adaptive cells in the logistic domain.

#include <stdlib.h>
#include <string.h>

#include "codec/lossless/ll.h"
#include "common/intops.h"

#define PAL_NCAND 6    /* neighbours offered as candidates: W, N, NE, NW, WW, NN */
#define PAL_HBITS 16   /* hashed context tables have 2^PAL_HBITS cells */
#define PAL_MAXBITS 12 /* indices have at most 12 bits (LL_PAL_MAX = 4096) */
#define PAL_MIX_IN 7
#define PAL_NSETS (PAL_NCAND + PAL_MAXBITS)

typedef struct PalModel {
    ImzBacCell fa[PAL_NCAND * PAL_NCAND * PAL_NCAND]; /* [i][count - 1][distinct - 1] */
    ImzBacCell fc[PAL_NCAND * 64];                    /* [i][equality pattern] */
    ImzBacCell ea[1 << PAL_MAXBITS];                  /* escape tree, order 0 */
    ImzBacCell hb[1 << PAL_HBITS];                    /* hashed: flags and escape tree */
    ImzBacCell hc[1 << PAL_HBITS];
    int32_t w[PAL_NSETS][PAL_MIX_IN];
} PalModel;

typedef struct PalCoder {
    int width, nbits;
    uint32_t n_colours;
    int32_t *rows, *v[3]; /* index rows y, y-1, y-2 with LL_PAD samples each side */
    PalModel *m;
    int16_t stretch[4096];
    int16_t squash[4095];
    ImzBacEnc enc;
    ImzBacDec dec;
} PalCoder;

static int pal_init(ImzContext *ctx, PalCoder *c, int width, uint32_t n_colours)
{
    memset(c, 0, sizeof *c);
    c->width = width;
    c->n_colours = n_colours;
    c->nbits = n_colours > 1 ? ulog2(n_colours - 1) + 1 : 0;
    size_t stride = (size_t)width + 2 * LL_PAD;
    c->rows = imz_calloc(ctx, stride * 3, sizeof(int32_t));
    c->m = imz_malloc(ctx, sizeof(PalModel));
    if (!c->rows || !c->m)
        return IMZ_ERR_NOMEM;
    for (int i = 0; i < 3; i++)
        c->v[i] = c->rows + stride * (size_t)i;
    ImzBacCell *cells = (ImzBacCell *)c->m;
    size_t n_cells = offsetof(PalModel, w) / sizeof(ImzBacCell);
    for (size_t i = 0; i < n_cells; i++)
        imz_bac_cell_init(&cells[i]);
    for (int s = 0; s < PAL_NSETS; s++) {
        for (int k = 0; k < PAL_MIX_IN - 1; k++)
            c->m->w[s][k] = 11000;
        c->m->w[s][PAL_MIX_IN - 1] = 0;
    }
    imz_ll_build_tables(c->stretch, c->squash);
    return IMZ_OK;
}

static void pal_free(ImzContext *ctx, PalCoder *c)
{
    imz_mem_free(ctx, c->rows);
    imz_mem_free(ctx, c->m);
    c->rows = NULL;
    c->m = NULL;
}

static void pal_next_row(PalCoder *c)
{
    int w = c->width;
    int32_t *t = c->v[2];
    c->v[2] = c->v[1];
    c->v[1] = c->v[0];
    c->v[0] = t;
    int32_t *v1 = c->v[1] + LL_PAD, *v0 = c->v[0] + LL_PAD;
    v1[-1] = v1[-2] = v1[0];
    v1[w] = v1[w + 1] = v1[w - 1];
    v0[-1] = v0[-2] = v1[0];
}

static inline uint32_t pal_hash(uint32_t a, uint32_t b, uint32_t d)
{
    return ((a * 2654435761u) ^ (b * 2246822519u) ^ (d * 3266489917u)) >> (32 - PAL_HBITS);
}

/* One bit from three cells mixed in the logistic domain (as §5, without the APM stage). */
static inline int pal_bit(PalCoder *c, const int dec, int bit, ImzBacCell *ca, ImzBacCell *cb,
                          ImzBacCell *cc, int32_t *wt)
{
    const int16_t *st = c->stretch;
    int32_t in[PAL_MIX_IN] = {st[ca->fast >> 4],
                              st[ca->slow >> 4],
                              st[cb->fast >> 4],
                              st[cb->slow >> 4],
                              st[cc->fast >> 4],
                              st[cc->slow >> 4],
                              256};
    int32_t p12 = c->squash[imz_ll_mix_dot(wt, in, PAL_MIX_IN) + 2047];
    bit = imz_ll_code_bit(&c->enc, &c->dec, dec, bit, (uint32_t)p12 * 16);
    imz_ll_mix_train(wt, in, PAL_MIX_IN, bit, p12, LL_MIX_RATE);
    imz_bac_cell_update(ca, bit);
    imz_bac_cell_update(cb, bit);
    imz_bac_cell_update(cc, bit);
    return bit;
}

/* Codes (or, with dec, decodes into the row) one row of indices.
 * @return IMZ_OK, or IMZ_ERR_CORRUPT for an index >= n_colours. */
static inline int pal_code_row(PalCoder *c, const int dec)
{
    PalModel *m = c->m;
    const int w = c->width;
    int32_t *v0 = c->v[0] + LL_PAD;
    const int32_t *v1 = c->v[1] + LL_PAD, *v2 = c->v[2] + LL_PAD;
    for (int x = 0; x < w; x++) {
        if (dec && !(x & 4095) && c->dec.overrun > 8)
            return IMZ_ERR_TRUNCATED; /* ran dry: stop early, as in ll_model.c */
        int32_t nb[PAL_NCAND] = {v0[x - 1], v1[x], v1[x + 1], v1[x - 1], v0[x - 2], v2[x]};
        int32_t cand[PAL_NCAND];
        int cnt[PAL_NCAND], nd = 0;
        for (int k = 0; k < PAL_NCAND; k++) {
            int j = 0;
            while (j < nd && cand[j] != nb[k])
                j++;
            if (j == nd) {
                cand[nd] = nb[k];
                cnt[nd++] = 0;
            }
            cnt[j]++;
        }
        int pat = (nb[0] == nb[1]) | (nb[0] == nb[3]) << 1 | (nb[1] == nb[2]) << 2 |
                  (nb[1] == nb[3]) << 3 | (nb[0] == nb[4]) << 4 | (nb[1] == nb[5]) << 5;
        int32_t v = dec ? 0 : v0[x];
        int hit = 0;
        for (int i = 0; i < nd && !hit; i++) {
            ImzBacCell *ca = &m->fa[(i * PAL_NCAND + cnt[i] - 1) * PAL_NCAND + nd - 1];
            ImzBacCell *cb = &m->hb[pal_hash((uint32_t)i << 24 | (uint32_t)cand[i], (uint32_t)nb[0],
                                             (uint32_t)nb[1])];
            ImzBacCell *cc = &m->fc[i * 64 + pat];
            hit = pal_bit(c, dec, v == cand[i], ca, cb, cc, m->w[i]);
            if (hit)
                v = cand[i];
        }
        if (!hit) {
            /* Escape: the index, most significant bit first, down a binary tree. */
            uint32_t node = 1;
            for (int b = c->nbits - 1; b >= 0; b--) {
                int bit = dec ? 0 : (v >> b) & 1;
                ImzBacCell *cb = &m->hb[pal_hash(node | 1u << 20, (uint32_t)nb[0], 0)];
                ImzBacCell *cc = &m->hc[pal_hash(node, (uint32_t)nb[1], (uint32_t)nb[2])];
                bit = pal_bit(c, dec, bit, &m->ea[node], cb, cc, m->w[PAL_NCAND + b]);
                node = node << 1 | (uint32_t)bit;
            }
            if (dec) {
                v = (int32_t)(node - (1u << c->nbits));
                if ((uint32_t)v >= c->n_colours)
                    return IMZ_ERR_CORRUPT;
            }
        }
        if (dec)
            v0[x] = v;
    }
    return IMZ_OK;
}

/* ---- Colour table ---------------------------------------------------------------------------- */

static void put_uval(ImzBacEnc *e, ImzBacCell *expo, uint32_t u)
{
    int k = u ? ulog2(u) + 1 : 0;
    for (int i = 0; i < 17; i++) {
        int b = k > i;
        imz_bac_put(e, &expo[i], b);
        if (!b)
            break;
    }
    if (k > 1)
        imz_bac_enc_raw(e, u, k - 1);
}

static uint32_t get_uval(ImzBacDec *d, ImzBacCell *expo)
{
    int k = 0;
    while (k < 17 && imz_bac_get(d, &expo[k]))
        k++;
    if (k == 0)
        return 0;
    return (1u << (k - 1)) | (k > 1 ? imz_bac_dec_raw(d, k - 1) : 0);
}

/* Entry k, channel ch of the table; entries ascend with channel 0 most significant. */
static inline uint32_t pal_pred(const uint16_t *prev, const uint16_t *cur, int ch, int32_t maxval)
{
    int32_t p = (int32_t)cur[0] + prev[ch] - prev[0];
    return (uint32_t)(p < 0 ? 0 : p > maxval ? maxval : p);
}

static void put_table(ImzBacEnc *e, const uint16_t *pal, uint32_t n, int channels, int32_t maxval)
{
    ImzBacCell expo[4][17];
    for (int i = 0; i < 4 * 17; i++)
        imz_bac_cell_init(&expo[i / 17][i % 17]);
    uint16_t zero[4] = {0, 0, 0, 0};
    const uint16_t *prev = zero;
    for (uint32_t k = 0; k < n; k++) {
        const uint16_t *cur = pal + (size_t)k * channels;
        put_uval(e, expo[0], (uint32_t)(cur[0] - prev[0]));
        for (int ch = 1; ch < channels; ch++) {
            int32_t r = (int32_t)cur[ch] - (int32_t)pal_pred(prev, cur, ch, maxval);
            put_uval(e, expo[ch], r < 0 ? (uint32_t)(-2 * r - 1) : (uint32_t)(2 * r));
        }
        prev = cur;
    }
}

static int get_table(ImzBacDec *d, uint16_t *pal, uint32_t n, int channels, int32_t maxval)
{
    ImzBacCell expo[4][17];
    for (int i = 0; i < 4 * 17; i++)
        imz_bac_cell_init(&expo[i / 17][i % 17]);
    uint16_t zero[4] = {0, 0, 0, 0};
    const uint16_t *prev = zero;
    for (uint32_t k = 0; k < n; k++) {
        uint16_t *cur = pal + (size_t)k * channels;
        uint32_t v0 = prev[0] + get_uval(d, expo[0]);
        if (v0 > (uint32_t)maxval)
            return IMZ_ERR_CORRUPT;
        cur[0] = (uint16_t)v0;
        for (int ch = 1; ch < channels; ch++) {
            uint32_t u = get_uval(d, expo[ch]);
            int32_t r = (u & 1) ? -(int32_t)((u + 1) >> 1) : (int32_t)(u >> 1);
            int32_t v = (int32_t)pal_pred(prev, cur, ch, maxval) + r;
            if (v < 0 || v > maxval)
                return IMZ_ERR_CORRUPT;
            cur[ch] = (uint16_t)v;
        }
        prev = cur;
    }
    return d->overrun ? IMZ_ERR_CORRUPT : IMZ_OK;
}

/* ---- Encoder --------------------------------------------------------------------------------- */

static inline uint64_t pixel_key(const uint16_t *s, int channels)
{
    uint64_t k = 0;
    for (int c = 0; c < channels; c++)
        k = k << 16 | s[c];
    return k;
}

#define PAL_HASH_SIZE (4 * LL_PAL_MAX) /* open addressing, load <= 1/4 */

static inline uint32_t key_slot(uint64_t k)
{
    return (uint32_t)((k * 0x9E3779B97F4A7C15ull) >> 50) & (PAL_HASH_SIZE - 1);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int imz_ll_pal_count(ImzContext *ctx, const ImzImage *img, uint32_t max_colours, uint32_t *n)
{
    *n = 0;
    if (max_colours > LL_PAL_MAX)
        max_colours = LL_PAL_MAX;
    uint64_t *keys = imz_malloc_array(ctx, PAL_HASH_SIZE, sizeof(uint64_t));
    uint8_t *used = imz_calloc(ctx, PAL_HASH_SIZE, 1);
    if (!keys || !used) {
        imz_mem_free(ctx, keys);
        imz_mem_free(ctx, used);
        return IMZ_ERR_NOMEM;
    }
    int ch = img->channels;
    size_t np = (size_t)img->width * img->height;
    uint32_t count = 0;
    uint64_t last = ~0ull;
    for (size_t i = 0; i < np && count <= max_colours; i++) {
        uint64_t k = pixel_key(img->data + i * ch, ch);
        if (k == last)
            continue;
        last = k;
        uint32_t s = key_slot(k);
        while (used[s] && keys[s] != k)
            s = (s + 1) & (PAL_HASH_SIZE - 1);
        if (!used[s]) {
            used[s] = 1;
            keys[s] = k;
            count++;
        }
    }
    imz_mem_free(ctx, keys);
    imz_mem_free(ctx, used);
    *n = count;
    return IMZ_OK;
}

int imz_ll_pal_encode(ImzContext *ctx, const ImzImage *img, ImzBuf *payload)
{
    int ch = img->channels, w = (int)img->width;
    int32_t maxval = (int32_t)((1u << img->bit_depth) - 1);
    size_t np = (size_t)img->width * img->height;
    uint64_t *keys = imz_malloc_array(ctx, PAL_HASH_SIZE, sizeof(uint64_t));
    uint32_t *idx = imz_malloc_array(ctx, PAL_HASH_SIZE, sizeof(uint32_t));
    uint64_t *sorted = imz_malloc_array(ctx, LL_PAL_MAX, sizeof(uint64_t));
    uint16_t *pal = imz_malloc_array(ctx, (size_t)LL_PAL_MAX * 4, sizeof(uint16_t));
    PalCoder c;
    memset(&c, 0, sizeof c);
    ImzBuf tb, ib;
    imz_buf_init(&tb, ctx);
    imz_buf_init(&ib, ctx);
    int st = IMZ_OK;
    if (!keys || !idx || !sorted || !pal) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < PAL_HASH_SIZE; i++)
        idx[i] = UINT32_MAX;
    uint32_t n = 0;
    for (size_t i = 0; i < np; i++) {
        uint64_t k = pixel_key(img->data + i * ch, ch);
        uint32_t s = key_slot(k);
        while (idx[s] != UINT32_MAX && keys[s] != k)
            s = (s + 1) & (PAL_HASH_SIZE - 1);
        if (idx[s] == UINT32_MAX) {
            if (n == LL_PAL_MAX) {
                st = IMZ_ERR_INTERNAL;
                goto done;
            }
            idx[s] = 0;
            keys[s] = k;
            sorted[n++] = k;
        }
    }
    qsort(sorted, n, sizeof *sorted, cmp_u64);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t s = key_slot(sorted[k]);
        while (keys[s] != sorted[k])
            s = (s + 1) & (PAL_HASH_SIZE - 1);
        idx[s] = k;
        for (int cc = 0; cc < ch; cc++)
            pal[(size_t)k * ch + cc] = (uint16_t)(sorted[k] >> (16 * (ch - 1 - cc)));
    }
    ImzBacEnc te;
    imz_bac_enc_init(&te, &tb);
    put_table(&te, pal, n, ch, maxval);
    imz_bac_enc_finish(&te);

    st = pal_init(ctx, &c, w, n);
    if (st)
        goto done;
    imz_bac_enc_init(&c.enc, &ib);
    for (uint32_t y = 0; y < img->height; y++) {
        pal_next_row(&c);
        int32_t *v0 = c.v[0] + LL_PAD;
        const uint16_t *s = img->data + (size_t)y * w * ch;
        for (int x = 0; x < w; x++, s += ch) {
            uint64_t k = pixel_key(s, ch);
            uint32_t slot = key_slot(k);
            while (keys[slot] != k)
                slot = (slot + 1) & (PAL_HASH_SIZE - 1);
            v0[x] = (int32_t)idx[slot];
        }
        pal_code_row(&c, 0);
    }
    imz_bac_enc_finish(&c.enc);
    imz_buf_put_varint(payload, n - 1);
    imz_buf_put_varint(payload, tb.len);
    imz_buf_append(payload, tb.data, tb.len);
    imz_buf_put_varint(payload, ib.len);
    imz_buf_append(payload, ib.data, ib.len);
    st = tb.status ? tb.status : ib.status ? ib.status : payload->status;
done:
    pal_free(ctx, &c);
    imz_buf_free(&tb);
    imz_buf_free(&ib);
    imz_mem_free(ctx, keys);
    imz_mem_free(ctx, idx);
    imz_mem_free(ctx, sorted);
    imz_mem_free(ctx, pal);
    return st;
}

/* ---- Decoder --------------------------------------------------------------------------------- */

int imz_ll_pal_decode(ImzContext *ctx, ImzReader *r, ImzImage *out)
{
    int ch = out->channels, w = (int)out->width;
    int32_t maxval = (int32_t)((1u << out->bit_depth) - 1);
    uint64_t n = imz_read_varint(r) + 1;
    uint64_t tlen = imz_read_varint(r);
    if (r->overflow || tlen > imz_reader_left(r))
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: colour table truncated");
    if (n > LL_PAL_MAX || n > (uint64_t)out->width * out->height)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: %llu palette colours",
                        (unsigned long long)n);
    const uint8_t *tdata = imz_read_bytes(r, (size_t)tlen);
    uint64_t ilen = imz_read_varint(r);
    if (r->overflow || ilen > imz_reader_left(r))
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: index stream truncated");
    const uint8_t *idata = imz_read_bytes(r, (size_t)ilen);
    uint16_t *pal = imz_malloc_array(ctx, (size_t)n * ch, sizeof(uint16_t));
    if (!pal)
        return IMZ_ERR_NOMEM;
    ImzBacDec td;
    imz_bac_dec_init(&td, tdata, (size_t)tlen);
    int st = get_table(&td, pal, (uint32_t)n, ch, maxval);
    if (st) {
        imz_mem_free(ctx, pal);
        return imz_fail(ctx, st, "lossless: corrupt colour table");
    }
    PalCoder c;
    st = pal_init(ctx, &c, w, (uint32_t)n);
    if (!st) {
        imz_bac_dec_init(&c.dec, idata, (size_t)ilen);
        for (uint32_t y = 0; y < out->height && !st; y++) {
            pal_next_row(&c);
            st = pal_code_row(&c, 1);
            if (st)
                break;
            const int32_t *v0 = c.v[0] + LL_PAD;
            uint16_t *d = out->data + (size_t)y * w * ch;
            for (int x = 0; x < w; x++, d += ch)
                memcpy(d, pal + (size_t)v0[x] * ch, (size_t)ch * sizeof(uint16_t));
            if (c.dec.overrun > 8)
                st = IMZ_ERR_TRUNCATED;
        }
        if (!st && c.dec.overrun)
            st = IMZ_ERR_TRUNCATED;
    }
    pal_free(ctx, &c);
    imz_mem_free(ctx, pal);
    if (st == IMZ_ERR_CORRUPT)
        return imz_fail(ctx, st, "lossless: corrupt index data");
    if (st == IMZ_ERR_TRUNCATED)
        return imz_fail(ctx, st, "lossless: index data truncated");
    return st;
}
