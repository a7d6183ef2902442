// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// MSB-first bit writer and reader. The writer appends to an ImzBuf; imz_bitw_flush pads the last
// byte with zero bits. The reader never reads past `end`: beyond it, it feeds zero bits, and
// imz_bitr_overrun() tells the caller, which turns it into IMZ_ERR_TRUNCATED at a unit boundary.
// At most 24 bits per put/get call (the reader keeps at least 25 valid bits after a refill).

#ifndef IMZ_BITIO_BITS_H
#define IMZ_BITIO_BITS_H

#include <stdint.h>

#include "bitio/buf.h"

typedef struct ImzBitWriter {
    ImzBuf *out;
    uint64_t acc; /* pending bits, right-aligned */
    int n;        /* number of pending bits, < 8 between calls */
} ImzBitWriter;

static inline void imz_bitw_init(ImzBitWriter *w, ImzBuf *out)
{
    w->out = out;
    w->acc = 0;
    w->n = 0;
}

static inline void imz_bitw_put(ImzBitWriter *w, uint32_t v, int nbits)
{
    w->acc = (w->acc << nbits) | (v & ((1ull << nbits) - 1));
    w->n += nbits;
    if (w->n >= 8) {
        uint8_t *dst = imz_buf_reserve(w->out, 4);
        if (!dst) {
            w->n &= 7;
            return;
        }
        while (w->n >= 8) {
            w->n -= 8;
            *dst++ = (uint8_t)(w->acc >> w->n);
            w->out->len++;
        }
    }
}

static inline void imz_bitw_flush(ImzBitWriter *w)
{
    if (w->n)
        imz_bitw_put(w, 0, 8 - w->n);
}

typedef struct ImzBitReader {
    const uint8_t *p, *end;
    uint64_t acc; /* valid bits left-aligned at bit 63 */
    int n;        /* number of valid bits in acc */
    size_t pad;   /* zero bytes fed after the end of the input */
} ImzBitReader;

static inline void imz_bitr_init(ImzBitReader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->end = p + len;
    r->acc = 0;
    r->n = 0;
    r->pad = 0;
}

static inline void imz_bitr_refill(ImzBitReader *r)
{
    while (r->n <= 56) {
        uint64_t c = 0;
        if (r->p < r->end)
            c = *r->p++;
        else
            r->pad++;
        r->acc |= c << (56 - r->n);
        r->n += 8;
    }
}

/** Returns the next nbits (1..24) without consuming them. */
static inline uint32_t imz_bitr_peek(ImzBitReader *r, int nbits)
{
    if (r->n < nbits)
        imz_bitr_refill(r);
    return (uint32_t)(r->acc >> (64 - nbits));
}

static inline void imz_bitr_skip(ImzBitReader *r, int nbits)
{
    r->acc <<= nbits;
    r->n -= nbits;
}

static inline uint32_t imz_bitr_get(ImzBitReader *r, int nbits)
{
    uint32_t v = imz_bitr_peek(r, nbits);
    imz_bitr_skip(r, nbits);
    return v;
}

/** Like imz_bitr_get, but nbits may also be 0 (then 0 is returned), without a branch on it. */
static inline uint32_t imz_bitr_get0(ImzBitReader *r, int nbits)
{
    if (r->n < nbits)
        imz_bitr_refill(r);
    uint32_t v = (uint32_t)((r->acc >> (63 - nbits)) >> 1);
    imz_bitr_skip(r, nbits);
    return v;
}

/** 1 if more bits were consumed than the input holds. */
static inline int imz_bitr_overrun(const ImzBitReader *r) { return r->pad * 8 > (size_t)r->n; }

#endif
