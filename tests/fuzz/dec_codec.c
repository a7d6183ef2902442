// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Fuzz target: random payloads into each codec's decoder. The first input bytes choose the codec,
// the image shape and the length of the codec parameters; the rest is parameters and payload.
// The harness wraps them in a well-formed container with correct CRCs, so that the mutations reach
// the decoder instead of being stopped by the checksums. An input that is an .imz file is used
// as such after re-sealing its CRCs, so valid files are good seeds. Memory is counted: whatever
// the payload says, decoding may not need more than the bound of tests/common/mem_bound.h (the
// one tests/unit/test_limits.c checks on valid files).

#include <string.h>

#include "common/crc32c.h"
#include "container/container.h"
#include "fuzz_producer.h"
#include "fuzz_target.h"
#include "mem_bound.h"


typedef struct Counter {
    size_t cur, peak;
} Counter;

/* Every block carries its size in front so that free can subtract it. */
static void *count_alloc(void *opaque, size_t size)
{
    Counter *c = opaque;
    unsigned char *p = malloc(size + 16);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    c->cur += size;
    if (c->cur > c->peak)
        c->peak = c->cur;
    return p + 16;
}

static void count_free(void *opaque, void *ptr)
{
    Counter *c = opaque;
    size_t size;
    memcpy(&size, (unsigned char *)ptr - 16, sizeof size);
    c->cur -= size;
    free((unsigned char *)ptr - 16);
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Builds a single-chunk file: header, params, header CRC, one chunk, the end chunk. */
static uint8_t *build(int codec_id, uint32_t w, uint32_t h, int ch, int depth,
                      const uint8_t *params, size_t n_params, const uint8_t *payload,
                      size_t n_payload, size_t *out_len)
{
    size_t len = IMZ_FIXED_HEADER_LEN + n_params + 4 + 8 + n_payload + 8;
    uint8_t *f = malloc(len), *p = f;
    memcpy(p, IMZ_MAGIC, IMZ_MAGIC_LEN);
    p[8] = IMZ_FORMAT_VERSION;
    p[9] = (uint8_t)codec_id;
    put_le32(p + 10, w);
    put_le32(p + 14, h);
    p[18] = (uint8_t)ch;
    p[19] = (uint8_t)depth;
    p[20] = (uint8_t)n_params;
    p[21] = (uint8_t)(n_params >> 8);
    memcpy(p + IMZ_FIXED_HEADER_LEN, params, n_params);
    p += IMZ_FIXED_HEADER_LEN + n_params;
    put_le32(p, imz_crc32c(0, f, (size_t)(p - f)));
    p += 4;
    put_le32(p, (uint32_t)n_payload);
    memcpy(p + 4, payload, n_payload);
    put_le32(p + 4 + n_payload, imz_crc32c(0, p, 4 + n_payload));
    p += 8 + n_payload;
    memset(p, 0, 4);
    put_le32(p + 4, imz_crc32c(0, p, 4));
    *out_len = len;
    return f;
}

/* A real .imz file (one payload chunk) is re-sealed: its fields are kept, its CRCs recomputed. */
static uint8_t *reseal(const uint8_t *data, size_t size, size_t *out_len)
{
    if (size < IMZ_FIXED_HEADER_LEN + 4 || memcmp(data, IMZ_MAGIC, IMZ_MAGIC_LEN))
        return NULL;
    size_t n_params = (size_t)data[20] | (size_t)data[21] << 8;
    size_t at = IMZ_FIXED_HEADER_LEN + n_params + 4;
    if (size < at + 4)
        return NULL;
    size_t n_payload = get_le32(data + at);
    if (n_payload > size - at - 4)
        n_payload = size - at - 4;
    return build(data[9], get_le32(data + 10), get_le32(data + 14), data[18], data[19],
                 data + IMZ_FIXED_HEADER_LEN, n_params, data + at + 4, n_payload, out_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t len;
    uint8_t *file = reseal(data, size, &len);
    if (!file) {
        FuzzProducer p;
        producer_init(&p, data, size);
        int idx = (int)producer_u32_range(&p, 0, (uint32_t)imz_codec_count() - 1);
        ImzCodecInfo ci;
        imz_codec_info(idx, &ci);
        uint32_t w = producer_u32_range(&p, 1, 256);
        uint32_t h = producer_u32_range(&p, 1, 256);
        int ch = (int)producer_u32_range(&p, 1, 4);
        int depth = (int)producer_u32_range(&p, 1, 16);
        size_t n_params = producer_u32_range(&p, 0, 64);
        if (n_params > producer_remaining(&p))
            n_params = producer_remaining(&p);
        const uint8_t *params = data + p.pos;
        p.pos += n_params;
        file = build(ci.id, w, h, ch, depth, params, n_params, data + p.pos,
                     producer_remaining(&p), &len);
    }

    Counter cnt = {0, 0};
    ImzAllocator al = {count_alloc, count_free, &cnt, NULL};
    ImzContext *ctx;
    if (imz_context_create(&ctx, &al) != IMZ_OK) {
        free(file);
        return 0;
    }
    imz_set_max_pixels(ctx, FUZZ_MAX_PIXELS);
    const size_t base = cnt.cur;
    cnt.peak = base;
    ImzImage img;
    int st = imz_decode(ctx, file, len, &img);
    uint64_t image_bytes = (uint64_t)get_le32(file + 10) * get_le32(file + 14) * file[18] * 2;
    uint64_t bound = imz_mem_bound(get_le32(file + 10), get_le32(file + 14), file[18]);
    if (cnt.peak - base > bound)
        fprintf(stderr, "decoder of codec %d used %zu bytes for a %llu-byte image\n", file[9],
                cnt.peak - base, (unsigned long long)image_bytes);
    FUZZ_ASSERT(cnt.peak - base <= bound);
    if (st == IMZ_OK) {
        FUZZ_ASSERT(img.width == get_le32(file + 10) && img.height == get_le32(file + 14));
        fuzz_check_image(&img);
    } else {
        FUZZ_ASSERT(img.data == NULL && imz_last_error(ctx)[0] != '\0');
    }
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
    free(file);
    return 0;
}
