// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Factor-vector coding of the `pca` codec (docs/format/pca.md §3), written once for the three
// directions (encode, decode, estimate) so they cannot drift apart.

#include <math.h>

#include "codec/pca/pca_syntax.h"
#include "common/intops.h"

void imz_pca_vec_model_init(ImzPcaVecModel *m)
{
    imz_bac_cell_init(&m->delta);
    for (int i = 0; i < IMZ_PCA_VEC_CTX; i++)
        imz_int_model_init(&m->v[i]);
}

int32_t imz_pca_code_int(ImzPcaCoder *c, ImzIntModel *m, int32_t v)
{
    switch (c->mode) {
    case IMZ_PCA_PUT:
        imz_int_put(c->e, m, v);
        return v;
    case IMZ_PCA_GET:
        return imz_int_get(c->d, m);
    default:
        c->bits += imz_int_cost(m, v);
        return v;
    }
}

static int code_bit(ImzPcaCoder *c, ImzBacCell *cell, int bit)
{
    switch (c->mode) {
    case IMZ_PCA_PUT:
        imz_bac_put(c->e, cell, bit);
        return bit;
    case IMZ_PCA_GET:
        return imz_bac_get(c->d, cell);
    default: {
        uint32_t p1 = imz_bac_cell_p(cell);
        c->bits -= log2((bit ? p1 : 65536 - p1) * (1.0 / 65536));
        imz_bac_cell_update(cell, bit);
        return bit;
    }
    }
}

static inline int mag_ctx(int32_t v)
{
    uint32_t a = (uint32_t)(v < 0 ? -v : v) + 1;
    int l = ulog2(a);
    return l < IMZ_PCA_VEC_CTX - 1 ? l : IMZ_PCA_VEC_CTX - 1;
}

int imz_pca_code_vector(ImzPcaCoder *c, ImzPcaVecModel *m, int32_t *q, size_t n)
{
    int delta = 0;
    if (c->mode != IMZ_PCA_GET) {
        /* differences pay off on smooth vectors: compare rough code lengths */
        double direct = 0, diff = 0;
        for (size_t i = 0; i < n; i++) {
            direct += log2(1.0 + fabs((double)q[i]));
            diff += log2(1.0 + fabs((double)q[i] - (i ? q[i - 1] : 0)));
        }
        delta = diff < direct;
    }
    delta = code_bit(c, &m->delta, delta);
    int32_t prev_sym = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        /* A decoder fed only zeros past the payload's end stops within 4096 entries. */
        if (c->mode == IMZ_PCA_GET && (i & 4095) == 0 && c->d->overrun > 8)
            return -1;
        int32_t sym = c->mode == IMZ_PCA_GET ? 0 : delta ? q[i] - prev : q[i];
        sym = imz_pca_code_int(c, &m->v[mag_ctx(prev_sym)], sym);
        int32_t v = delta ? prev + sym : sym;
        if (v <= -(1 << 24) || v >= (1 << 24))
            return -1;
        q[i] = v;
        prev = v;
        prev_sym = sym;
    }
    return 0;
}
