// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `pca` decoder and the codec's table (docs/format/pca.md). Decoding needs no linear algebra
// library: it reads the quantised factors and multiplies them out. Every dequantised factor is an
// integer times a power of two, so each product is exact in double precision and the sums, taken in
// the order the format fixes, give the same result on every IEEE-754 machine. Counts and exponents
// are range-checked before anything is allocated from them.

#include <math.h>
#include <string.h>

#include "codec/pca/pca_syntax.h"

static const ImzOptionInfo pca_options[] = {
    {"components", "principal components kept (singular values, or block basis vectors)", 1, 4096,
     32, 1, NULL},
    {"block", "0: SVD of each whole channel; B (2..16): KLT over B x B blocks", 0,
     IMZ_PCA_MAX_BLOCK, 0, 1, NULL},
};

static inline uint16_t to_sample(double v, double maxv)
{
    v = floor(v + 0.5);
    return (uint16_t)(v < 0 ? 0 : v > maxv ? maxv : v);
}

static int stream_end(ImzContext *ctx, const ImzBacDec *d)
{
    if (d->overrun)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "pca: payload ends early");
    if (d->p != d->end)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "pca: %zu bytes after the data",
                        (size_t)(d->end - d->p));
    return IMZ_OK;
}

static int bad(ImzContext *ctx, const ImzBacDec *d, const char *what)
{
    return imz_fail(ctx, d->overrun ? IMZ_ERR_TRUNCATED : IMZ_ERR_CORRUPT, "pca: %s", what);
}

static int decode_svd(ImzContext *ctx, const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    const int h = (int)out->height, w = (int)out->width, m = h < w ? h : w, ch = out->channels;
    const double maxv = (double)((1u << out->bit_depth) - 1);
    ImzBacDec d;
    imz_bac_dec_init(&d, payload, n_payload);
    ImzPcaCoder c = {IMZ_PCA_GET, NULL, &d, 0};
    int32_t *q = imz_malloc_array(ctx, (size_t)(h > w ? h : w), sizeof *q);
    double *acc = imz_malloc_array(ctx, (size_t)w, sizeof *acc);
    double *fa = NULL, *fb = NULL;
    int st = IMZ_OK;
    if (!q || !acc) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    for (int chn = 0; chn < ch; chn++) {
        ImzPcaVecModel ma, mb;
        ImzIntModel me;
        imz_pca_vec_model_init(&ma);
        imz_pca_vec_model_init(&mb);
        imz_int_model_init(&me);
        int32_t k = imz_pca_code_int(&c, &me, 0);
        if (k < 0 || k > m) {
            st = bad(ctx, &d, "component count out of range");
            goto done;
        }
        imz_mem_free(ctx, fa);
        imz_mem_free(ctx, fb);
        fa = imz_malloc_array(ctx, (size_t)(k ? k : 1) * h, sizeof *fa);
        fb = imz_malloc_array(ctx, (size_t)(k ? k : 1) * w, sizeof *fb);
        if (!fa || !fb) {
            st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
            goto done;
        }
        int32_t ea = 0;
        for (int j = 0; j < k; j++) {
            ea += imz_pca_code_int(&c, &me, 0);
            int32_t eb = ea + imz_pca_code_int(&c, &me, 0);
            if (ea < IMZ_PCA_EXP_MIN || ea > IMZ_PCA_EXP_MAX || eb < IMZ_PCA_EXP_MIN ||
                eb > IMZ_PCA_EXP_MAX) {
                st = bad(ctx, &d, "factor exponent out of range");
                goto done;
            }
            if (imz_pca_code_vector(&c, &ma, q, (size_t)h) < 0) {
                st = bad(ctx, &d, "factor out of range");
                goto done;
            }
            for (int i = 0; i < h; i++)
                fa[(size_t)j * h + i] = ldexp(q[i], -ea);
            if (imz_pca_code_vector(&c, &mb, q, (size_t)w) < 0) {
                st = bad(ctx, &d, "factor out of range");
                goto done;
            }
            for (int i = 0; i < w; i++)
                fb[(size_t)j * w + i] = ldexp(q[i], -eb);
            if (d.overrun) {
                st = bad(ctx, &d, "payload ends early");
                goto done;
            }
        }
        for (int y = 0; y < h; y++) {
            memset(acc, 0, sizeof *acc * (size_t)w);
            for (int j = 0; j < k; j++) {
                const double a = fa[(size_t)j * h + y], *b = fb + (size_t)j * w;
                for (int x = 0; x < w; x++)
                    acc[x] += a * b[x];
            }
            uint16_t *row = out->data + (size_t)y * w * ch + chn;
            for (int x = 0; x < w; x++)
                row[(size_t)x * ch] = to_sample(acc[x], maxv);
        }
    }
    st = stream_end(ctx, &d);
done:
    imz_mem_free(ctx, q);
    imz_mem_free(ctx, acc);
    imz_mem_free(ctx, fa);
    imz_mem_free(ctx, fb);
    return st;
}

/* Must match the encoder's code_coefficients (pca_enc.c): docs/format/pca.md §4.3. */
static int decode_coefficients(ImzPcaCoder *c, ImzIntModel (*models)[3], int32_t *q,
                               const int32_t *left, int k)
{
    for (int j = 0; j < k; j++) {
        int32_t l = left ? left[j] : 0;
        uint32_t a = (uint32_t)(l < 0 ? -l : l);
        int ctxv = a == 0 ? 0 : a < 3 ? 1 : 2;
        int jm = j < IMZ_PCA_COEF_MODELS ? j : IMZ_PCA_COEF_MODELS - 1;
        q[j] = imz_pca_code_int(c, &models[jm][ctxv], 0);
    }
    return 0;
}

static int decode_blocks(ImzContext *ctx, int b, const uint8_t *payload, size_t n_payload,
                         ImzImage *out)
{
    const int ch = out->channels, dim = b * b * ch;
    const double maxv = (double)((1u << out->bit_depth) - 1);
    const uint32_t bw = (out->width + (uint32_t)b - 1) / (uint32_t)b,
                   bh = (out->height + (uint32_t)b - 1) / (uint32_t)b;
    ImzBacDec d;
    imz_bac_dec_init(&d, payload, n_payload);
    ImzPcaCoder c = {IMZ_PCA_GET, NULL, &d, 0};
    int32_t *q = imz_malloc_array(ctx, (size_t)dim * 2, sizeof *q);
    double *mean = imz_malloc_array(ctx, (size_t)dim, sizeof *mean);
    double *v = imz_malloc_array(ctx, (size_t)dim, sizeof *v);
    double *basis = NULL;
    int32_t *prev = NULL;
    int st = IMZ_OK;
    if (!q || !mean || !v) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    ImzIntModel mi;
    ImzPcaVecModel mv;
    imz_int_model_init(&mi);
    imz_pca_vec_model_init(&mv);
    if (imz_pca_code_vector(&c, &mv, q, (size_t)dim) < 0) {
        st = bad(ctx, &d, "mean out of range");
        goto done;
    }
    for (int i = 0; i < dim; i++)
        mean[i] = q[i] * 0.25;
    int32_t k = imz_pca_code_int(&c, &mi, 0), pb = imz_pca_code_int(&c, &mi, 0),
            step = imz_pca_code_int(&c, &mi, 0);
    if (k < 0 || k > dim || pb < 0 || pb > 30 || step < 1 || step > (1 << 20)) {
        st = bad(ctx, &d, "block parameters out of range");
        goto done;
    }
    basis = imz_malloc_array(ctx, (size_t)(k ? k : 1) * dim, sizeof *basis);
    prev = imz_malloc_array(ctx, (size_t)bw * (k ? k : 1), sizeof *prev);
    if (!basis || !prev) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    imz_pca_vec_model_init(&mv);
    for (int j = 0; j < k; j++) {
        if (imz_pca_code_vector(&c, &mv, q, (size_t)dim) < 0) {
            st = bad(ctx, &d, "basis out of range");
            goto done;
        }
        for (int i = 0; i < dim; i++)
            basis[(size_t)j * dim + i] = ldexp(q[i], -pb);
    }
    ImzIntModel models[IMZ_PCA_COEF_MODELS][3];
    for (int j = 0; j < IMZ_PCA_COEF_MODELS; j++)
        for (int t = 0; t < 3; t++)
            imz_int_model_init(&models[j][t]);
    /* prev holds the coefficients of the row of blocks being decoded (left neighbour context) */
    for (uint32_t by = 0; by < bh; by++) {
        for (uint32_t bx = 0; bx < bw; bx++) {
            int32_t *cq = prev + (size_t)bx * (k ? k : 1);
            decode_coefficients(&c, models, cq, bx ? cq - (k ? k : 1) : NULL, k);
            memcpy(v, mean, sizeof *v * (size_t)dim);
            for (int j = 0; j < k; j++) {
                const double cd = ldexp((double)cq[j] * step, -8), *bj = basis + (size_t)j * dim;
                for (int i = 0; i < dim; i++)
                    v[i] += cd * bj[i];
            }
            for (int y = 0; y < b; y++) {
                uint32_t sy = by * (uint32_t)b + (uint32_t)y;
                if (sy >= out->height)
                    break;
                for (int x = 0; x < b; x++) {
                    uint32_t sx = bx * (uint32_t)b + (uint32_t)x;
                    if (sx >= out->width)
                        break;
                    uint16_t *s = out->data + ((size_t)sy * out->width + sx) * ch;
                    for (int cc = 0; cc < ch; cc++)
                        s[cc] = to_sample(v[(y * b + x) * ch + cc], maxv);
                }
            }
        }
        if (d.overrun) {
            st = bad(ctx, &d, "payload ends early");
            goto done;
        }
    }
    st = stream_end(ctx, &d);
done:
    imz_mem_free(ctx, q);
    imz_mem_free(ctx, mean);
    imz_mem_free(ctx, v);
    imz_mem_free(ctx, basis);
    imz_mem_free(ctx, prev);
    return st;
}

static int pca_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                      const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != 1 || params[0] == 1 || params[0] > IMZ_PCA_MAX_BLOCK)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "pca: invalid parameters");
    if (params[0] == 0)
        return decode_svd(ctx, payload, n_payload, out);
    return decode_blocks(ctx, params[0], payload, n_payload, out);
}

const ImzCodec imz_codec_pca = {
    .id = 42,
    .name = "pca",
    .summary = "lossy truncated SVD per channel, or a per-image KLT over blocks",
    .lossless = 0,
    .options = pca_options,
    .n_options = 2,
    .encode = imz_pca_encode,
    .decode = pca_decode,
};
