// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// A small data producer for the fuzz targets: one input chooses the shape, codec and settings as
// well as the pixels. Numbers are taken from the front of the input and run out gracefully (the
// minimum of the range once the input is exhausted), so every input, however short, is usable.

#ifndef IMZ_FUZZ_PRODUCER_H
#define IMZ_FUZZ_PRODUCER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct FuzzProducer {
    const uint8_t *data;
    size_t len, pos;
} FuzzProducer;

static inline void producer_init(FuzzProducer *p, const uint8_t *data, size_t len)
{
    p->data = data;
    p->len = len;
    p->pos = 0;
}

static inline size_t producer_remaining(const FuzzProducer *p)
{
    return p->len - p->pos;
}

/* A number in [lo, hi] from as few bytes as the range needs. */
static inline uint32_t producer_u32_range(FuzzProducer *p, uint32_t lo, uint32_t hi)
{
    uint64_t span = (uint64_t)hi - lo + 1, v = 0;
    for (uint64_t seen = 1; seen < span && p->pos < p->len; seen <<= 8)
        v = (v << 8) | p->data[p->pos++];
    return lo + (uint32_t)(v % span);
}

/* Up to n bytes; returns how many were copied (the rest of out is zeroed). */
static inline size_t producer_bytes(FuzzProducer *p, void *out, size_t n)
{
    size_t k = producer_remaining(p) < n ? producer_remaining(p) : n;
    memcpy(out, p->data + p->pos, k);
    memset((uint8_t *)out + k, 0, n - k);
    p->pos += k;
    return k;
}

#endif
