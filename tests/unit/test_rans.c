// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Unit tests of the static rANS coder (src/entropy/rans.h): the reciprocal division is exact for
// every frequency, frequency scaling keeps the total and every occurring symbol, tables survive
// their own code, symbol streams round-trip exactly, and a damaged stream is detected.

#include <stdlib.h>
#include <string.h>

#include "entropy/rans.h"
#include "test.h"

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

TEST(rans_reciprocal_is_exact)
{
    /* imz_rans_enc_put computes x / freq with a multiply; compare with the division for every
     * frequency on states across the whole coder range [L, 2^31) (after renormalisation the
     * state entering the division can also be below L). */
    uint32_t s = 99;
    int bad = 0;
    for (uint32_t f = 1; f <= IMZ_RANS_SCALE && bad < 5; f++) {
        ImzRansEncSym es;
        ImzRansSym sym = {(uint16_t)f, 0};
        imz_rans_enc_sym_init(&es, sym);
        for (int k = 0; k < 400; k++) {
            uint32_t x = k < 200 ? rng(&s) % es.x_max : es.x_max - 1 - (uint32_t)k;
            if (x >= es.x_max)
                continue;
            ImzRansEnc e = {x, NULL, NULL};
            uint8_t buf[4];
            e.pos = buf + 4;
            e.begin = buf;
            imz_rans_enc_put(&e, &es);
            uint32_t want = ((x / f) << IMZ_RANS_SCALE_BITS) + x % f;
            if (e.x != want) {
                bad++;
                CHECK_MSG(0, "freq %u, x %u: %u, want %u", f, x, e.x, want);
            }
        }
    }
}

TEST(rans_normalize_keeps_total_and_symbols)
{
    uint32_t s = 7;
    for (int t = 0; t < 2000; t++) {
        uint32_t counts[IMZ_RANS_MAX_SYMS] = {0};
        int n = 1 + (int)(rng(&s) % IMZ_RANS_MAX_SYMS);
        int shape = t % 4;
        for (int i = 0; i < n; i++) {
            uint32_t r = rng(&s);
            counts[i] = shape == 0   ? r % 3
                        : shape == 1 ? (i == 0 ? 1000000 : r % 2)
                        : shape == 2 ? r % 100000
                                     : (r % 7 == 0 ? r % 50 : 0);
        }
        ImzRansSym sym[IMZ_RANS_MAX_SYMS];
        imz_rans_normalize(counts, n, sym);
        uint32_t total = 0, any = 0;
        for (int i = 0; i < n; i++) {
            total += sym[i].freq;
            any |= counts[i];
            CHECK(!counts[i] == !sym[i].freq || !any);
            if (i)
                CHECK_EQ(sym[i].cum, sym[i - 1].cum + sym[i - 1].freq);
        }
        CHECK_EQ(total, IMZ_RANS_SCALE);
        if (test_failed_now())
            return;
    }
}

/* Encodes n symbols drawn from `counts` with tables coded in the stream, decodes them back. */
static void roundtrip(uint32_t seed, int n_ctx, int n_sym, int n)
{
    uint32_t s = seed;
    uint32_t(*counts)[IMZ_RANS_MAX_SYMS] = calloc((size_t)n_ctx, sizeof *counts);
    uint8_t *syms = malloc((size_t)n), *ctxs = malloc((size_t)n);
    REQUIRE(counts && syms && ctxs);
    for (int i = 0; i < n; i++) {
        /* Geometric-ish symbols, the shape of residual tokens. */
        int c = (int)(rng(&s) % (uint32_t)n_ctx), v = 0;
        while (v + 1 < n_sym && (rng(&s) & 3) < 1 + c % 3)
            v++;
        syms[i] = (uint8_t)v;
        ctxs[i] = (uint8_t)c;
        counts[c][v]++;
    }
    ImzRansSym(*tab)[IMZ_RANS_MAX_SYMS] = calloc((size_t)n_ctx, sizeof *tab);
    ImzRansEncSym(*es)[IMZ_RANS_MAX_SYMS] = calloc((size_t)n_ctx, sizeof *es);
    ImzRansTable *dt = calloc((size_t)n_ctx, sizeof *dt);
    REQUIRE(tab && es && dt);
    ImzBuf tb;
    imz_buf_init(&tb, test_ctx());
    ImzBacEnc be;
    imz_bac_enc_init(&be, &tb);
    ImzBacCell cells[IMZ_RANS_TABLE_CELLS];
    for (int i = 0; i < IMZ_RANS_TABLE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    for (int c = 0; c < n_ctx; c++) {
        imz_rans_normalize(counts[c], n_sym, tab[c]);
        imz_rans_put_table(&be, cells, tab[c], n_sym);
        for (int v = 0; v < n_sym; v++)
            imz_rans_enc_sym_init(&es[c][v], tab[c][v]);
    }
    imz_bac_enc_finish(&be);
    size_t cap = 2 * (size_t)n + 8;
    uint8_t *buf = malloc(cap);
    REQUIRE(buf);
    ImzRansEnc re;
    imz_rans_enc_init(&re, buf, buf + cap);
    for (int i = n; i-- > 0;)
        imz_rans_enc_put(&re, &es[ctxs[i]][syms[i]]);
    imz_rans_enc_flush(&re);
    size_t len = (size_t)(buf + cap - re.pos);

    ImzBacDec bd;
    imz_bac_dec_init(&bd, tb.data, tb.len);
    for (int i = 0; i < IMZ_RANS_TABLE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    for (int c = 0; c < n_ctx; c++)
        CHECK(imz_rans_get_table(&bd, cells, n_sym, &dt[c]) == 0);
    ImzRansDec rd;
    imz_rans_dec_init(&rd, re.pos, len);
    int wrong = 0;
    for (int i = 0; i < n; i++)
        wrong += imz_rans_dec_get(&rd, &dt[ctxs[i]]) != syms[i];
    CHECK_EQ(wrong, 0);
    CHECK(imz_rans_dec_done(&rd));

    /* A truncated stream is reported (it reads zeros past its end and ends elsewhere). */
    if (len > 8) {
        imz_rans_dec_init(&rd, re.pos, len - 3);
        for (int i = 0; i < n; i++)
            (void)imz_rans_dec_get(&rd, &dt[ctxs[i]]);
        CHECK(!imz_rans_dec_done(&rd));
    }
    free(buf);
    imz_buf_free(&tb);
    free(dt);
    free(es);
    free(tab);
    free(ctxs);
    free(syms);
    free(counts);
}

TEST(rans_roundtrip)
{
    roundtrip(1, 1, 2, 1000);
    roundtrip(2, 16, 48, 200000);
    roundtrip(3, 160, 48, 300000);
    roundtrip(4, 3, IMZ_RANS_MAX_SYMS, 50000);
    roundtrip(5, 5, 1, 1000); /* one symbol: zero bits each */
}

TEST(rans_table_code_rejects_bad_totals)
{
    /* Random bytes as a table stream either give a table that sums to the scale or fail. */
    uint32_t s = 3;
    uint8_t junk[64];
    for (int t = 0; t < 2000; t++) {
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (uint8_t)rng(&s);
        ImzBacDec d;
        imz_bac_dec_init(&d, junk, sizeof junk);
        ImzBacCell cells[IMZ_RANS_TABLE_CELLS];
        for (int i = 0; i < IMZ_RANS_TABLE_CELLS; i++)
            imz_bac_cell_init(&cells[i]);
        ImzRansTable tab;
        if (imz_rans_get_table(&d, cells, 48, &tab) == 0) {
            uint32_t total = 0;
            for (int i = 0; i < 48; i++)
                total += tab.sym[i].freq;
            CHECK_EQ(total, IMZ_RANS_SCALE);
        }
    }
}
