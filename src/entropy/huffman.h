// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Canonical, length-limited Huffman coding for alphabets of up to IMZ_HUFF_MAX_SYMBOLS symbols.
// Codes are written MSB-first through bits.h. The code-length table is itself stored in the
// stream (docs/FORMAT.md §4.1) so every coded size counts the table. The decoder accepts only
// complete prefix codes (Kraft sum exactly 1, or a single symbol), so every bit pattern decodes
// to some symbol and corrupt tables are detected when read.

#ifndef IMZ_ENTROPY_HUFFMAN_H
#define IMZ_ENTROPY_HUFFMAN_H

#include <stdint.h>

#include "bitio/bits.h"
#include "common/context.h"

#define IMZ_HUFF_MAX_LEN 24
#define IMZ_HUFF_MAX_SYMBOLS (1 << 17)
#define IMZ_HUFF_LUT_BITS 11

typedef struct ImzHuffEnc {
    int n;          /* alphabet size */
    int single;     /* the only symbol when exactly one is used (coded with 0 bits), else -1 */
    uint8_t *len;   /* code length per symbol, 0 = unused (or the single symbol) */
    uint32_t *code; /* canonical code, right-aligned */
} ImzHuffEnc;

typedef struct ImzHuffDec {
    int n;
    int max_len;
    uint32_t *lut;     /* IMZ_HUFF_LUT_BITS-bit lookup: symbol << 6 | 32 | length; 0 = long */
    uint32_t *sorted;  /* symbols in canonical order */
    uint32_t first[IMZ_HUFF_MAX_LEN + 2];  /* first canonical code of each length */
    uint32_t count[IMZ_HUFF_MAX_LEN + 2];  /* number of codes of each length */
    uint32_t offset[IMZ_HUFF_MAX_LEN + 2]; /* index in `sorted` of each length's first code */
} ImzHuffDec;

/**
 * Builds code lengths (<= max_len) minimising the coded size of `freq` over n symbols, and the
 * canonical codes. Symbols with zero frequency get no code. Returns IMZ_OK or IMZ_ERR_NOMEM.
 */
int imz_huff_enc_build(ImzContext *ctx, ImzHuffEnc *h, const uint32_t *freq, int n, int max_len);
void imz_huff_enc_free(ImzContext *ctx, ImzHuffEnc *h);
/** Writes the code-length table. */
void imz_huff_write_table(ImzBitWriter *w, const ImzHuffEnc *h);
/** Total bits the payload of `freq` takes with this code (the table not included). */
uint64_t imz_huff_cost(const ImzHuffEnc *h, const uint32_t *freq);

static inline void imz_huff_put(ImzBitWriter *w, const ImzHuffEnc *h, int sym)
{
    imz_bitw_put(w, h->code[sym], h->len[sym]);
}

/** Reads a table written by imz_huff_write_table for an alphabet of n symbols. */
int imz_huff_read_table(ImzContext *ctx, ImzHuffDec *h, ImzBitReader *r, int n);
void imz_huff_dec_free(ImzContext *ctx, ImzHuffDec *h);

/** Decodes one symbol of a code longer than IMZ_HUFF_LUT_BITS (slow path); -1 if none. */
int imz_huff_get_slow(const ImzHuffDec *h, ImzBitReader *r);

/** Decodes one symbol; -1 when the table has no symbols at all (a corrupt stream). */
static inline int imz_huff_get(const ImzHuffDec *h, ImzBitReader *r)
{
    uint32_t e = h->lut[imz_bitr_peek(r, IMZ_HUFF_LUT_BITS)];
    if (e) {
        imz_bitr_skip(r, (int)(e & 31));
        return (int)(e >> 6);
    }
    return imz_huff_get_slow(h, r);
}

#endif
