// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Round-trip tests of the `lossless` codec: every Kodak and 16-bit gray image at the default
// effort, synthetic edge cases (sizes down to 1x1, every bit depth and channel count, alpha with
// hidden colour) at efforts 1, 5 and 9, thread-count independence, determinism, and hostile input
// (truncated and corrupted streams must fail cleanly or decode without touching bad memory).

#include <stdio.h>
#include <stdlib.h>

#include "container/codec.h"
#include "imageio/imageio.h"
#include "test.h"

static const ImzCodec *codec(void)
{
    return imz_codec_by_name("lossless");
}

/* Encodes img with the codec directly; returns the payload (params must stay empty). */
static int encode(const ImzImage *img, int effort, int threads, ImzBuf *payload)
{
    ImzContext *ctx = test_ctx();
    imz_set_threads(ctx, threads);
    double opt[IMZ_MAX_CODEC_OPTIONS] = {(double)effort};
    ImzBuf params;
    imz_buf_init(&params, ctx);
    imz_buf_init(payload, ctx);
    int st = codec()->encode(ctx, img, opt, &params, payload);
    if (!st && params.len)
        st = IMZ_ERR_INTERNAL;
    imz_buf_free(&params);
    imz_set_threads(ctx, 1);
    return st;
}

static int decode(const ImzImage *shape, const uint8_t *data, size_t len, int threads,
                  ImzImage *out)
{
    ImzContext *ctx = test_ctx();
    int st =
        imz_image_alloc(ctx, out, shape->width, shape->height, shape->channels, shape->bit_depth);
    if (st)
        return st;
    imz_set_threads(ctx, threads);
    st = codec()->decode(ctx, NULL, 0, data, len, out);
    imz_set_threads(ctx, 1);
    return st;
}

/* Encodes and decodes; returns the payload size, or -1 on any failure or mismatch. */
static long roundtrip(const ImzImage *img, int effort, int enc_threads, int dec_threads)
{
    ImzBuf pay;
    if (encode(img, effort, enc_threads, &pay)) {
        imz_buf_free(&pay);
        return -1;
    }
    ImzImage out = {0};
    int st = decode(img, pay.data, pay.len, dec_threads, &out);
    long n = (!st && test_images_equal(img, &out)) ? (long)pay.len : -1;
    imz_image_free(test_ctx(), &out);
    imz_buf_free(&pay);
    return n;
}

TEST(lossless_is_registered)
{
    REQUIRE(codec() != NULL);
    CHECK_EQ(codec()->id, 16);
    CHECK(codec()->lossless);
    CHECK(imz_codec_option_index(codec(), "effort") == 0);
}

TEST(lossless_synthetic_shapes_depths_channels)
{
    REQUIRE(codec() != NULL);
    static const char *kinds[] = {"noise", "gradient", "constant", "checker", "extremes"};
    static const uint32_t sizes[][2] = {{1, 1}, {1, 9}, {9, 1}, {13, 7}, {40, 33}};
    static const int efforts[] = {1, 5, 9};
    int fails = 0, runs = 0;
    for (int e = 0; e < 3; e++)
        for (int depth = 1; depth <= 16; depth++)
            for (int ch = 1; ch <= 4; ch++)
                for (int k = 0; k < 5; k++)
                    for (int s = 0; s < 5; s++) {
                        /* Every combination at 13x7; the other sizes at a few depths. */
                        if (s != 3 && depth != 1 && depth != 8 && depth != 16 && depth != 11)
                            continue;
                        ImzImage img = {0};
                        REQUIRE(!test_make_image(&img, kinds[k], sizes[s][0], sizes[s][1], ch,
                                                 depth, (uint32_t)(depth * 31 + ch + s)));
                        long n = roundtrip(&img, efforts[e], 1, 1);
                        runs++;
                        if (n < 0) {
                            fails++;
                            CHECK_MSG(0, "%s %ux%u ch=%d depth=%d effort=%d failed", kinds[k],
                                      sizes[s][0], sizes[s][1], ch, depth, efforts[e]);
                        }
                        imz_image_free(test_ctx(), &img);
                        if (fails > 5)
                            return;
                    }
    CHECK(runs > 1000);
}

TEST(lossless_constant_and_flat_cost_almost_nothing)
{
    ImzImage img = {0};
    REQUIRE(!test_make_image(&img, "constant", 256, 256, 3, 8, 7));
    ImzBuf pay;
    REQUIRE(!encode(&img, 5, 1, &pay));
    CHECK_MSG(pay.len < 100, "constant 256x256 RGB took %zu bytes", pay.len);
    imz_buf_free(&pay);
    imz_image_free(test_ctx(), &img);
}

TEST(lossless_alpha_hidden_colour)
{
    /* Left half opaque noise-free gradient, right half fully transparent. The hidden colour is
     * kept exactly: constant in one image, noise in the other. */
    for (int hidden_noise = 0; hidden_noise < 2; hidden_noise++) {
        ImzImage img = {0};
        REQUIRE(!imz_image_alloc(test_ctx(), &img, 128, 96, 4, 8));
        uint32_t s = 5;
        for (uint32_t y = 0; y < img.height; y++)
            for (uint32_t x = 0; x < img.width; x++) {
                uint16_t *px = img.data + ((size_t)y * img.width + x) * 4;
                if (x < 64) {
                    px[0] = (uint16_t)(x * 3), px[1] = (uint16_t)(y * 2), px[2] = 77;
                    px[3] = 255;
                } else {
                    s = s * 1103515245u + 12345u;
                    uint16_t h = hidden_noise ? (uint16_t)(s >> 24) : 0;
                    px[0] = h, px[1] = (uint16_t)(h ^ 0x55), px[2] = 9, px[3] = 0;
                }
            }
        for (int e = 1; e <= 9; e += 4) {
            long n = roundtrip(&img, e, 1, 1);
            CHECK_MSG(n >= 0, "alpha image (hidden noise %d) effort %d failed", hidden_noise, e);
            if (!hidden_noise && e == 5)
                CHECK_MSG(n < 600, "transparent area costs too much: %ld bytes", n);
        }
        imz_image_free(test_ctx(), &img);
    }
}

TEST(lossless_threads_and_determinism)
{
    ImzImage img = {0};
    REQUIRE(!test_make_image(&img, "gradient", 97, 203, 3, 10, 3));
    for (size_t i = 0; i < imz_image_samples(&img); i += 7)
        img.data[i] = (uint16_t)((img.data[i] + i) & 1023);
    ImzBuf a, b;
    REQUIRE(!encode(&img, 5, 1, &a));
    REQUIRE(!encode(&img, 5, 1, &b));
    CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
    imz_buf_free(&b);
    /* Multi-group streams decode the same with any thread count, and vice versa. */
    REQUIRE(!encode(&img, 5, 3, &b));
    for (int t = 1; t <= 4; t++) {
        ImzImage out = {0};
        CHECK(!decode(&img, b.data, b.len, t, &out) && test_images_equal(&img, &out));
        imz_image_free(test_ctx(), &out);
        CHECK(!decode(&img, a.data, a.len, t, &out) && test_images_equal(&img, &out));
        imz_image_free(test_ctx(), &out);
    }
    imz_buf_free(&a);
    imz_buf_free(&b);
    imz_image_free(test_ctx(), &img);
}

TEST(lossless_hostile_input)
{
    ImzImage img = {0};
    REQUIRE(!test_make_image(&img, "gradient", 50, 40, 4, 12, 1));
    for (size_t i = 0; i < imz_image_samples(&img); i += 5)
        img.data[i] = (uint16_t)(img.data[i] ^ (i & 63));
    ImzBuf pay;
    REQUIRE(!encode(&img, 5, 2, &pay));
    /* Every truncation fails. */
    for (size_t cut = 0; cut < pay.len; cut += 1 + cut / 16) {
        ImzImage out = {0};
        CHECK_MSG(decode(&img, pay.data, cut, 1, &out) < 0, "truncated to %zu decoded", cut);
        imz_image_free(test_ctx(), &out);
    }
    /* Corruption fails or decodes, never crashes (the sanitizer build checks memory). */
    uint8_t *bad = malloc(pay.len);
    REQUIRE(bad);
    uint32_t s = 1;
    for (int t = 0; t < 300; t++) {
        memcpy(bad, pay.data, pay.len);
        for (int k = 0; k < 1 + t % 4; k++) {
            s = s * 1103515245u + 12345u;
            bad[(s >> 8) % pay.len] ^= (uint8_t)(1 + (s >> 24) % 255);
        }
        ImzImage out = {0};
        (void)decode(&img, bad, pay.len, 1 + t % 2, &out);
        imz_image_free(test_ctx(), &out);
    }
    free(bad);
    imz_buf_free(&pay);
    imz_image_free(test_ctx(), &img);
}

static int load_png(const char *path, ImzImage *img)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    int st = -1;
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        char err[128];
        st = imz_read_image(test_ctx(), buf, (size_t)n, img, err, sizeof err);
    }
    free(buf);
    fclose(f);
    return st;
}

static void dataset(const char *sub)
{
    REQUIRE(codec() != NULL);
    const char *dir = test_data_dir(sub);
    if (!dir)
        SKIP("../shared/data/%s not found (set IMZ_SHARED_DATA)", sub);
    char *names[64];
    int n = test_list_png(dir, names, 64);
    if (!n)
        SKIP("no PNG files in %s", dir);
    double bytes = 0, pixels = 0;
    for (int i = 0; i < n; i++) {
        ImzImage img = {0};
        CHECK_MSG(!load_png(names[i], &img), "cannot read %s", names[i]);
        if (img.data) {
            long b = roundtrip(&img, 5, 1, 1);
            CHECK_MSG(b >= 0, "%s does not round-trip", names[i]);
            bytes += (double)b;
            pixels += (double)img.width * img.height;
        }
        imz_image_free(test_ctx(), &img);
        free(names[i]);
    }
    printf("  %s: %d images, %.0f payload bytes, %.4f bpp\n", sub, n, bytes, bytes * 8 / pixels);
}

TEST(lossless_kodak)
{
    dataset("kodak");
}

TEST(lossless_gray16)
{
    dataset("gray16");
}

TEST(lossless_through_container)
{
    ImzImage img = {0};
    REQUIRE(!test_make_image(&img, "gradient", 31, 17, 2, 16, 4));
    uint8_t *file = NULL;
    size_t len = 0;
    ImzOption opt = {"effort", "3"};
    int st = imz_encode(test_ctx(), &img, "lossless", &opt, 1, &file, &len);
    CHECK_EQ(st, IMZ_OK);
    if (!st) {
        ImzImage out = {0};
        CHECK_EQ(imz_decode(test_ctx(), file, len, &out), IMZ_OK);
        CHECK(test_images_equal(&img, &out));
        imz_image_free(test_ctx(), &out);
    }
    imz_free(test_ctx(), file);
    imz_image_free(test_ctx(), &img);
}
