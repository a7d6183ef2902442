// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Deterministic pseudo-random numbers for encoders (k-means seeding, sampling, dithering): the
// state is seeded from a user-visible 64-bit seed with splitmix64 and advanced with xoshiro256**.
// The state lives in the caller's ImzRng, so there is no global state and a given seed always
// gives the same sequence on every platform.

#ifndef IMZ_COMMON_RNG_H
#define IMZ_COMMON_RNG_H

#include <stdint.h>

typedef struct ImzRng {
    uint64_t s[4];
} ImzRng;

static inline uint64_t imz_rng_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void imz_rng_seed(ImzRng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = imz_rng_splitmix64(&seed);
}

static inline uint64_t imz_rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t imz_rng_next(ImzRng *r)
{
    uint64_t *s = r->s;
    const uint64_t out = imz_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = imz_rng_rotl(s[3], 45);
    return out;
}

/** Uniform double in [0, 1) with 53 random bits. */
static inline double imz_rng_uniform(ImzRng *r)
{
    return (double)(imz_rng_next(r) >> 11) * 0x1p-53;
}

/** Uniform integer in [0, n) for 1 <= n <= 2^32 (multiply-shift; the bias is below n / 2^32). */
static inline uint32_t imz_rng_below(ImzRng *r, uint64_t n)
{
    return (uint32_t)(((imz_rng_next(r) >> 32) * n) >> 32);
}

#endif
