// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Residual tokens of the `lossless` codec's static-table coders (docs/format/lossless.md §12.4):
// a zigzagged residual becomes a token, coded with rANS under its context's table, and raw bits,
// which go to a plain bit stream. The fast profile (ll_fast.c) and the tree-context coding of
// the normal profile (ll_model.c) share the token set, the raw-bit stream and the way tables are
// stored.

#ifndef IMZ_CODEC_LOSSLESS_LL_TOKENS_H
#define IMZ_CODEC_LOSSLESS_LL_TOKENS_H

#include <stdint.h>
#include <string.h>

#include "bitio/bits.h"
#include "bitio/buf.h"
#include "common/intops.h"
#include "entropy/bac.h"
#include "entropy/rans.h"

#define LL_NTOK 48    /* residual tokens */
#define LL_RAW_MAX 18 /* raw bits of one sample at most */

/* Token t stands for the values ll_tok_base[t] + [0, 2^ll_tok_bits[t]) of the zigzagged residual:
 * 0..15 themselves, then two tokens per octave (the bit below the leading one), the rest raw. */
static const uint32_t ll_tok_base[LL_NTOK] = {
    0,     1,     2,     3,     4,     5,     6,      7,      8,      9,      10,     11,
    12,    13,    14,    15,    16,    24,    32,     48,     64,     96,     128,    192,
    256,   384,   512,   768,   1024,  1536,  2048,   3072,   4096,   6144,   8192,   12288,
    16384, 24576, 32768, 49152, 65536, 98304, 131072, 196608, 262144, 393216, 524288, 786432};
static const uint8_t ll_tok_bits[LL_NTOK] = {
    0, 0, 0, 0, 0, 0, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  3,  3,  4,  4,  5,  5,  6,  6,
    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16, 16, 17, 17, 18, 18};

/* The token of a zigzagged residual u < 2^20. */
static inline uint32_t ll_token(uint32_t u)
{
    const int n = ulog2(u | 16);
    /* u < 16 is as unpredictable as the data: a mask rather than a select, which compilers like
     * to turn into a branch */
    const uint32_t big = 16 + 2 * (uint32_t)(n - 4) + ((u >> (n - 1)) & 1);
    const uint32_t small = 0u - (uint32_t)(u < 16);
    return (u & small) | (big & ~small);
}

static inline uint32_t ll_zigzag(int32_t r)
{
    return ((uint32_t)r << 1) ^ (uint32_t)(r >> 31);
}

static inline int32_t ll_unzigzag(uint32_t u)
{
    return (int32_t)((u >> 1) ^ (0u - (u & 1)));
}

/* Raw bits, MSB first, written into room the caller reserves: at most LL_RAW_MAX bits per sample
 * plus 8 bytes. */
typedef struct LlRawWriter {
    uint8_t *p;
    uint64_t acc;
    int n;
} LlRawWriter;

/* Appends k <= 24 raw bits without a branch: 8 bytes are stored each time and the position moves
 * by the whole bytes completed. */
static inline void ll_raw_put(LlRawWriter *w, uint32_t v, int k)
{
    w->acc = (w->acc << k) | v;
    w->n += k;
    uint64_t top = (w->acc << (63 - w->n)) << 1; /* pending bits, left-aligned */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    top = __builtin_bswap64(top);
    memcpy(w->p, &top, 8);
#else
    for (int i = 0; i < 8; i++)
        w->p[i] = (uint8_t)(top >> (56 - 8 * i));
#endif
    w->p += w->n >> 3;
    w->n &= 7;
}

/* The last partial byte of a raw stream, if any. */
static inline void ll_raw_finish(LlRawWriter *w, ImzBuf *b)
{
    if (w->n)
        imz_buf_put_u8(b, (unsigned)(w->acc << (8 - w->n)) & 0xff);
    w->n = 0;
}

/* imz_bitr_get0 for a caller that knows 8 bytes past the reader's position are in its input:
 * the refill is one 8-byte load. The bits it leaves below the valid ones are the stream's next
 * bits, which a later imz_bitr_refill ORs in again unchanged. */
static inline uint32_t ll_raw_get_unchecked(ImzBitReader *r, int nbits)
{
    if (r->n < nbits) {
        uint64_t w = 0;
        for (int i = 0; i < 8; i++)
            w = w << 8 | r->p[i];
        r->acc |= w >> r->n;
        r->p += (63 - r->n) >> 3;
        r->n |= 56;
    }
    uint32_t v = (uint32_t)((r->acc >> (63 - nbits)) >> 1);
    r->acc <<= nbits;
    r->n -= nbits;
    return v;
}

/** The two parts that open a group coded with tokens (§8.1, §12.1), each after its length as a
 *  varint: the tables' arithmetic-coded stream, then the raw bits. */
typedef struct LlTokenHead {
    const uint8_t *tables, *raw;
    size_t tables_len, raw_len;
} LlTokenHead;

void imz_ll_put_token_head(ImzBuf *out, const ImzBuf *tables, const ImzBuf *raw);
/** Reads them from r, pointing into its bytes. @return IMZ_OK or IMZ_ERR_TRUNCATED. */
int imz_ll_get_token_head(ImzReader *r, LlTokenHead *h);

/** Codes the token tables of n_ctx contexts, counts[k * LL_NTOK + t], into e: per context a flag
 *  for whether it is used, then its normalised table, which is also returned in sym[k]. */
void imz_ll_put_tables(ImzBacEnc *e, const uint32_t *counts, int n_ctx, ImzRansSym (*sym)[LL_NTOK]);
/** Reads what imz_ll_put_tables wrote; an unused context gets a table that yields token 0 only.
 *  @return IMZ_OK, IMZ_ERR_CORRUPT or IMZ_ERR_TRUNCATED. */
int imz_ll_get_tables(ImzBacDec *d, int n_ctx, ImzRansTable *tab);

#endif
