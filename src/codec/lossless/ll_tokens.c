// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The token tables of the `lossless` codec's static-table coders (docs/format/lossless.md §12.4).

#include "codec/lossless/ll_tokens.h"

#include "common/context.h"

void imz_ll_put_token_head(ImzBuf *out, const ImzBuf *tables, const ImzBuf *raw)
{
    imz_buf_put_varint(out, tables->len);
    imz_buf_append(out, tables->data, tables->len);
    imz_buf_put_varint(out, raw->len);
    imz_buf_append(out, raw->data, raw->len);
}

int imz_ll_get_token_head(ImzReader *r, LlTokenHead *h)
{
    uint64_t tlen = imz_read_varint(r);
    h->tables = tlen <= imz_reader_left(r) ? imz_read_bytes(r, (size_t)tlen) : NULL;
    uint64_t rlen = h->tables ? imz_read_varint(r) : 0;
    h->raw = rlen <= imz_reader_left(r) ? imz_read_bytes(r, (size_t)rlen) : NULL;
    h->tables_len = (size_t)tlen;
    h->raw_len = (size_t)rlen;
    return r->overflow || !h->tables || !h->raw ? IMZ_ERR_TRUNCATED : IMZ_OK;
}

void imz_ll_put_tables(ImzBacEnc *e, const uint32_t *counts, int n_ctx, ImzRansSym (*sym)[LL_NTOK])
{
    ImzBacCell used, cells[IMZ_RANS_TABLE_CELLS];
    imz_bac_cell_init(&used);
    for (int i = 0; i < IMZ_RANS_TABLE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    for (int k = 0; k < n_ctx; k++) {
        int any = 0;
        for (int t = 0; t < LL_NTOK && !any; t++)
            any = counts[k * LL_NTOK + t] != 0;
        imz_bac_put(e, &used, any);
        imz_rans_normalize(counts + k * LL_NTOK, LL_NTOK, sym[k]);
        if (any)
            imz_rans_put_table(e, cells, sym[k], LL_NTOK);
    }
}

int imz_ll_get_tables(ImzBacDec *d, int n_ctx, ImzRansTable *tab)
{
    ImzBacCell used, cells[IMZ_RANS_TABLE_CELLS];
    imz_bac_cell_init(&used);
    for (int i = 0; i < IMZ_RANS_TABLE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    for (int k = 0; k < n_ctx; k++) {
        if (imz_bac_get(d, &used)) {
            if (imz_rans_get_table(d, cells, LL_NTOK, &tab[k]))
                return IMZ_ERR_CORRUPT;
        } else {
            /* An unused context: any symbol it yields is caught by the end-of-stream check. */
            memset(tab[k].slot_sym, 0, sizeof tab[k].slot_sym);
            memset(tab[k].sym, 0, sizeof tab[k].sym);
            tab[k].sym[0].freq = IMZ_RANS_SCALE;
        }
    }
    return d->overrun ? IMZ_ERR_TRUNCATED : IMZ_OK;
}
