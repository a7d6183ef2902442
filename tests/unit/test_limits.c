// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Resource limits on decoding untrusted files (docs/SECURITY.md): a header announcing a huge image
// is refused before any pixel buffer is allocated, the pixel limit can be raised, and decoding any
// codec's output needs at most the bound of mem_bound.h (a multiple of the decoded image, plus a
// multiple of one row of it, plus a constant), measured with a counting allocator.

#include <stdlib.h>

#include "common/crc32c.h"
#include "mem_bound.h"
#include "test.h"

typedef struct Counter {
    size_t cur, peak, calls;
} Counter;

/* Every block carries its size in front so that free can subtract it. */
#define HDR 16

static void *count_alloc(void *opaque, size_t size)
{
    Counter *c = opaque;
    unsigned char *p = malloc(size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    c->cur += size;
    c->calls++;
    if (c->cur > c->peak)
        c->peak = c->cur;
    return p + HDR;
}

static void count_free(void *opaque, void *ptr)
{
    Counter *c = opaque;
    size_t size;
    unsigned char *p = (unsigned char *)ptr - HDR;
    memcpy(&size, p, sizeof size);
    c->cur -= size;
    free(p);
}

static void wr32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A well-formed file (valid CRCs) of the raw codec announcing w x h, with a tiny payload. */
static size_t huge_header_file(uint8_t *f, uint32_t w, uint32_t h)
{
    memcpy(f, "\x89IMZ\r\n\x1a\n", 8);
    f[8] = 1;
    f[9] = 1; /* raw */
    wr32(f + 10, w);
    wr32(f + 14, h);
    f[18] = 3;
    f[19] = 8;
    f[20] = f[21] = 0;
    wr32(f + 22, imz_crc32c(0, f, 22));
    uint8_t *c = f + 26;
    wr32(c, 4);
    memcpy(c + 4, "abcd", 4);
    wr32(c + 8, imz_crc32c(0, c, 8));
    wr32(c + 12, 0);
    wr32(c + 16, imz_crc32c(0, c + 12, 4));
    return 26 + 20;
}

TEST(huge_dimensions_refused_before_allocation)
{
    Counter cnt = {0, 0, 0};
    ImzAllocator al = {count_alloc, count_free, &cnt, NULL};
    ImzContext *ctx;
    REQUIRE(imz_context_create(&ctx, &al) == IMZ_OK);
    uint8_t f[64];
    size_t len = huge_header_file(f, 100000, 100000);
    ImzInfo info;
    CHECK_EQ(imz_read_info(ctx, f, len, &info), IMZ_OK);
    CHECK_EQ(info.width, 100000);
    size_t before = cnt.peak;
    ImzImage img;
    CHECK_EQ(imz_decode(ctx, f, len, &img), IMZ_ERR_LIMIT);
    CHECK(img.data == NULL);
    CHECK_MSG(strstr(imz_last_error(ctx), "100000x100000") != NULL, "reason: %s",
              imz_last_error(ctx));
    CHECK_MSG(strstr(imz_last_error(ctx), "--max-pixels") != NULL, "reason: %s",
              imz_last_error(ctx));
    CHECK_MSG(cnt.peak == before, "allocated %zu bytes before refusing", cnt.peak - before);

    /* The largest shapes the header can express, and one just over the default limit. */
    len = huge_header_file(f, UINT32_MAX, UINT32_MAX);
    CHECK_EQ(imz_decode(ctx, f, len, &img), IMZ_ERR_LIMIT);
    len = huge_header_file(f, 1u << 14, (1u << 14) + 1);
    CHECK_EQ(imz_decode(ctx, f, len, &img), IMZ_ERR_LIMIT);
    CHECK(cnt.peak == before);
    imz_context_destroy(ctx);
}

TEST(max_pixels_can_be_lowered_and_raised)
{
    ImzContext *ctx;
    REQUIRE(imz_context_create(&ctx, NULL) == IMZ_OK);
    uint8_t f[64];
    size_t len = huge_header_file(f, 1000, 1000);
    ImzImage img;
    imz_set_max_pixels(ctx, 999999);
    CHECK_EQ(imz_decode(ctx, f, len, &img), IMZ_ERR_LIMIT);
    /* Within the limit the shape is accepted and the short payload is what fails. */
    imz_set_max_pixels(ctx, 1000000);
    int st = imz_decode(ctx, f, len, &img);
    CHECK_MSG(st == IMZ_ERR_CORRUPT || st == IMZ_ERR_TRUNCATED, "got %d", st);
    imz_set_max_pixels(ctx, 0); /* back to the default */
    len = huge_header_file(f, 1u << 15, 1u << 14);
    CHECK_EQ(imz_decode(ctx, f, len, &img), IMZ_ERR_LIMIT);
    imz_context_destroy(ctx);
}

/* Decodes, on one thread, codec's stream of src encoded with enc_threads threads and the given
 * options. */
static void check_codec_memory_opts(const char *codec, const ImzImage *src, int enc_threads,
                                    const ImzOption *opts, size_t n_opts)
{
    ImzContext *enc = test_ctx();
    uint8_t *buf;
    size_t len;
    imz_set_threads(enc, enc_threads);
    int st = imz_encode(enc, src, codec, opts, n_opts, &buf, &len);
    imz_set_threads(enc, 1);
    if (st == IMZ_ERR_INVALID_ARG)
        return; /* the codec does not take this shape */
    CHECK_MSG(st == IMZ_OK, "%s: encode failed: %s", codec, imz_last_error(enc));
    if (st != IMZ_OK)
        return;
    Counter cnt = {0, 0, 0};
    ImzAllocator al = {count_alloc, count_free, &cnt, NULL};
    ImzContext *ctx;
    REQUIRE(imz_context_create(&ctx, &al) == IMZ_OK);
    cnt.peak = cnt.cur; /* the context itself is not the decoder's */
    size_t base = cnt.cur;
    ImzImage out;
    st = imz_decode(ctx, buf, len, &out);
    CHECK_MSG(st == IMZ_OK, "%s: decode failed: %s", codec, imz_last_error(ctx));
    size_t image_bytes = (size_t)src->width * src->height * src->channels * sizeof(uint16_t);
    size_t peak = cnt.peak - base;
    printf("     %-10s -j%d %ux%ux%d %2d-bit: peak %8zu bytes = %.2f x image (%zu allocations)\n",
           codec, enc_threads, src->width, src->height, src->channels, src->bit_depth, peak,
           (double)peak / (double)image_bytes, cnt.calls);
    uint64_t bound = imz_mem_bound(src->width, src->height, (uint64_t)src->channels);
    CHECK_MSG(peak <= bound, "%s: peak %zu bytes > bound %llu", codec, peak,
              (unsigned long long)bound);
    imz_image_free(ctx, &out);
    CHECK_MSG(cnt.cur == base, "%s: %zu bytes still allocated after free", codec, cnt.cur - base);
    /* A failed decode (the file cut in half) frees everything it allocated. */
    st = imz_decode(ctx, buf, len / 2, &out);
    CHECK_MSG(st < 0 && out.data == NULL, "%s: half a file gave %d", codec, st);
    CHECK_MSG(cnt.cur == base, "%s: %zu bytes left after a failed decode", codec, cnt.cur - base);
    imz_context_destroy(ctx);
    imz_free(enc, buf);
}

static void check_codec_memory(const char *codec, const ImzImage *src, int enc_threads)
{
    check_codec_memory_opts(codec, src, enc_threads, NULL, 0);
}

TEST(decoder_memory_is_bounded)
{
    static const struct {
        const char *kind;
        uint32_t w, h;
        int ch, depth;
    } shapes[] = {
        {"gradient", 512, 384, 3, 8},
        {"noise", 256, 256, 1, 16},
        {"checker", 300, 200, 4, 8},
        {"noise", 60000, 1, 3, 8}, /* one wide row: the row state of row coders dominates */
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        ImzImage img;
        REQUIRE(test_make_image(&img, shapes[s].kind, shapes[s].w, shapes[s].h, shapes[s].ch,
                                shapes[s].depth, 3) == 0);
        for (int i = 0; i < imz_codec_count(); i++) {
            ImzCodecInfo ci;
            REQUIRE(imz_codec_info(i, &ci) == IMZ_OK);
            check_codec_memory(ci.name, &img, 1);
        }
        /* Several row groups: the decoder also holds group 0's models for the others. */
        check_codec_memory("lossless", &img, 2);
        imz_image_free(test_ctx(), &img);
    }
}

/* The heavy model's tables (effort 7-9) are twice the normal model's; with four planes and two
 * row groups the decoder holds two copies of them, the largest image-independent state of any
 * stream. Its local window makes its row state the largest per sample of a row (§2.3 of
 * docs/SECURITY.md). */
TEST(heavy_lossless_decoder_memory_is_bounded)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "gauss", 96, 64, 4, 8, 5) == 0);
    const ImzOption heavy[] = {{"effort", "9"}};
    check_codec_memory_opts("lossless", &img, 1, heavy, 1);
    check_codec_memory_opts("lossless", &img, 2, heavy, 1);
    imz_image_free(test_ctx(), &img);
    REQUIRE(test_make_image(&img, "gauss", 60000, 1, 3, 8, 5) == 0);
    check_codec_memory_opts("lossless", &img, 1, heavy, 1);
    imz_image_free(test_ctx(), &img);
    /* a megapixel in one row: the wide local window, the most row state per sample */
    REQUIRE(test_make_image(&img, "gauss", 1u << 20, 1, 1, 16, 5) == 0);
    check_codec_memory_opts("lossless", &img, 1, heavy, 1);
    imz_image_free(test_ctx(), &img);
}
