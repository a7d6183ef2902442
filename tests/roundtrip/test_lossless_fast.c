// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Round trips of the `lossless` codec's fast profile (effort 1, docs/format/lossless.md §12): every
// Kodak and 16-bit gray image bit-exact, with a ceiling on Kodak's size; samples that use fewer
// bits than their depth; the same stream from any thread count; and the profile's own header
// fields against hostile values. Synthetic shapes and depths at effort 1 are in test_lossless.c,
// damaged payloads at the lowest effort in test_container.c.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container/codec.h"
#include "test.h"

static const ImzOption effort1 = {"effort", "1"};

typedef struct Totals {
    double bytes, pixels;
} Totals;

static void roundtrip_one(const char *path, const ImzImage *img, void *arg)
{
    Totals *t = arg;
    ImzImage out = {0};
    size_t b = test_roundtrip(img, "lossless", &effort1, 1, &out);
    CHECK_MSG(b && test_images_equal(img, &out), "%s does not round-trip", path);
    t->bytes += (double)b;
    t->pixels += (double)img->width * img->height;
    imz_image_free(test_ctx(), &out);
}

static void dataset(const char *sub, double max_bpp)
{
    Totals t = {0, 0};
    int n = test_for_each_image(sub, roundtrip_one, &t);
    if (n < 0)
        return;
    double bpp = t.bytes * 8 / t.pixels;
    printf("  %s at effort 1: %d images, %.0f bytes, %.4f bpp\n", sub, n, t.bytes, bpp);
    if (max_bpp > 0)
        CHECK_MSG(bpp <= max_bpp, "%s at effort 1: %.4f bpp, more than %.2f", sub, bpp, max_bpp);
}

TEST(fast_kodak)
{
    dataset("kodak", 9.40);
}

TEST(fast_gray16)
{
    dataset("gray16", 0);
}

TEST(fast_samples_below_their_depth)
{
    /* 16-bit containers holding 10-bit data, and 12-bit data with one stray high value. */
    for (int k = 0; k < 2; k++) {
        ImzImage img = {0}, out = {0};
        REQUIRE(!test_make_image(&img, "gradient", 61, 37, k ? 1 : 3, 16, 9));
        for (size_t i = 0; i < imz_image_samples(&img); i++)
            img.data[i] = (uint16_t)((img.data[i] >> (k ? 4 : 6)) ^ (i % 5));
        if (k)
            img.data[100] = 65535;
        size_t b = test_roundtrip(&img, "lossless", &effort1, 1, &out);
        CHECK(b && test_images_equal(&img, &out));
        imz_image_free(test_ctx(), &out);
        imz_image_free(test_ctx(), &img);
    }
}

TEST(fast_stream_is_thread_independent)
{
    ImzImage img = {0};
    REQUIRE(!test_make_image(&img, "noise", 70, 300, 4, 8, 2));
    ImzContext *ctx = test_ctx();
    uint8_t *one = NULL, *two = NULL;
    size_t n1 = 0, n2 = 0;
    imz_set_threads(ctx, 1);
    REQUIRE(imz_encode(ctx, &img, "lossless", &effort1, 1, &one, &n1) == IMZ_OK);
    imz_set_threads(ctx, 4);
    REQUIRE(imz_encode(ctx, &img, "lossless", &effort1, 1, &two, &n2) == IMZ_OK);
    /* Each stream decodes the same with any thread count. */
    for (int t = 1; t <= 3; t++) {
        imz_set_threads(ctx, t);
        ImzImage out = {0};
        CHECK(imz_decode(ctx, one, n1, &out) == IMZ_OK && test_images_equal(&img, &out));
        imz_image_free(ctx, &out);
        CHECK(imz_decode(ctx, two, n2, &out) == IMZ_OK && test_images_equal(&img, &out));
        imz_image_free(ctx, &out);
    }
    imz_set_threads(ctx, 1);
    imz_free(ctx, one);
    imz_free(ctx, two);
    imz_image_free(ctx, &img);
}

TEST(fast_header_fields_are_checked)
{
    /* Rewriting the profile's header bytes (colour transform, bits in use, group count) must give
     * a clean error or a valid image, never a crash. The payload goes straight to the codec, so
     * no container CRC stops the damage first. */
    ImzImage img = {0};
    REQUIRE(!test_make_image(&img, "noise", 40, 33, 3, 8, 4));
    ImzContext *ctx = test_ctx();
    uint8_t *file = NULL;
    size_t len = 0;
    REQUIRE(imz_encode(ctx, &img, "lossless", &effort1, 1, &file, &len) == IMZ_OK);
    ImzInfo info;
    REQUIRE(imz_read_info(ctx, file, len, &info) == IMZ_OK && info.n_chunks == 1);
    /* payload: version, mode (3), rct, bits, groups ... */
    const uint8_t *payload = file + info.header_bytes + 4;
    size_t n = info.payload_bytes;
    CHECK_EQ(payload[1], 3);
    const ImzCodec *codec = imz_codec_by_name("lossless");
    static const uint8_t values[] = {0, 1, 5, 6, 7, 8, 9, 15, 16, 17, 100, 255};
    for (int field = 2; field <= 4; field++)
        for (size_t v = 0; v < sizeof values; v++) {
            uint8_t *copy = malloc(n);
            REQUIRE(copy);
            memcpy(copy, payload, n);
            copy[field] = values[v];
            ImzImage out = {0};
            REQUIRE(imz_image_alloc(ctx, &out, img.width, img.height, 3, 8) == IMZ_OK);
            int st = codec->decode(ctx, NULL, 0, copy, n, &out);
            CHECK_MSG(st == IMZ_OK || st == IMZ_ERR_CORRUPT || st == IMZ_ERR_TRUNCATED,
                      "field %d = %u gave %d", field, values[v], st);
            imz_image_free(ctx, &out);
            free(copy);
        }
    imz_free(ctx, file);
    imz_image_free(ctx, &img);
}
