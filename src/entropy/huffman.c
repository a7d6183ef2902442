// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Length-limited canonical Huffman codes: construction (two-queue Huffman, then the length
// limiting of JPEG's Annex K.3), the stored code-length table (docs/FORMAT.md §4.1) and a
// table-driven decoder with a canonical slow path for long codes.

#include <stdlib.h>
#include <string.h>

#include "entropy/huffman.h"

/* Code-length table tokens: 0..24 literal lengths, then run tokens (FORMAT.md §4.1). */
enum { TOK_REPEAT = 25, TOK_ZEROS_SHORT, TOK_ZEROS_MED, TOK_ZEROS_LONG, N_TOKENS };
#define SYM_BITS 18 /* enough for IMZ_HUFF_MAX_SYMBOLS */

typedef struct Leaf {
    uint32_t freq;
    int sym;
} Leaf;

static int cmp_leaf(const void *a, const void *b)
{
    const Leaf *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq < y->freq ? -1 : 1;
    return x->sym - y->sym;
}

/* Assigns canonical codes from lengths: shorter first, then by symbol. */
static void assign_codes(const uint8_t *len, uint32_t *code, int n)
{
    uint32_t count[IMZ_HUFF_MAX_LEN + 1] = {0}, next[IMZ_HUFF_MAX_LEN + 2];
    for (int i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    uint32_t c = 0;
    for (int l = 1; l <= IMZ_HUFF_MAX_LEN; l++) {
        c = (c + count[l - 1]) << 1;
        next[l] = c;
    }
    for (int i = 0; i < n; i++)
        code[i] = len[i] ? next[len[i]]++ : 0;
}

int imz_huff_enc_build(ImzContext *ctx, ImzHuffEnc *h, const uint32_t *freq, int n, int max_len)
{
    memset(h, 0, sizeof *h);
    h->n = n;
    h->single = -1;
    h->len = imz_calloc(ctx, (size_t)n, 1);
    h->code = imz_calloc(ctx, (size_t)n, sizeof *h->code);
    Leaf *leaf = imz_malloc_array(ctx, (size_t)n, sizeof *leaf);
    /* Node arrays for the two-queue construction: leaves 0..m-1, internal m..2m-2. */
    uint64_t *weight = imz_malloc_array(ctx, 2 * (size_t)n, sizeof *weight);
    int *parent = imz_malloc_array(ctx, 2 * (size_t)n, sizeof *parent);
    uint32_t *bits = imz_calloc(ctx, (size_t)(n > IMZ_HUFF_MAX_LEN ? n : IMZ_HUFF_MAX_LEN) + 2,
                                sizeof *bits); /* per depth; depths reach n - 1 */
    if (!h->len || !h->code || !leaf || !weight || !parent || !bits) {
        imz_mem_free(ctx, leaf);
        imz_mem_free(ctx, weight);
        imz_mem_free(ctx, parent);
        imz_mem_free(ctx, bits);
        imz_huff_enc_free(ctx, h);
        return IMZ_ERR_NOMEM;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (freq[i])
            leaf[m++] = (Leaf){freq[i], i};
    if (m == 1)
        h->single = leaf[0].sym;
    if (m >= 2) {
        qsort(leaf, (size_t)m, sizeof *leaf, cmp_leaf);
        for (int i = 0; i < m; i++)
            weight[i] = leaf[i].freq;
        /* Two queues: unmerged leaves (in order) and internal nodes (created in order). */
        int qa = 0, qb = m, nb = m;
        for (int k = 0; k < m - 1; k++) {
            int pick[2];
            for (int t = 0; t < 2; t++) {
                if (qa < m && (qb >= nb || weight[qa] <= weight[qb]))
                    pick[t] = qa++;
                else
                    pick[t] = qb++;
            }
            weight[nb] = weight[pick[0]] + weight[pick[1]];
            parent[pick[0]] = parent[pick[1]] = nb;
            nb++;
        }
        /* Depths, top down (parents have higher indices), reusing weight[] for them. */
        uint32_t max_depth = 0;
        weight[nb - 1] = 0;
        for (int i = nb - 2; i >= 0; i--)
            weight[i] = weight[parent[i]] + 1;
        for (int i = 0; i < m; i++) {
            uint32_t d = (uint32_t)weight[i];
            bits[d]++;
            if (d > max_depth)
                max_depth = d;
        }
        /* Limit lengths to max_len (JPEG Annex K.3): move pairs of deep leaves up. */
        for (uint32_t i = max_depth; i > (uint32_t)max_len; i--) {
            while (bits[i] > 0) {
                uint32_t j = i - 2;
                while (bits[j] == 0)
                    j--;
                bits[i] -= 2;
                bits[i - 1] += 1;
                bits[j + 1] += 2;
                bits[j] -= 1;
            }
        }
        /* Most frequent symbols take the shortest lengths. */
        int idx = m - 1;
        for (int l = 1; l <= max_len; l++)
            for (uint32_t k = 0; k < bits[l]; k++)
                h->len[leaf[idx--].sym] = (uint8_t)l;
        assign_codes(h->len, h->code, n);
    }
    imz_mem_free(ctx, leaf);
    imz_mem_free(ctx, weight);
    imz_mem_free(ctx, parent);
    imz_mem_free(ctx, bits);
    return IMZ_OK;
}

void imz_huff_enc_free(ImzContext *ctx, ImzHuffEnc *h)
{
    imz_mem_free(ctx, h->len);
    imz_mem_free(ctx, h->code);
    h->len = NULL;
    h->code = NULL;
}

uint64_t imz_huff_cost(const ImzHuffEnc *h, const uint32_t *freq)
{
    uint64_t bits = 0;
    for (int i = 0; i < h->n; i++)
        bits += (uint64_t)freq[i] * h->len[i];
    return bits;
}

/* Turns a length sequence into tokens (symbol, extra bits value, extra bit count). */
typedef struct Token {
    uint8_t tok, nextra;
    uint32_t extra;
} Token;

static int tokenize(const uint8_t *len, int u, Token *out)
{
    int nt = 0;
    for (int i = 0; i < u;) {
        int run = 1;
        while (i + run < u && len[i + run] == len[i])
            run++;
        if (len[i] == 0 && run >= 3) {
            if (run > 139 + (1 << 17) - 1)
                run = 139 + (1 << 17) - 1;
            if (run <= 10)
                out[nt++] = (Token){TOK_ZEROS_SHORT, 3, (uint32_t)run - 3};
            else if (run <= 138)
                out[nt++] = (Token){TOK_ZEROS_MED, 7, (uint32_t)run - 11};
            else
                out[nt++] = (Token){TOK_ZEROS_LONG, 17, (uint32_t)run - 139};
            i += run;
        } else if (i > 0 && len[i] == len[i - 1] && run >= 3) {
            if (run > 6)
                run = 6;
            out[nt++] = (Token){TOK_REPEAT, 2, (uint32_t)run - 3};
            i += run;
        } else {
            out[nt++] = (Token){len[i], 0, 0};
            i++;
        }
    }
    return nt;
}

void imz_huff_write_table(ImzBitWriter *w, const ImzHuffEnc *h)
{
    ImzContext *ctx = w->out->ctx;
    /* A single used symbol is stored with length 1 and decoded with 0 bits. */
    int u = h->single >= 0 ? h->single + 1 : h->n;
    while (h->single < 0 && u > 0 && !h->len[u - 1])
        u--;
    imz_bitw_put(w, (uint32_t)u, SYM_BITS);
    if (u == 0)
        return;
    Token *tok = imz_malloc_array(ctx, (size_t)u, sizeof *tok);
    uint8_t *len = imz_malloc(ctx, (size_t)u);
    ImzHuffEnc th = {0};
    if (!tok || !len) {
        w->out->status = IMZ_ERR_NOMEM;
        goto done;
    }
    memcpy(len, h->len, (size_t)u);
    if (h->single >= 0)
        len[h->single] = 1;
    int nt = tokenize(len, u, tok);
    uint32_t tf[N_TOKENS] = {0};
    for (int i = 0; i < nt; i++)
        tf[tok[i].tok]++;
    if (imz_huff_enc_build(ctx, &th, tf, N_TOKENS, 15) != IMZ_OK) {
        w->out->status = IMZ_ERR_NOMEM;
        goto done;
    }
    for (int i = 0; i < N_TOKENS; i++)
        imz_bitw_put(w, th.single == i ? 1 : th.len[i], 4);
    for (int i = 0; i < nt; i++) {
        imz_huff_put(w, &th, tok[i].tok);
        if (tok[i].nextra)
            imz_bitw_put(w, tok[i].extra, tok[i].nextra);
    }
done:
    imz_huff_enc_free(ctx, &th);
    imz_mem_free(ctx, tok);
    imz_mem_free(ctx, len);
}

/* Builds decoding tables from code lengths; rejects codes that are not complete. */
static int build_dec(ImzContext *ctx, ImzHuffDec *h, const uint8_t *len, int n)
{
    memset(h->count, 0, sizeof h->count);
    int used = 0, last = -1;
    h->max_len = 0;
    for (int i = 0; i < n; i++)
        if (len[i]) {
            h->count[len[i]]++;
            used++;
            last = i;
            if (len[i] > h->max_len)
                h->max_len = len[i];
        }
    memset(h->lut, 0, sizeof(uint32_t) << IMZ_HUFF_LUT_BITS);
    if (used == 0)
        return IMZ_OK; /* empty: every get fails */
    if (used == 1) {
        /* single symbol: 0 bits */
        for (uint32_t i = 0; i < (1u << IMZ_HUFF_LUT_BITS); i++)
            h->lut[i] = (uint32_t)last << 6 | 32;
        return IMZ_OK;
    }
    uint64_t kraft = 0;
    for (int l = 1; l <= IMZ_HUFF_MAX_LEN; l++)
        kraft += (uint64_t)h->count[l] << (IMZ_HUFF_MAX_LEN - l);
    if (kraft != (1ull << IMZ_HUFF_MAX_LEN))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "invalid Huffman table (%s)",
                        kraft > (1ull << IMZ_HUFF_MAX_LEN) ? "over-subscribed" : "incomplete");
    /* first[l]: canonical code of the first length-l symbol */
    uint32_t code = 0, off = 0;
    for (int l = 1; l <= IMZ_HUFF_MAX_LEN; l++) {
        h->first[l] = code;
        h->offset[l] = off;
        off += h->count[l];
        code = (code + h->count[l]) << 1;
    }
    uint32_t pos[IMZ_HUFF_MAX_LEN + 1];
    for (int l = 1; l <= IMZ_HUFF_MAX_LEN; l++)
        pos[l] = h->offset[l];
    for (int i = 0; i < n; i++)
        if (len[i])
            h->sorted[pos[len[i]]++] = (uint32_t)i;
    for (int l = 1; l <= IMZ_HUFF_MAX_LEN && l <= IMZ_HUFF_LUT_BITS; l++)
        for (uint32_t k = 0; k < h->count[l]; k++) {
            uint32_t c = h->first[l] + k, sym = h->sorted[h->offset[l] + k];
            int shift = IMZ_HUFF_LUT_BITS - l;
            for (uint32_t f = 0; f < (1u << shift); f++)
                h->lut[(c << shift) | f] = sym << 6 | 32 | (uint32_t)l;
        }
    return IMZ_OK;
}

static int dec_alloc(ImzContext *ctx, ImzHuffDec *h, int n)
{
    memset(h, 0, sizeof *h);
    h->n = n;
    h->lut = imz_malloc_array(ctx, (size_t)1 << IMZ_HUFF_LUT_BITS, sizeof *h->lut);
    h->sorted = imz_malloc_array(ctx, (size_t)n, sizeof *h->sorted);
    if (!h->lut || !h->sorted) {
        imz_huff_dec_free(ctx, h);
        return IMZ_ERR_NOMEM;
    }
    return IMZ_OK;
}

int imz_huff_get_slow(const ImzHuffDec *h, ImzBitReader *r)
{
    if (h->max_len == 0)
        return -1;
    uint32_t bits = imz_bitr_peek(r, h->max_len);
    for (int l = IMZ_HUFF_LUT_BITS + 1; l <= h->max_len; l++) {
        uint32_t c = bits >> (h->max_len - l);
        if (c - h->first[l] < h->count[l]) {
            imz_bitr_skip(r, l);
            return (int)h->sorted[h->offset[l] + c - h->first[l]];
        }
    }
    return -1; /* unreachable for a complete code */
}

int imz_huff_read_table(ImzContext *ctx, ImzHuffDec *h, ImzBitReader *r, int n)
{
    int st = dec_alloc(ctx, h, n);
    if (st < 0)
        return st;
    uint32_t u = imz_bitr_get(r, SYM_BITS);
    if (u > (uint32_t)n) {
        imz_huff_dec_free(ctx, h);
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "Huffman table larger than its alphabet");
    }
    uint8_t *len = imz_calloc(ctx, (size_t)n, 1);
    if (!len) {
        imz_huff_dec_free(ctx, h);
        return IMZ_ERR_NOMEM;
    }
    if (u > 0) {
        uint8_t tl[N_TOKENS];
        for (int i = 0; i < N_TOKENS; i++)
            tl[i] = (uint8_t)imz_bitr_get(r, 4);
        ImzHuffDec th;
        st = dec_alloc(ctx, &th, N_TOKENS);
        if (st == IMZ_OK)
            st = build_dec(ctx, &th, tl, N_TOKENS);
        for (uint32_t i = 0; st == IMZ_OK && i < u;) {
            int t = imz_huff_get(&th, r);
            uint32_t run = 0;
            uint8_t v = 0;
            if (t < 0) {
                st = imz_fail(ctx, IMZ_ERR_CORRUPT, "empty Huffman token table");
                break;
            } else if (t < TOK_REPEAT) {
                run = 1;
                v = (uint8_t)t;
            } else if (t == TOK_REPEAT) {
                if (i == 0) {
                    st = imz_fail(ctx, IMZ_ERR_CORRUPT, "Huffman table repeats nothing");
                    break;
                }
                run = 3 + imz_bitr_get(r, 2);
                v = len[i - 1];
            } else if (t == TOK_ZEROS_SHORT) {
                run = 3 + imz_bitr_get(r, 3);
            } else if (t == TOK_ZEROS_MED) {
                run = 11 + imz_bitr_get(r, 7);
            } else {
                run = 139 + imz_bitr_get(r, 17);
            }
            if (run > u - i) {
                st = imz_fail(ctx, IMZ_ERR_CORRUPT, "Huffman table overruns its alphabet");
                break;
            }
            memset(len + i, v, run);
            i += run;
            if (imz_bitr_overrun(r)) {
                st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "truncated Huffman table");
                break;
            }
        }
        imz_huff_dec_free(ctx, &th);
    }
    if (st == IMZ_OK)
        st = build_dec(ctx, h, len, n);
    imz_mem_free(ctx, len);
    if (st < 0)
        imz_huff_dec_free(ctx, h);
    return st;
}

void imz_huff_dec_free(ImzContext *ctx, ImzHuffDec *h)
{
    imz_mem_free(ctx, h->lut);
    imz_mem_free(ctx, h->sorted);
    h->lut = NULL;
    h->sorted = NULL;
}
