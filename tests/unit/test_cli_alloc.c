// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The command line's allocator (tools/cli_alloc.c): small blocks from malloc, large ones mapped on
// huge-page boundaries. Both kinds must hold their bytes, be freed by the same call and serve a
// context and the image writers exactly as malloc does.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli.h"
#include "test.h"

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 131u + seed + (i >> 12));
}

static int same(const uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(i * 131u + seed + (i >> 12)))
            return 0;
    return 1;
}

TEST(blocks_of_every_kind_hold_their_bytes)
{
    static const size_t sizes[] = {0, 1, 24, 4096, (1u << 20) - 1, 1u << 20, (3u << 20) + 123,
                                   5u << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        const size_t n = sizes[k];
        uint8_t *p = imz_cli_alloc(n);
        REQUIRE(p != NULL);
        CHECK_MSG((uintptr_t)p % _Alignof(max_align_t) == 0, "block of %zu bytes misaligned", n);
        fill(p, n, (unsigned)k);
        CHECK_MSG(same(p, n, (unsigned)k), "block of %zu bytes lost its bytes", n);
        imz_cli_free(p);
    }
    imz_cli_free(NULL);
}

TEST(realloc_keeps_the_common_prefix_across_kinds)
{
    /* small -> large -> small, the way a growing stdin buffer and a trimmed result move */
    uint8_t *p = imz_cli_alloc(1000);
    REQUIRE(p != NULL);
    fill(p, 1000, 7);
    p = imz_cli_realloc(p, 1000, (size_t)3 << 20);
    REQUIRE(p != NULL);
    CHECK(same(p, 1000, 7));
    fill(p, (size_t)3 << 20, 9);
    p = imz_cli_realloc(p, (size_t)3 << 20, 5000);
    REQUIRE(p != NULL);
    CHECK(same(p, 5000, 9));
    imz_cli_free(p);
    uint8_t *q = imz_cli_realloc(NULL, 0, 64);
    CHECK(q != NULL);
    imz_cli_free(q);
}

TEST(a_context_and_the_writers_run_on_it)
{
    ImzContext *ctx = NULL;
    REQUIRE(imz_context_create(&ctx, &imz_cli_allocator) == IMZ_OK);
    ImzImage img;
    memset(&img, 0, sizeof img);
    REQUIRE(imz_image_alloc(ctx, &img, 1024, 700, 3, 8) == IMZ_OK); /* 4.3 MB: mapped */
    for (size_t i = 0; i < (size_t)1024 * 700 * 3; i++)
        img.data[i] = (uint16_t)((i * 7 + (i >> 10)) & 0xff);
    uint8_t *enc = NULL;
    size_t enc_len = 0;
    ImzOption e1 = {"effort", "1"};
    REQUIRE(imz_encode(ctx, &img, "lossless", &e1, 1, &enc, &enc_len) == IMZ_OK);
    ImzImage back;
    memset(&back, 0, sizeof back);
    REQUIRE(imz_decode(ctx, enc, enc_len, &back) == IMZ_OK);
    CHECK(memcmp(back.data, img.data, (size_t)1024 * 700 * 3 * sizeof(uint16_t)) == 0);

    uint8_t *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    char err[200];
    static const ImzFileFormat fmts[] = {IMZ_FMT_PNM, IMZ_FMT_PAM, IMZ_FMT_PNG};
    for (int f = 0; f < 3; f++) {
        REQUIRE(imz_write_image(&img, fmts[f], &a, &a_len, err, sizeof err) == IMZ_OK);
        REQUIRE(imz_write_image_alloc(&img, fmts[f], &imz_cli_allocator, &b, &b_len, err,
                                      sizeof err) == IMZ_OK);
        CHECK(a_len == b_len && memcmp(a, b, a_len) == 0);
        free(a);
        imz_cli_free(b);
    }
    imz_free(ctx, enc);
    imz_image_free(ctx, &back);
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A file may announce a huge image over a few bytes of data: its zero-filled image must not be
 * cleared (and paid for) up front, only where the decoder writes before it gives up. */
TEST(zeroed_blocks_are_not_touched_up_front)
{
#if defined(__SANITIZE_ADDRESS__)
    SKIP("AddressSanitizer keeps its own accounting of large blocks");
#else
    ImzContext *ctx = NULL;
    REQUIRE(imz_context_create(&ctx, &imz_cli_allocator) == IMZ_OK);
    imz_set_max_pixels(ctx, (uint64_t)1 << 28);
    const long before = peak_kib();
    ImzImage img;
    memset(&img, 0, sizeof img);
    REQUIRE(imz_image_alloc(ctx, &img, 16384, 16384, 4, 16) == IMZ_OK); /* 2 GiB */
    const size_t n = (size_t)16384 * 16384 * 4;
    CHECK(img.data[0] == 0 && img.data[n / 2] == 0 && img.data[n - 1] == 0);
    const long grown = peak_kib() - before;
    CHECK_MSG(grown < 64 * 1024, "a 2 GiB image took %ld KiB of memory", grown);
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
#endif
}
