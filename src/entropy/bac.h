// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Adaptive binary arithmetic coder: a carry-propagating range coder over 32-bit ranges (the LZMA
// construction) with 16-bit probabilities, plus the adaptive probability cells that feed it.
// Direction: forward on both sides; the encoder appends bytes to an ImzBuf, the decoder reads them
// in the same order. Buffer contract: the encoder never writes anywhere but through the ImzBuf
// (sticky on allocation failure: check buf->status once at the end); the decoder never reads
// outside [p, end). End of stream: imz_bac_enc_finish writes the last 5 bytes, after which the
// decoder has consumed exactly the bytes the encoder wrote. A decoder that runs past the end reads
// zero bytes and counts them in `overrun`, so truncated or corrupt input stays memory-safe and is
// detected by checking `overrun` (and the caller's own consistency checks) when decoding ends.
// The coder knows nothing about images.

#ifndef IMZ_ENTROPY_BAC_H
#define IMZ_ENTROPY_BAC_H

#include <stddef.h>
#include <stdint.h>

#include "bitio/buf.h"

#define IMZ_BAC_PROB_BITS 16
#define IMZ_BAC_TOP (1u << 24)

/** Encoder state. The first output byte is always 0 (the initial carry cache); the format keeps it.
 */
typedef struct ImzBacEnc {
    uint64_t low;
    uint32_t range;
    uint8_t cache;
    uint64_t pending; /* bytes of 0xff waiting for a possible carry, plus the cache byte */
    ImzBuf *out;
} ImzBacEnc;

typedef struct ImzBacDec {
    uint32_t range, code;
    const uint8_t *p, *end;
    size_t overrun; /* bytes requested past the end (read as zeros) */
} ImzBacDec;

static inline void imz_bac_enc_init(ImzBacEnc *e, ImzBuf *out)
{
    e->low = 0;
    e->range = 0xffffffffu;
    e->cache = 0;
    e->pending = 1;
    e->out = out;
}

static inline void imz_bac_put_byte(ImzBuf *b, unsigned v)
{
    if (b->len < b->cap)
        b->data[b->len++] = (uint8_t)v;
    else
        imz_buf_put_u8(b, v);
}

static inline void imz_bac_shift_low(ImzBacEnc *e)
{
    if ((uint32_t)e->low < 0xff000000u || (e->low >> 32) != 0) {
        unsigned carry = (unsigned)(e->low >> 32);
        uint8_t c = e->cache;
        do {
            imz_bac_put_byte(e->out, (uint8_t)(c + carry));
            c = 0xff;
        } while (--e->pending != 0);
        e->cache = (uint8_t)(e->low >> 24);
    }
    e->pending++;
    e->low = (e->low & 0x00ffffffu) << 8;
}

/** Codes `bit` where p1 (1..65535) is the probability of a 1 in units of 2^-16. */
static inline void imz_bac_enc_bit(ImzBacEnc *e, int bit, uint32_t p1)
{
    uint32_t bound = (e->range >> IMZ_BAC_PROB_BITS) * p1;
    if (bit) {
        e->range = bound;
    } else {
        e->low += bound;
        e->range -= bound;
    }
    while (e->range < IMZ_BAC_TOP) {
        e->range <<= 8;
        imz_bac_shift_low(e);
    }
}

/** Codes the low `n` bits of v (n <= 16), MSB first, each with probability one half. */
static inline void imz_bac_enc_raw(ImzBacEnc *e, uint32_t v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        imz_bac_enc_bit(e, (v >> i) & 1, 1u << 15);
}

/** Flushes the coder; after this the output holds the complete stream. */
static inline void imz_bac_enc_finish(ImzBacEnc *e)
{
    for (int i = 0; i < 5; i++)
        imz_bac_shift_low(e);
}

static inline unsigned imz_bac_next_byte(ImzBacDec *d)
{
    if (d->p < d->end)
        return *d->p++;
    d->overrun++;
    return 0;
}

static inline void imz_bac_dec_init(ImzBacDec *d, const uint8_t *p, size_t n)
{
    d->p = p;
    d->end = p + n;
    d->overrun = 0;
    d->range = 0xffffffffu;
    d->code = 0;
    for (int i = 0; i < 5; i++)
        d->code = (d->code << 8) | imz_bac_next_byte(d);
}

static inline int imz_bac_dec_bit(ImzBacDec *d, uint32_t p1)
{
    uint32_t bound = (d->range >> IMZ_BAC_PROB_BITS) * p1;
    int bit;
    if (d->code < bound) {
        d->range = bound;
        bit = 1;
    } else {
        d->code -= bound;
        d->range -= bound;
        bit = 0;
    }
    while (d->range < IMZ_BAC_TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | imz_bac_next_byte(d);
    }
    return bit;
}

/* imz_bac_dec_bit with selects instead of a branch on the bit, for callers whose bits are as
 * unpredictable as the data (coefficient flags), where a mispredicted branch costs more than
 * computing both outcomes. Same result. */
static inline int imz_bac_dec_bit_select(ImzBacDec *d, uint32_t p1)
{
    const uint32_t bound = (d->range >> IMZ_BAC_PROB_BITS) * p1;
    const int bit = d->code < bound;
    const uint32_t m = 0u - (uint32_t)bit; /* all ones for a 1 */
    d->code -= bound & ~m;
    d->range = (bound & m) | ((d->range - bound) & ~m);
    while (d->range < IMZ_BAC_TOP) {
        d->range <<= 8;
        d->code = (d->code << 8) | imz_bac_next_byte(d);
    }
    return bit;
}

static inline uint32_t imz_bac_dec_raw(ImzBacDec *d, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 1) | (uint32_t)imz_bac_dec_bit(d, 1u << 15);
    return v;
}

/* ---- Adaptive probability cells ----------------------------------------------------------------
 * A cell holds two estimates of P(1) in 2^-16 units that adapt at different speeds, and a hit
 * count. Each estimate moves toward the coded bit by (target - p) * rate, where the rate starts at
 * 1/2 and falls as 1/(n + 2) until it reaches the estimate's floor 2^-shift, so a fresh context
 * learns as fast as a frequency count and an old one tracks drift. The coded probability is the
 * mean of the two, clamped to [32, 65504]. All arithmetic is integer and exactly specified in
 * docs/format/lossless.md §4. */

typedef struct ImzBacCell {
    uint16_t fast, slow;
    uint16_t n;
} ImzBacCell;

#define IMZ_BAC_FAST_SHIFT 4
#define IMZ_BAC_SLOW_SHIFT 7
#define IMZ_BAC_COUNT_MAX 255

/** 65536 / (n + 2), the count-based learning rate, for n = 0..IMZ_BAC_COUNT_MAX. */
extern const uint16_t imz_bac_rate[IMZ_BAC_COUNT_MAX + 1];

static inline void imz_bac_cell_init(ImzBacCell *c)
{
    c->fast = c->slow = 32768;
    c->n = 0;
}

static inline uint32_t imz_bac_cell_p(const ImzBacCell *c)
{
    uint32_t p = ((uint32_t)c->fast + c->slow + 1) >> 1;
    return p < 32 ? 32 : p > 65504 ? 65504 : p;
}

static inline void imz_bac_cell_update(ImzBacCell *c, int bit)
{
    int32_t target = bit ? 65535 : 0;
    uint32_t r = imz_bac_rate[c->n];
    int32_t rf = (int32_t)(r > (65536u >> IMZ_BAC_FAST_SHIFT) ? r : (65536u >> IMZ_BAC_FAST_SHIFT));
    int32_t rs = (int32_t)(r > (65536u >> IMZ_BAC_SLOW_SHIFT) ? r : (65536u >> IMZ_BAC_SLOW_SHIFT));
    c->fast = (uint16_t)(c->fast + (((target - c->fast) * rf) >> 16));
    c->slow = (uint16_t)(c->slow + (((target - c->slow) * rs) >> 16));
    if (c->n < IMZ_BAC_COUNT_MAX)
        c->n++;
}

static inline void imz_bac_put(ImzBacEnc *e, ImzBacCell *c, int bit)
{
    imz_bac_enc_bit(e, bit, imz_bac_cell_p(c));
    imz_bac_cell_update(c, bit);
}

static inline int imz_bac_get(ImzBacDec *d, ImzBacCell *c)
{
    int bit = imz_bac_dec_bit(d, imz_bac_cell_p(c));
    imz_bac_cell_update(c, bit);
    return bit;
}

/** imz_bac_get through imz_bac_dec_bit_select. */
static inline int imz_bac_get_select(ImzBacDec *d, ImzBacCell *c)
{
    int bit = imz_bac_dec_bit_select(d, imz_bac_cell_p(c));
    imz_bac_cell_update(c, bit);
    return bit;
}

#endif
