// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Unit tests of the shared integer helpers (src/common/intops.h) that bitstreams depend on:
// their results must be exact, not merely close, on every platform.

#include "common/intops.h"
#include "test.h"

/* usqrt64 is floor(sqrt(v)): r*r <= v < (r+1)*(r+1), at the small values, around every perfect
 * square up to 2^32 (sampled) and at the top of the range. */
TEST(usqrt64_is_the_floor_of_the_square_root)
{
    int bad = 0;
    for (uint64_t v = 0; v < 70000 && bad < 5; v++) {
        uint64_t r = usqrt64(v);
        if (!(r * r <= v && (r + 1) * (r + 1) > v)) {
            CHECK_MSG(0, "usqrt64(%llu) = %llu", (unsigned long long)v, (unsigned long long)r);
            bad++;
        }
    }
    for (uint64_t k = 1; k < (1ull << 32) && bad < 5; k += k / 7 + 1) {
        const uint64_t sq = k * k;
        CHECK(usqrt64(sq) == k && usqrt64(sq - 1) == k - 1 && usqrt64(sq + 1) == k);
    }
    CHECK(usqrt64(UINT64_MAX) == 0xffffffffu);
    CHECK(usqrt64((uint64_t)1 << 62) == 1u << 31);
}
