// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The container and every codec's decoder against damaged files: a valid .imz truncated at every
// byte and with random bit flips must fail cleanly (or, for flips the CRCs cannot see, which do not
// exist for single flips, decode to the right shape). Plus header fields, options and limits.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"
#include "imageio/imageio.h"
#include "test.h"

static uint32_t rng_state = 12345;
static uint32_t next_rand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void damage_all(const char *codec, const ImzImage *img)
{
    ImzContext *ctx = test_ctx();
    uint8_t *buf;
    size_t len;
    REQUIRE(imz_encode(ctx, img, codec, NULL, 0, &buf, &len) == IMZ_OK);
    ImzImage out;
    CHECK_EQ(imz_decode(ctx, buf, len, &out), IMZ_OK);
    imz_image_free(ctx, &out);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size so ASan sees over-reads */
        memcpy(copy, buf, cut);
        int st = imz_decode(ctx, copy, cut, &out);
        CHECK_MSG(st == IMZ_ERR_TRUNCATED || st == IMZ_ERR_CORRUPT,
                  "%s: truncated to %zu of %zu bytes gave %d", codec, cut, len, st);
        CHECK_MSG(out.data == NULL, "%s: image left allocated after failure", codec);
        CHECK(strlen(imz_last_error(ctx)) > 0);
        free(copy);
    }
    uint8_t *copy = malloc(len);
    for (int trial = 0; trial < 300; trial++) {
        memcpy(copy, buf, len);
        int flips = 1 + (int)(next_rand() % 3);
        for (int f = 0; f < flips; f++)
            copy[next_rand() % len] ^= (uint8_t)(1u << (next_rand() % 8));
        int st = imz_decode(ctx, copy, len, &out);
        if (memcmp(copy, buf, len) == 0) {
            CHECK_EQ(st, IMZ_OK); /* flips cancelled out */
        } else {
            CHECK_MSG(st < 0, "%s: bit flips not detected", codec);
        }
        imz_image_free(ctx, &out);
    }
    free(copy);
    imz_free(ctx, buf);
}

/* Rebuilds a single-chunk file around a (damaged) payload with valid CRCs, so that the damage
 * reaches the codec's own decoder instead of being stopped by the container's checksums. */
static size_t reframe(const uint8_t *file, size_t header_bytes, const uint8_t *payload, size_t n,
                      uint8_t *out)
{
    memcpy(out, file, header_bytes);
    uint8_t len4[4] = {(uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24)};
    memcpy(out + header_bytes, len4, 4);
    memcpy(out + header_bytes + 4, payload, n);
    uint32_t crc = imz_crc32c(imz_crc32c(0, len4, 4), payload, n);
    uint8_t *p = out + header_bytes + 4 + n;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(crc >> (8 * i));
    static const uint8_t end_chunk[8] = {0, 0, 0, 0, 0xc7, 0x4b, 0x67, 0x48}; /* CRC of 4 zeros */
    memcpy(p + 4, end_chunk, 8);
    return header_bytes + 4 + n + 4 + 8;
}

/* The statuses a decoder may give for damaged data: anything else is a bug. */
static int clean_failure(int st)
{
    return st == IMZ_ERR_CORRUPT || st == IMZ_ERR_TRUNCATED || st == IMZ_ERR_UNSUPPORTED ||
           st == IMZ_ERR_LIMIT;
}

static void damage_payload(const char *codec, const ImzImage *img, const ImzOption *opts,
                           int n_opts)
{
    ImzContext *ctx = test_ctx();
    uint8_t *buf;
    size_t len;
    REQUIRE(imz_encode(ctx, img, codec, opts, n_opts, &buf, &len) == IMZ_OK);
    ImzInfo info;
    REQUIRE(imz_read_info(ctx, buf, len, &info) == IMZ_OK);
    REQUIRE(info.n_chunks <= 1);
    const uint8_t *payload = buf + info.header_bytes + 4;
    size_t n = info.payload_bytes;
    uint8_t *damaged = malloc(n + 1), *file = malloc(len + 16);
    ImzImage out;
    /* sanity: reframing the intact payload gives a valid file */
    size_t flen = reframe(buf, info.header_bytes, payload, n, file);
    CHECK_MSG(imz_decode(ctx, file, flen, &out) == IMZ_OK, "%s: reframe broken", codec);
    imz_image_free(ctx, &out);
    for (size_t cut = 0; cut < n; cut++) {
        memcpy(damaged, payload, cut);
        flen = reframe(buf, info.header_bytes, damaged, cut, file);
        uint8_t *exact = malloc(flen);
        memcpy(exact, file, flen);
        int st = imz_decode(ctx, exact, flen, &out);
        CHECK_MSG(st == IMZ_OK || clean_failure(st), "%s: payload cut to %zu gave %d", codec, cut,
                  st);
        if (st == IMZ_OK)
            CHECK(out.width == img->width && out.channels == img->channels);
        imz_image_free(ctx, &out);
        free(exact);
    }
    for (int trial = 0; trial < 300 && n; trial++) {
        memcpy(damaged, payload, n);
        int flips = 1 + (int)(next_rand() % 4);
        for (int f = 0; f < flips; f++)
            damaged[next_rand() % n] ^= (uint8_t)(1u << (next_rand() % 8));
        flen = reframe(buf, info.header_bytes, damaged, n, file);
        int st = imz_decode(ctx, file, flen, &out);
        CHECK_MSG(st == IMZ_OK || clean_failure(st), "%s: damaged payload gave %d", codec, st);
        imz_image_free(ctx, &out);
    }
    free(damaged);
    free(file);
    imz_free(ctx, buf);
}

TEST(damaged_payloads_reach_decoders_safely)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "gradient", 21, 13, 3, 8, 2) == 0);
    ImzImage img16;
    REQUIRE(test_make_image(&img16, "noise", 9, 7, 2, 16, 5) == 0);
    for (int i = 0; i < imz_codec_count(); i++) {
        ImzCodecInfo info;
        REQUIRE(imz_codec_info(i, &info) == IMZ_OK);
        damage_payload(info.name, &img, NULL, 0);
        damage_payload(info.name, &img16, NULL, 0);
        /* The lowest effort often selects a different coder (a fast path): damage it too. */
        for (int k = 0; k < info.n_options; k++) {
            const ImzOptionInfo *o = &info.options[k];
            if (strcmp(o->name, "effort") || o->min == o->def)
                continue;
            char v[32];
            snprintf(v, sizeof v, "%g", o->min);
            ImzOption opt = {"effort", v};
            damage_payload(info.name, &img, &opt, 1);
            damage_payload(info.name, &img16, &opt, 1);
        }
    }
    imz_image_free(test_ctx(), &img);
    imz_image_free(test_ctx(), &img16);
}

TEST(truncation_and_bit_flips_fail_cleanly)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "gradient", 23, 11, 3, 8, 2) == 0);
    for (int i = 0; i < imz_codec_count(); i++) {
        ImzCodecInfo info;
        REQUIRE(imz_codec_info(i, &info) == IMZ_OK);
        damage_all(info.name, &img);
    }
    imz_image_free(test_ctx(), &img);
}

TEST(header_fields_and_info)
{
    ImzContext *ctx = test_ctx();
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 300, 200, 2, 12, 9) == 0);
    uint8_t *buf;
    size_t len;
    REQUIRE(imz_encode(ctx, &img, "raw", NULL, 0, &buf, &len) == IMZ_OK);
    CHECK(!memcmp(buf, "\x89IMZ\r\n\x1a\n", 8));
    ImzInfo info;
    REQUIRE(imz_read_info(ctx, buf, len, &info) == IMZ_OK);
    CHECK_EQ(info.width, 300);
    CHECK_EQ(info.height, 200);
    CHECK_EQ(info.channels, 2);
    CHECK_EQ(info.bit_depth, 12);
    CHECK_EQ(info.format_version, 1);
    CHECK(!strcmp(info.codec_name, "raw"));
    CHECK_EQ(info.payload_bytes, 300 * 200 * 2 * 2);
    CHECK_EQ(info.header_bytes + info.payload_bytes + 8 * (size_t)info.n_chunks + 8, len);
    imz_free(ctx, buf);
    imz_image_free(ctx, &img);
}

TEST(multi_chunk_payload)
{
    ImzContext *ctx = test_ctx();
    ImzImage img, out;
    REQUIRE(test_make_image(&img, "noise", 1024, 700, 1, 16, 4) == 0); /* 1.4 MB raw */
    uint8_t *buf;
    size_t len;
    REQUIRE(imz_encode(ctx, &img, "raw", NULL, 0, &buf, &len) == IMZ_OK);
    ImzInfo info;
    REQUIRE(imz_read_info(ctx, buf, len, &info) == IMZ_OK);
    CHECK_EQ(info.n_chunks, 2);
    REQUIRE(imz_decode(ctx, buf, len, &out) == IMZ_OK);
    CHECK(test_images_equal(&img, &out));
    imz_image_free(ctx, &out);
    imz_free(ctx, buf);
    imz_image_free(ctx, &img);
}

TEST(pixel_limit_checked_before_allocation)
{
    ImzContext *ctx;
    REQUIRE(imz_context_create(&ctx, NULL) == IMZ_OK);
    ImzImage img, out;
    REQUIRE(test_make_image(&img, "constant", 64, 64, 1, 8, 1) == 0);
    uint8_t *buf;
    size_t len;
    REQUIRE(imz_encode(ctx, &img, "rle", NULL, 0, &buf, &len) == IMZ_OK);
    imz_set_max_pixels(ctx, 1000);
    CHECK_EQ(imz_decode(ctx, buf, len, &out), IMZ_ERR_LIMIT);
    CHECK(strstr(imz_last_error(ctx), "pixel limit") != NULL);
    /* A header claiming 100000 x 100000 is refused at once under the default limit. */
    imz_set_max_pixels(ctx, 0);
    ImzImage big = {100000, 100000, 1, 8, NULL};
    CHECK_EQ(imz_image_alloc(ctx, &big, 100000, 100000, 1, 8), IMZ_ERR_LIMIT);
    imz_free(ctx, buf);
    imz_image_free(test_ctx(), &img);
    imz_context_destroy(ctx);
}

TEST(options_are_validated)
{
    ImzContext *ctx = test_ctx();
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 8, 8, 1, 8, 1) == 0);
    uint8_t *buf = NULL;
    size_t len;
    ImzOption bad_name = {"bits", "3"}, bad_range = {"bits", "0"}, bad_num = {"bits", "4x"},
              bad_choice = {"predictor", "sideways"}, frac = {"level", "2.5"};
    CHECK_EQ(imz_encode(ctx, &img, "huffman", &bad_name, 1, &buf, &len), IMZ_ERR_INVALID_ARG);
    CHECK_EQ(imz_encode(ctx, &img, "requant", &bad_range, 1, &buf, &len), IMZ_ERR_INVALID_ARG);
    CHECK_EQ(imz_encode(ctx, &img, "requant", &bad_num, 1, &buf, &len), IMZ_ERR_INVALID_ARG);
    CHECK_EQ(imz_encode(ctx, &img, "delta", &bad_choice, 1, &buf, &len), IMZ_ERR_INVALID_ARG);
    CHECK_EQ(imz_encode(ctx, &img, "deflate", &frac, 1, &buf, &len), IMZ_ERR_INVALID_ARG);
    CHECK_EQ(imz_encode(ctx, &img, "nosuchcodec", NULL, 0, &buf, &len), IMZ_ERR_INVALID_ARG);
    img.data[5] = 300; /* above 8 bits */
    CHECK_EQ(imz_encode(ctx, &img, "raw", NULL, 0, &buf, &len), IMZ_ERR_INVALID_ARG);
    CHECK(buf == NULL);
    imz_image_free(ctx, &img);
}

TEST(samples_over_the_depth_are_refused_wherever_they_are)
{
    /* 1000 samples: whole blocks of the vectorised check and a tail after them */
    ImzContext *ctx = test_ctx();
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 100, 10, 1, 10, 1) == 0);
    static const size_t where[] = {0, 31, 32, 500, 991, 992, 999};
    for (size_t k = 0; k < sizeof where / sizeof *where; k++) {
        uint8_t *buf = NULL;
        size_t len = 0;
        char err[200];
        const uint16_t keep = img.data[where[k]];
        img.data[where[k]] = 1024;
        CHECK_MSG(imz_encode(ctx, &img, "raw", NULL, 0, &buf, &len) == IMZ_ERR_INVALID_ARG,
                  "sample %zu", where[k]);
        CHECK(imz_write_image(&img, IMZ_FMT_PNM, &buf, &len, err, sizeof err) ==
              IMZ_ERR_INVALID_ARG);
        CHECK(buf == NULL);
        img.data[where[k]] = keep;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    CHECK_EQ(imz_encode(ctx, &img, "raw", NULL, 0, &buf, &len), IMZ_OK);
    imz_free(ctx, buf);
    imz_image_free(ctx, &img);
}

TEST(codec_registry_is_consistent)
{
    CHECK(imz_codec_count() >= 7);
    for (int i = 0; i < imz_codec_count(); i++) {
        ImzCodecInfo a;
        REQUIRE(imz_codec_info(i, &a) == IMZ_OK);
        CHECK_EQ(imz_codec_find(a.name), i);
        for (int j = 0; j < i; j++) {
            ImzCodecInfo b;
            imz_codec_info(j, &b);
            CHECK(a.id != b.id);
        }
    }
    CHECK(imz_codec_find(imz_default_codec()) >= 0);
}
