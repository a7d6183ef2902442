// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Unit tests of the adaptive binary arithmetic coder (src/entropy/bac.h): exact round trips with
// fixed and adaptive probabilities, byte-exact stream length, and safe, detectable behaviour when
// the decoder runs past the end of a truncated stream.

#include <stdlib.h>

#include "entropy/bac.h"
#include "test.h"

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

TEST(bac_fixed_probabilities)
{
    enum { N = 200000 };
    uint8_t *bits = malloc(N);
    uint16_t *probs = malloc(N * sizeof *probs);
    REQUIRE(bits && probs);
    uint32_t s = 12345;
    for (int i = 0; i < N; i++) {
        probs[i] = (uint16_t)(1 + rng(&s) % 65535);
        /* Mostly follow the probability, sometimes contradict it hard. */
        bits[i] = (uint8_t)((rng(&s) & 0xffff) < probs[i]);
        if (i % 97 == 0)
            bits[i] ^= 1;
    }
    ImzBuf out;
    imz_buf_init(&out, test_ctx());
    ImzBacEnc e;
    imz_bac_enc_init(&e, &out);
    for (int i = 0; i < N; i++)
        imz_bac_enc_bit(&e, bits[i], probs[i]);
    imz_bac_enc_raw(&e, 0xbeef, 16);
    imz_bac_enc_finish(&e);
    REQUIRE(out.status == IMZ_OK);
    CHECK_EQ(out.data[0], 0);

    ImzBacDec d;
    imz_bac_dec_init(&d, out.data, out.len);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += imz_bac_dec_bit(&d, probs[i]) != bits[i];
    CHECK_EQ(bad, 0);
    CHECK_EQ(imz_bac_dec_raw(&d, 16), 0xbeef);
    CHECK_EQ(d.overrun, 0);
    CHECK(d.p == d.end); /* consumed exactly what was written */
    imz_buf_free(&out);
    free(bits);
    free(probs);
}

TEST(bac_adaptive_cells)
{
    enum { N = 300000, NCTX = 16 };
    uint8_t *bits = malloc(N);
    REQUIRE(bits);
    uint32_t s = 777;
    for (int i = 0; i < N; i++) {
        int ctx = i % NCTX;
        bits[i] = (uint8_t)((int)(rng(&s) % 1000) < ctx * 60 + 20);
    }
    ImzBacCell ce[NCTX], cd[NCTX];
    for (int i = 0; i < NCTX; i++) {
        imz_bac_cell_init(&ce[i]);
        imz_bac_cell_init(&cd[i]);
    }
    ImzBuf out;
    imz_buf_init(&out, test_ctx());
    ImzBacEnc e;
    imz_bac_enc_init(&e, &out);
    for (int i = 0; i < N; i++)
        imz_bac_put(&e, &ce[i % NCTX], bits[i]);
    imz_bac_enc_finish(&e);
    REQUIRE(out.status == IMZ_OK);
    /* Skewed contexts must compress: well under one bit per decision. */
    CHECK(out.len * 8 < (size_t)N * 8 / 10);

    ImzBacDec d;
    imz_bac_dec_init(&d, out.data, out.len);
    int bad = 0;
    for (int i = 0; i < N; i++)
        bad += imz_bac_get(&d, &cd[i % NCTX]) != bits[i];
    CHECK_EQ(bad, 0);
    CHECK_EQ(d.overrun, 0);
    CHECK(memcmp(ce, cd, sizeof ce) == 0);
    imz_buf_free(&out);
    free(bits);
}

TEST(bac_extreme_probabilities)
{
    /* Long runs at the probability limits, both agreeing and disagreeing with the bits. */
    ImzBuf out;
    imz_buf_init(&out, test_ctx());
    ImzBacEnc e;
    imz_bac_enc_init(&e, &out);
    for (int i = 0; i < 50000; i++)
        imz_bac_enc_bit(&e, i % 3 == 0, (i & 1) ? 1 : 65535);
    imz_bac_enc_finish(&e);
    ImzBacDec d;
    imz_bac_dec_init(&d, out.data, out.len);
    int bad = 0;
    for (int i = 0; i < 50000; i++)
        bad += imz_bac_dec_bit(&d, (i & 1) ? 1 : 65535) != (i % 3 == 0);
    CHECK_EQ(bad, 0);
    CHECK_EQ(d.overrun, 0);
    imz_buf_free(&out);
}

TEST(bac_truncated_stream_is_detected)
{
    ImzBuf out;
    imz_buf_init(&out, test_ctx());
    ImzBacEnc e;
    imz_bac_enc_init(&e, &out);
    uint32_t s = 99;
    for (int i = 0; i < 10000; i++)
        imz_bac_enc_bit(&e, rng(&s) & 1, 32768);
    imz_bac_enc_finish(&e);
    size_t cut = out.len / 2;
    ImzBacDec d;
    imz_bac_dec_init(&d, out.data, cut);
    for (int i = 0; i < 10000; i++)
        (void)imz_bac_dec_bit(&d, 32768);
    CHECK(d.overrun > 0);
    CHECK(d.p == d.end);
    /* An empty stream decodes zeros without touching memory. */
    static const uint8_t none[1] = {0};
    imz_bac_dec_init(&d, none, 0);
    (void)imz_bac_dec_bit(&d, 100);
    CHECK(d.overrun >= 5);
    imz_buf_free(&out);
}
