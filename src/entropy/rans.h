// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Static range asymmetric numeral system (rANS) coder: symbols of small alphabets (at most
// IMZ_RANS_MAX_SYMS) under fixed frequency tables that sum to 2^IMZ_RANS_SCALE_BITS. It trades the
// adaptivity of the binary coder in bac.h for speed: a decoded symbol costs one table look-up, one
// multiply and at most one 16-bit read, and an encoded one two multiplies (division by the
// frequency is a multiplication by its precomputed reciprocal, exact for states below 2^31).
// Direction: the encoder runs backwards over the symbols (ANS is last-in first-out) and writes
// 16-bit words from the end of its buffer towards the front; the decoder then reads forwards.
// Buffer contract: the decoder never reads outside [p, end); past the end it reads zeros and
// counts them in `overrun`. A valid stream leaves the state at IMZ_RANS_L after the last symbol,
// which imz_rans_dec_done() checks. The coder knows nothing about images.

#ifndef IMZ_ENTROPY_RANS_H
#define IMZ_ENTROPY_RANS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/intops.h"
#include "entropy/bac.h"

#define IMZ_RANS_SCALE_BITS 10
#define IMZ_RANS_SCALE (1u << IMZ_RANS_SCALE_BITS)
#define IMZ_RANS_L (1u << 15) /* the state stays in [L, 2^31) */
#define IMZ_RANS_MAX_SYMS 64

/** One symbol of a table: its frequency and the sum of the frequencies before it. */
typedef struct ImzRansSym {
    uint16_t freq, cum;
} ImzRansSym;

/** A decoding table: slot (state mod 2^12) -> symbol, plus the symbols' frequencies. */
typedef struct ImzRansTable {
    uint8_t slot_sym[IMZ_RANS_SCALE];
    ImzRansSym sym[IMZ_RANS_MAX_SYMS];
} ImzRansTable;

/**
 * Scales counts[0..n-1] to frequencies that sum to IMZ_RANS_SCALE; every symbol that occurs keeps
 * a frequency of at least 1. An all-zero histogram gets all of the scale on symbol 0.
 */
void imz_rans_normalize(const uint32_t *counts, int n, ImzRansSym *out);

/** Codes one table of n symbols (n <= IMZ_RANS_MAX_SYMS) with the adaptive binary coder; `cells`
 *  (IMZ_RANS_TABLE_CELLS of them, initialised by the caller) carry statistics across tables. */
void imz_rans_put_table(ImzBacEnc *e, ImzBacCell *cells, const ImzRansSym *sym, int n);
/** Reads a table written by imz_rans_put_table and builds its slot map.
 *  @return 0, or -1 if the frequencies do not sum to IMZ_RANS_SCALE. */
int imz_rans_get_table(ImzBacDec *d, ImzBacCell *cells, int n, ImzRansTable *t);
/** Number of adaptive cells the table coder needs. */
#define IMZ_RANS_TABLE_CELLS (IMZ_RANS_MAX_SYMS + 14 * 14)

/* ---- Encoder ------------------------------------------------------------------------------- */

/** A symbol prepared for encoding: x -> (x / freq) * 2^scale + x % freq + cum, computed as
 *  x + bias + q * (2^scale - freq) with q = (x * rcp_freq) >> rcp_shift = x / freq from a 32-bit
 *  reciprocal. */
typedef struct ImzRansEncSym {
    uint32_t x_max; /* renormalise when the state reaches this */
    uint32_t rcp_freq, bias;
    uint16_t cmpl_freq, rcp_shift;
} ImzRansEncSym;

static inline void imz_rans_enc_sym_init(ImzRansEncSym *e, ImzRansSym s)
{
    e->x_max = ((IMZ_RANS_L >> IMZ_RANS_SCALE_BITS) << 16) * s.freq;
    e->cmpl_freq = (uint16_t)(IMZ_RANS_SCALE - s.freq);
    if (s.freq < 2) {
        /* x / 1 = x: a reciprocal of 2^32 - 1 with the bias absorbing the difference */
        e->rcp_freq = ~0u;
        e->rcp_shift = 32;
        e->bias = s.cum + IMZ_RANS_SCALE - 1;
    } else {
        uint32_t shift = 0;
        while (s.freq > (1u << shift))
            shift++;
        e->rcp_freq = (uint32_t)(((1ull << (shift + 31)) + s.freq - 1) / s.freq);
        e->rcp_shift = (uint16_t)(shift + 31);
        e->bias = s.cum;
    }
}

/** Writes backwards into [begin, *pos): the caller reserves 2 bytes per symbol plus 4, and
 *  imz_rans_enc_put may store (then discard) two bytes just below pos. */
typedef struct ImzRansEnc {
    uint32_t x;
    uint8_t *begin, *pos;
} ImzRansEnc;

static inline void imz_rans_enc_init(ImzRansEnc *e, uint8_t *begin, uint8_t *end)
{
    e->x = IMZ_RANS_L;
    e->begin = begin;
    e->pos = end;
}

static inline void imz_rans_enc_put(ImzRansEnc *e, const ImzRansEncSym *s)
{
    uint32_t x = e->x;
    /* Renormalisation without a branch (it is as unpredictable as the data): the two bytes are
     * always stored, and kept only if needed. The caller's reserve keeps pos - 2 >= begin. */
    const uint32_t out = x >= s->x_max;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint16_t lo = (uint16_t)x;
    memcpy(e->pos - 2, &lo, 2);
#else
    e->pos[-2] = (uint8_t)x;
    e->pos[-1] = (uint8_t)(x >> 8);
#endif
    e->pos -= 2 * out;
    x >>= out << 4;
    uint32_t q = (uint32_t)(((uint64_t)x * s->rcp_freq) >> s->rcp_shift);
    e->x = x + s->bias + q * s->cmpl_freq;
}

/** Writes the final state; the stream is then [e->pos, end). */
static inline void imz_rans_enc_flush(ImzRansEnc *e)
{
    e->pos -= 4;
    for (int i = 0; i < 4; i++)
        e->pos[i] = (uint8_t)(e->x >> (8 * i));
}

/* ---- Decoder ------------------------------------------------------------------------------- */

typedef struct ImzRansDec {
    uint32_t x;
    const uint8_t *p, *end;
    size_t overrun; /* bytes requested past the end (read as zeros) */
} ImzRansDec;

static inline unsigned imz_rans_byte(ImzRansDec *d)
{
    if (d->p < d->end)
        return *d->p++;
    d->overrun++;
    return 0;
}

static inline void imz_rans_dec_init(ImzRansDec *d, const uint8_t *p, size_t n)
{
    d->p = p;
    d->end = p + n;
    d->overrun = 0;
    d->x = 0;
    for (int i = 0; i < 4; i++)
        d->x |= (uint32_t)imz_rans_byte(d) << (8 * i);
}

/* always inlined: its callers' loops are large enough that a compiler may otherwise not */
static IMZ_ALWAYS_INLINE int imz_rans_dec_get(ImzRansDec *d, const ImzRansTable *t)
{
    uint32_t slot = d->x & (IMZ_RANS_SCALE - 1);
    int s = t->slot_sym[slot];
    ImzRansSym e = t->sym[s];
    uint32_t x = e.freq * (d->x >> IMZ_RANS_SCALE_BITS) + slot - e.cum;
    if (d->p + 2 <= d->end) {
        /* The usual case, without a branch on the (unpredictable) renormalisation. */
        const uint32_t in = x < IMZ_RANS_L, mask = 0u - in;
        const uint32_t w = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8;
        x = (x & ~mask) | ((x << 16 | w) & mask);
        d->p += 2 * in;
    } else if (x < IMZ_RANS_L) {
        uint32_t lo = imz_rans_byte(d);
        x = x << 16 | lo | imz_rans_byte(d) << 8;
    }
    d->x = x;
    return s;
}

/** imz_rans_dec_get for a caller that knows at least 2 bytes of the stream are left. */
static inline uint32_t imz_rans_dec_get_unchecked(ImzRansDec *d, const ImzRansTable *t)
{
    uint32_t slot = d->x & (IMZ_RANS_SCALE - 1);
    uint32_t s = t->slot_sym[slot];
    ImzRansSym e = t->sym[s];
    uint32_t x = e.freq * (d->x >> IMZ_RANS_SCALE_BITS) + slot - e.cum;
    /* a shift by 0 or 16 rather than a select, which compilers like to turn into a branch */
    const uint32_t in = x < IMZ_RANS_L;
    const uint32_t w = (uint32_t)d->p[0] | (uint32_t)d->p[1] << 8;
    d->x = x << (in << 4) | (w & (0u - in));
    d->p += 2 * in;
    return s;
}

/** 1 if the decoder consumed exactly the stream and ended in the encoder's initial state. */
static inline int imz_rans_dec_done(const ImzRansDec *d)
{
    return d->overrun == 0 && d->p == d->end && d->x == IMZ_RANS_L;
}

#endif
