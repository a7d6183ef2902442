// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The token section of the `lossy` codec (docs/format/lossy.md §4, §5.5): levels coded as symbols
// of static rANS tables fitted to the image, for the fast effort, whose decoder would otherwise
// spend a third of its time decoding levels bit by bit with the adaptive coder. The encoder
// collects the tokens while the adaptive coder writes the rest of the syntax, then writes the
// tables (with the adaptive coder, in a stream of their own) and the tokens backwards in rANS.

#include <string.h>

#include "codec/dct/dct_codec.h"
#include "common/intops.h"

int imz_lossy_tokens_grow(LossyTokens *tk)
{
    if (tk->nomem || tk->cap > SIZE_MAX / 8)
        return tk->nomem = 1, -1;
    const size_t cap = tk->cap ? 2 * tk->cap : (size_t)1 << 16;
    uint16_t *t = imz_realloc(tk->ctx, tk->tok, tk->n * sizeof *t, cap * sizeof *t);
    if (!t) {
        tk->nomem = 1;
        return -1;
    }
    tk->tok = t;
    tk->cap = cap;
    return 0;
}

void imz_lossy_tokens_init(LossyTokens *tk, ImzContext *ctx)
{
    tk->ctx = ctx;
    imz_buf_init(&tk->raw, ctx);
    imz_bitw_init(&tk->bits, &tk->raw);
}

void imz_lossy_tokens_free(LossyTokens *tk)
{
    imz_mem_free(tk->ctx, tk->tok);
    imz_buf_free(&tk->raw);
    tk->tok = NULL;
    tk->n = tk->cap = 0;
}

/* The table of an unused context: symbol 0 whatever the state. */
static const ImzRansSym unused_syms[1] = {{IMZ_RANS_SCALE, 0}};

int imz_lossy_tokens_write(LossyTokens *tk, ImzBuf *out)
{
    if (tk->nomem)
        return IMZ_ERR_NOMEM;
    ImzContext *ctx = tk->ctx;
    if (tk->raw.len > UINT32_MAX)
        return imz_fail(ctx, IMZ_ERR_LIMIT, "lossy: payload too large");
    ImzRansEncSym(*enc)[LOSSY_TOK_SYMS] = imz_malloc_array(ctx, LOSSY_TOK_CTX, sizeof *enc);
    ImzBacCell *cells = imz_malloc_array(ctx, IMZ_RANS_TABLE_CELLS + 1, sizeof *cells);
    uint8_t *buf = imz_malloc_array(ctx, tk->n + 6, 2);
    ImzBuf tables;
    imz_buf_init(&tables, ctx);
    int st = IMZ_OK;
    if (!enc || !cells || !buf) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    /* the tables: per context a flag "used", then the table of a used one */
    for (int i = 0; i <= IMZ_RANS_TABLE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    ImzBacEnc e;
    imz_bac_enc_init(&e, &tables);
    for (int k = 0; k < LOSSY_TOK_CTX; k++) {
        int used = 0;
        for (int s = 0; s < LOSSY_TOK_SYMS; s++)
            used |= tk->hist[k][s] != 0;
        imz_bac_put(&e, &cells[IMZ_RANS_TABLE_CELLS], used);
        if (!used)
            continue;
        ImzRansSym sym[LOSSY_TOK_SYMS];
        imz_rans_normalize(tk->hist[k], LOSSY_TOK_SYMS, sym);
        imz_rans_put_table(&e, cells, sym, LOSSY_TOK_SYMS);
        for (int s = 0; s < LOSSY_TOK_SYMS; s++)
            imz_rans_enc_sym_init(&enc[k][s], sym[s]);
    }
    imz_bac_enc_finish(&e);
    imz_bitw_flush(&tk->bits);
    if (tables.status || tk->raw.status) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    /* the tokens, last first (rANS decodes in the reverse order of encoding), token i through
     * state i mod 2, so that the decoder's consecutive tokens do not wait on each other */
    uint8_t *end = buf + 2 * (tk->n + 6);
    ImzRansEnc r0, r1; /* the states of the even and the odd tokens; r0.pos is the output's */
    imz_rans_enc_init(&r0, buf, end);
    imz_rans_enc_init(&r1, buf, end);
    size_t i = tk->n;
    if (i & 1) {
        i--;
        imz_rans_enc_put(&r0, &enc[tk->tok[i] >> 5][tk->tok[i] & 31]);
    }
    while (i) {
        const unsigned odd = tk->tok[i - 1], even = tk->tok[i - 2];
        r1.pos = r0.pos;
        imz_rans_enc_put(&r1, &enc[odd >> 5][odd & 31]);
        r0.pos = r1.pos;
        imz_rans_enc_put(&r0, &enc[even >> 5][even & 31]);
        i -= 2;
    }
    r1.pos = r0.pos;
    imz_rans_enc_flush(&r1);
    r0.pos = r1.pos;
    imz_rans_enc_flush(&r0);
    const ImzRansEnc r = r0;
    imz_buf_put_le32(out, (uint32_t)tables.len);
    imz_buf_append(out, tables.data, tables.len);
    imz_buf_put_le32(out, (uint32_t)tk->raw.len);
    imz_buf_append(out, tk->raw.data, tk->raw.len);
    imz_buf_append(out, r.pos, (size_t)(end - r.pos));
done:
    imz_buf_free(&tables);
    imz_mem_free(ctx, buf);
    imz_mem_free(ctx, cells);
    imz_mem_free(ctx, enc);
    return st;
}

int imz_lossy_tokens_open(LossyTokDec *td, const uint8_t *p, size_t n)
{
    if (n < 4)
        return IMZ_ERR_TRUNCATED;
    const uint32_t n_tab = rd_le32(p);
    if (n_tab > n - 4)
        return IMZ_ERR_TRUNCATED;
    ImzBacCell cells[IMZ_RANS_TABLE_CELLS + 1];
    for (int i = 0; i <= IMZ_RANS_TABLE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    ImzBacDec d;
    imz_bac_dec_init(&d, p + 4, n_tab);
    for (int k = 0; k < LOSSY_TOK_CTX; k++) {
        ImzRansTable *t = &td->tab[k];
        if (imz_bac_get(&d, &cells[IMZ_RANS_TABLE_CELLS])) {
            if (imz_rans_get_table(&d, cells, LOSSY_TOK_SYMS, t))
                return IMZ_ERR_CORRUPT;
        } else {
            memset(t->sym, 0, sizeof t->sym);
            memset(t->slot_sym, 0, sizeof t->slot_sym);
            t->sym[0] = unused_syms[0];
        }
    }
    if (d.overrun > 4)
        return IMZ_ERR_TRUNCATED;
    p += 4 + n_tab;
    n -= 4 + n_tab;
    if (n < 4)
        return IMZ_ERR_TRUNCATED;
    const uint32_t n_raw = rd_le32(p);
    if (n_raw > n - 4)
        return IMZ_ERR_TRUNCATED;
    imz_bitr_init(&td->bits, p + 4, n_raw);
    imz_rans_dec_init(&td->r, p + 4 + n_raw, n - 4 - n_raw);
    td->x1 = 0;
    for (int i = 0; i < 4; i++)
        td->x1 |= (uint32_t)imz_rans_byte(&td->r) << (8 * i);
    return IMZ_OK;
}
