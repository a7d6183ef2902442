// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The decoder memory bound docs/SECURITY.md §2.3 states, shared by the test that measures it on
// valid files (tests/unit/test_limits.c) and the fuzz target that asserts it on any payload
// (tests/fuzz/dec_codec.c).

#ifndef IMZ_TEST_MEM_BOUND_H
#define IMZ_TEST_MEM_BOUND_H

#include <stdint.h>

#define IMZ_MEM_K 4                    /* times the decoded image */
#define IMZ_MEM_R 240                  /* times one row of it (row coders keep rows of state) */
#define IMZ_MEM_C ((uint64_t)32 << 20) /* image-independent state */

/** Most bytes a decoder may hold for a width x height x channels image (2 bytes per sample). */
static inline uint64_t imz_mem_bound(uint64_t width, uint64_t height, uint64_t channels)
{
    uint64_t row = width * channels * 2;
    return IMZ_MEM_K * row * height + IMZ_MEM_R * row + IMZ_MEM_C;
}

#endif
