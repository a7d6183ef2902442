// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Small integer helpers shared by every module.

#ifndef IMZ_COMMON_INTOPS_H
#define IMZ_COMMON_INTOPS_H

#include <stdint.h>

/* For the few functions that are written once for both coding directions and must be expanded
 * into each caller, so that the direction becomes a constant. */
#if defined(__GNUC__)
#define IMZ_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define IMZ_ALWAYS_INLINE inline
#endif

/* For the hot integer kernels of the lossy codec: built twice on x86-64, for AVX2 and for the
 * baseline, with the version chosen by the loader for the running CPU (function
 * multiversioning). The arithmetic is the same in both, so are the bytes; tests/simd checks it
 * against a build with IMZ_PORTABLE, which keeps only the baseline. Only static functions carry
 * it (an exported kernel is a plain wrapper around one): callers in other files, and the
 * portable test build, then see ordinary symbols with any compiler.
 * IMZ_SIMD_CLONES_V3 is the same for the lossless row coders, with the whole x86-64-v3 level
 * (AVX2 with BMI2 and LZCNT), which the loader picks only where the processor has all of it:
 * they gain more from it than from AVX2 alone (src/codec/lossless/ll_model.c). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && !defined(IMZ_PORTABLE)
#define IMZ_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#define IMZ_SIMD_CLONES_V3 __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define IMZ_SIMD_CLONES
#define IMZ_SIMD_CLONES_V3
#endif

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline int iclip(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
static inline int iabs(int v) { return v < 0 ? -v : v; }

/** floor(log2(v)) for v > 0. */
static inline int ulog2(uint32_t v) { return 31 - __builtin_clz(v); }

/** Index of the lowest set bit of v > 0. */
static inline int ctz64(uint64_t v) { return __builtin_ctzll(v); }

/** floor(sqrt(v)), exactly: one result bit per step, from the highest. */
static inline uint32_t usqrt64(uint64_t v)
{
    if (!v)
        return 0;
    uint64_t r = 0;
    for (uint64_t b = (uint64_t)1 << ((63 - __builtin_clzll(v)) & ~1); b; b >>= 2) {
        if (v >= r + b) {
            v -= r + b;
            r = (r >> 1) + b;
        } else {
            r >>= 1;
        }
    }
    return (uint32_t)r;
}

/** Little-endian loads and stores, independent of the host's byte order. */
static inline uint32_t rd_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint16_t rd_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline void wr_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void wr_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

#endif
