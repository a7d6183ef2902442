// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Bit I/O and canonical Huffman: round trips over skewed, uniform, single-symbol and empty
// alphabets, the length limit under Fibonacci frequencies, table corruption, and the bit
// reader's behaviour at and past the end of its input.

#include <stdlib.h>

#include "bitio/bits.h"
#include "common/crc32c.h"
#include "entropy/huffman.h"
#include "test.h"

static void roundtrip_freqs(const uint32_t *freq, int n, int max_len)
{
    ImzContext *ctx = test_ctx();
    ImzHuffEnc enc;
    REQUIRE(imz_huff_enc_build(ctx, &enc, freq, n, max_len) == IMZ_OK);
    uint64_t kraft = 0;
    int used = 0;
    for (int i = 0; i < n; i++) {
        CHECK(enc.len[i] <= max_len);
        if (enc.len[i])
            kraft += 1ull << (IMZ_HUFF_MAX_LEN - enc.len[i]);
        used += freq[i] > 0;
    }
    if (used > 1)
        CHECK_EQ(kraft, 1ull << IMZ_HUFF_MAX_LEN);
    ImzBuf buf;
    imz_buf_init(&buf, ctx);
    ImzBitWriter w;
    imz_bitw_init(&w, &buf);
    imz_huff_write_table(&w, &enc);
    for (int i = 0; i < n; i++)
        for (uint32_t k = 0; k < freq[i] && k < 50; k++)
            imz_huff_put(&w, &enc, i);
    imz_bitw_flush(&w);
    REQUIRE(buf.status == IMZ_OK);
    ImzBitReader r;
    imz_bitr_init(&r, buf.data, buf.len);
    ImzHuffDec dec;
    REQUIRE(imz_huff_read_table(ctx, &dec, &r, n) == IMZ_OK);
    for (int i = 0; i < n; i++)
        for (uint32_t k = 0; k < freq[i] && k < 50; k++) {
            int s = imz_huff_get(&dec, &r);
            CHECK_EQ(s, i);
        }
    CHECK(!imz_bitr_overrun(&r));
    imz_huff_dec_free(ctx, &dec);
    imz_huff_enc_free(ctx, &enc);
    imz_buf_free(&buf);
}

TEST(huffman_alphabets)
{
    uint32_t f[300];
    for (int i = 0; i < 300; i++)
        f[i] = (uint32_t)(i % 7 == 0 ? 1000 - i : i % 3);
    roundtrip_freqs(f, 300, IMZ_HUFF_MAX_LEN);
    for (int i = 0; i < 256; i++)
        f[i] = 10;
    roundtrip_freqs(f, 256, IMZ_HUFF_MAX_LEN);
    memset(f, 0, sizeof f);
    f[200] = 7;
    roundtrip_freqs(f, 256, IMZ_HUFF_MAX_LEN); /* single symbol: 0 bits */
    f[3] = 1;
    roundtrip_freqs(f, 256, IMZ_HUFF_MAX_LEN);
}

TEST(huffman_length_limit)
{
    uint32_t f[40];
    uint32_t a = 1, b = 1;
    for (int i = 0; i < 40; i++) {
        f[i] = a;
        uint32_t t = a + b;
        a = b;
        b = t > 100000000 ? 100000000 : t;
    }
    roundtrip_freqs(f, 40, 12);
    roundtrip_freqs(f, 40, IMZ_HUFF_MAX_LEN);
}

TEST(huffman_large_sparse_alphabet)
{
    uint32_t *f = calloc(65536, sizeof *f);
    for (int i = 0; i < 65536; i += 97)
        f[i] = (uint32_t)(1 + i % 13);
    f[65535] = 3;
    roundtrip_freqs(f, 65536, IMZ_HUFF_MAX_LEN);
    free(f);
}

TEST(huffman_corrupt_tables_rejected)
{
    ImzContext *ctx = test_ctx();
    /* 18-bit count larger than the alphabet */
    uint8_t big[4] = {0xff, 0xff, 0xc0, 0};
    ImzBitReader r;
    imz_bitr_init(&r, big, sizeof big);
    ImzHuffDec dec;
    CHECK_EQ(imz_huff_read_table(ctx, &dec, &r, 256), IMZ_ERR_CORRUPT);
    /* random garbage never crashes */
    uint32_t s = 99;
    for (int t = 0; t < 2000; t++) {
        uint8_t junk[24];
        for (int i = 0; i < 24; i++) {
            s = s * 1103515245u + 12345u;
            junk[i] = (uint8_t)(s >> 16);
        }
        imz_bitr_init(&r, junk, sizeof junk);
        if (imz_huff_read_table(ctx, &dec, &r, 256) == IMZ_OK) {
            for (int k = 0; k < 64; k++)
                (void)imz_huff_get(&dec, &r);
            imz_huff_dec_free(ctx, &dec);
        }
    }
}

TEST(bit_reader_end_of_input)
{
    uint8_t two[2] = {0xA5, 0x3C};
    ImzBitReader r;
    imz_bitr_init(&r, two, 2);
    CHECK_EQ(imz_bitr_get(&r, 4), 0xA);
    CHECK_EQ(imz_bitr_get(&r, 12), 0x53C);
    CHECK(!imz_bitr_overrun(&r));
    CHECK_EQ(imz_bitr_get(&r, 1), 0);
    CHECK(imz_bitr_overrun(&r));
    imz_bitr_init(&r, NULL, 0);
    CHECK_EQ(imz_bitr_get(&r, 24), 0);
    CHECK(imz_bitr_overrun(&r));
}

TEST(varint_and_crc32c)
{
    ImzBuf b;
    imz_buf_init(&b, test_ctx());
    static const uint64_t vals[] = {0, 1, 127, 128, 300, 1ull << 35, UINT64_MAX};
    for (int i = 0; i < 7; i++)
        imz_buf_put_varint(&b, vals[i]);
    ImzReader r;
    imz_reader_init(&r, b.data, b.len);
    for (int i = 0; i < 7; i++)
        CHECK(imz_read_varint(&r) == vals[i]);
    CHECK(!r.overflow && imz_reader_left(&r) == 0);
    imz_read_varint(&r);
    CHECK(r.overflow);
    imz_buf_free(&b);
    /* the standard check value of CRC-32C */
    CHECK_EQ(imz_crc32c(0, "123456789", 9), 0xE3069283u);
    CHECK_EQ(imz_crc32c(imz_crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}
