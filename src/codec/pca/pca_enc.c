// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `pca` encoder (docs/format/pca.md), two modes:
//  - whole image (block 0): each channel, as a height x width matrix, is replaced by its truncated
//    SVD with K singular values, X ~ sum_k a_k b_k^T with a_k = sqrt(s_k) u_k, b_k = sqrt(s_k) v_k.
//    The factors are quantised with power-of-two steps; the step of component k is
//    2^-round(log2(s_k)/2 + t/2), which gives every component the same squared error per unit of
//    rate, so one integer t sets every bit depth. t is chosen per channel by rate-distortion:
//    it minimises D + lambda R (D estimated from the actual quantisation errors, R the adaptive
//    coder's ideal code length), with lambda the slope of truncation itself, the energy s_{K+1}^2
//    the next component would remove divided by what a component costs.
//  - blocks (block B): a KLT over B x B blocks of all channels together. The basis (K principal
//    directions of the block covariance) and the mean block are learned per image and stored; the
//    coefficients are quantised with one uniform step set by reverse water-filling
//    (step^2 / 12 = the first dropped eigenvalue), refined by a small D + lambda R search.
// LAPACK (dgesdd, loaded on first use by pca_lapack.c) computes the decompositions; the decoder
// only multiplies stored factors.

#include <math.h>
#include <string.h>

#include "codec/pca/pca.h"
#include "codec/pca/pca_lapack.h"
#include "codec/pca/pca_syntax.h"
#include "transform/blocks.h"

/* ---- analysis ----------------------------------------------------------------------------- */

void imz_pca_explained(const double *e, int n, double *cum)
{
    double total = 0, acc = 0;
    for (int i = 0; i < n; i++)
        total += e[i];
    for (int i = 0; i < n; i++) {
        acc += e[i];
        cum[i] = total > 0 ? acc / total : 1.0;
    }
}

/* Thin SVD of the row-major rows x cols matrix a (destroyed): s (min), and if wanted
 * u (rows x min) and vt (min x cols). */
static int svd(ImzContext *ctx, double *a, int rows, int cols, double *s, double *u, double *vt)
{
    const ImzLapack *la;
    int st = imz_pca_lapack(ctx, &la);
    if (st)
        return st;
    int m = rows < cols ? rows : cols;
    lapack_int info;
    if (u)
        info = la->dgesdd(LAPACK_ROW_MAJOR, 'S', rows, cols, a, cols, s, u, m, vt, cols);
    else
        info = la->dgesdd(LAPACK_ROW_MAJOR, 'N', rows, cols, a, cols, s, NULL, m, NULL, cols);
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "pca: LAPACK out of memory");
    if (info != 0)
        return imz_fail(ctx, IMZ_ERR_INTERNAL, "pca: SVD failed (%d)", (int)info);
    return IMZ_OK;
}

static double *channel_matrix(ImzContext *ctx, const ImzImage *img, int channel)
{
    size_t n = (size_t)img->width * img->height;
    double *x = imz_malloc_array(ctx, n, sizeof *x);
    if (x)
        for (size_t i = 0; i < n; i++)
            x[i] = img->data[i * img->channels + (size_t)channel];
    return x;
}

int imz_pca_spectrum(ImzContext *ctx, const ImzImage *img, int channel, double *sv, int *n)
{
    if (channel < 0 || channel >= img->channels)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "pca: no channel %d", channel);
    double *x = channel_matrix(ctx, img, channel);
    if (!x)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
    int st = svd(ctx, x, (int)img->height, (int)img->width, sv, NULL, NULL);
    *n = (int)(img->height < img->width ? img->height : img->width);
    imz_mem_free(ctx, x);
    return st;
}

/* Blocks of img as rows of a matrix (n_blocks x B*B*C), edge pixels replicated. */
static double *block_matrix(ImzContext *ctx, const ImzImage *img, int b, size_t *n_blocks)
{
    const int ch = img->channels, dim = b * b * ch;
    const uint32_t bw = (img->width + (uint32_t)b - 1) / (uint32_t)b,
                   bh = (img->height + (uint32_t)b - 1) / (uint32_t)b;
    *n_blocks = (size_t)bw * bh;
    double *m = imz_malloc_array(ctx, *n_blocks, sizeof(double) * (size_t)dim);
    if (!m)
        return NULL;
    for (uint32_t by = 0; by < bh; by++)
        for (uint32_t bx = 0; bx < bw; bx++) {
            double *row = m + ((size_t)by * bw + bx) * (size_t)dim;
            for (int y = 0; y < b; y++) {
                for (int x = 0; x < b; x++) {
                    const uint16_t *s = imz_block_pixel(img, bx, by, b, x, y);
                    for (int c = 0; c < ch; c++)
                        row[(y * b + x) * ch + c] = s[c];
                }
            }
        }
    return m;
}

int imz_pca_block_spectrum(ImzContext *ctx, const ImzImage *img, int block, double *eig, int *n)
{
    if (block < 1 || block > IMZ_PCA_MAX_BLOCK)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "pca: block %d", block);
    size_t nb;
    const int dim = block * block * img->channels;
    double *m = block_matrix(ctx, img, block, &nb);
    if (!m)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
    for (int j = 0; j < dim; j++) {
        double mean = 0;
        for (size_t i = 0; i < nb; i++)
            mean += m[i * dim + j];
        mean /= (double)nb;
        for (size_t i = 0; i < nb; i++)
            m[i * dim + j] -= mean;
    }
    int k = (size_t)dim < nb ? dim : (int)nb;
    int st = svd(ctx, m, (int)nb, dim, eig, NULL, NULL);
    for (int i = 0; i < dim; i++)
        eig[i] = i < k && st == IMZ_OK ? eig[i] * eig[i] / (double)nb : 0;
    *n = dim;
    imz_mem_free(ctx, m);
    return st;
}

/* ---- whole-image mode --------------------------------------------------------------------- */

static int32_t quant(double v, int e)
{
    double q = floor(ldexp(v, e) + 0.5);
    const double lim = (double)((1 << 23) - 1);
    return (int32_t)(q > lim ? lim : q < -lim ? -lim : q);
}

static inline int exponent_of(double s, int t)
{
    int e = (int)floor(0.5 * log2(s) + 0.5 * t + 0.5);
    return e < IMZ_PCA_EXP_MIN ? IMZ_PCA_EXP_MIN : e > IMZ_PCA_EXP_MAX ? IMZ_PCA_EXP_MAX : e;
}

/* Quantises the first k factor pairs with offset t into qa (k x h) and qb (k x w); returns the
 * estimated squared error and, through bits and last_bits, the code length of everything and of
 * the last components (the cost of a marginal component). */
static double quantise_factors(const double *s, const double *u, const double *vt, int h, int w,
                               int m, int k, int t, int32_t *qa, int32_t *qb, double *bits,
                               double *last_bits, int n_last)
{
    ImzPcaCoder c = {IMZ_PCA_COST, NULL, NULL, 0};
    ImzPcaVecModel ma, mb;
    ImzIntModel me;
    imz_pca_vec_model_init(&ma);
    imz_pca_vec_model_init(&mb);
    imz_int_model_init(&me);
    double dist = 0;
    int prev_e = 0;
    *last_bits = 0;
    for (int j = 0; j < k; j++) {
        const double r = sqrt(s[j]);
        const int e = exponent_of(s[j], t);
        double before = c.bits, ea = 0, eb = 0;
        int32_t *a = qa + (size_t)j * h, *b = qb + (size_t)j * w;
        for (int i = 0; i < h; i++) {
            double v = r * u[(size_t)i * m + j];
            a[i] = quant(v, e);
            double d = ldexp(a[i], -e) - v;
            ea += d * d;
        }
        for (int i = 0; i < w; i++) {
            double v = r * vt[(size_t)j * w + i];
            b[i] = quant(v, e);
            double d = ldexp(b[i], -e) - v;
            eb += d * d;
        }
        dist += s[j] * (ea + eb); /* |b_j|^2 = |a_j|^2 = s_j */
        imz_pca_code_int(&c, &me, e - prev_e);
        imz_pca_code_int(&c, &me, 0);
        prev_e = e;
        imz_pca_code_vector(&c, &ma, a, (size_t)h);
        imz_pca_code_vector(&c, &mb, b, (size_t)w);
        if (j >= k - n_last)
            *last_bits += c.bits - before;
    }
    *bits = c.bits;
    return dist;
}

static int encode_channel_svd(ImzContext *ctx, const ImzImage *img, int channel, int k_max,
                              ImzBacEnc *enc)
{
    const int h = (int)img->height, w = (int)img->width, m = h < w ? h : w;
    double *x = channel_matrix(ctx, img, channel);
    double *s = imz_malloc_array(ctx, (size_t)m, sizeof *s);
    double *u = imz_malloc_array(ctx, (size_t)h * m, sizeof *u);
    double *vt = imz_malloc_array(ctx, (size_t)m * w, sizeof *vt);
    int k = k_max < m ? k_max : m;
    int32_t *qa = imz_malloc_array(ctx, (size_t)k * h, sizeof *qa);
    int32_t *qb = imz_malloc_array(ctx, (size_t)k * w, sizeof *qb);
    int st = IMZ_OK;
    if (!x || !s || !u || !vt || !qa || !qb) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    st = svd(ctx, x, h, w, s, u, vt);
    if (st < 0)
        goto done;
    while (k > 0 && !(s[k - 1] > 1e-9 * s[0]))
        k--;
    int best_t = 0;
    if (k > 0) {
        /* lambda: squared-error drop of one more component per bit it would cost */
        const double next = k < m ? s[k] * s[k] : 0;
        const double floor_mse = 0.02 * (double)h * w; /* finer than this is lost in rounding */
        const int n_last = k / 8 > 0 ? k / 8 : 1;
        double bits, last, d;
        quantise_factors(s, u, vt, h, w, m, k, 4, qa, qb, &bits, &last, n_last);
        double lambda = next / (last / n_last + 1);
        best_t = 4;
        for (int round = 0; round < 4; round++) {
            /* D + lambda R over t: a coarse scan (every 4th offset), then the neighbours of
             * the best coarse point */
            const int start = best_t;
            double best_j = INFINITY;
            for (int t = -12; t <= 40; t += 4) {
                d = quantise_factors(s, u, vt, h, w, m, k, t, qa, qb, &bits, &last, n_last);
                if (d + lambda * bits < best_j) {
                    best_j = d + lambda * bits;
                    best_t = t;
                }
                if (d < floor_mse)
                    break;
            }
            const int centre = best_t;
            for (int t = centre - 3; t <= centre + 3; t++) {
                if (t == centre || t < -12 || t > 40)
                    continue;
                d = quantise_factors(s, u, vt, h, w, m, k, t, qa, qb, &bits, &last, n_last);
                if (d + lambda * bits < best_j && (d >= floor_mse || t < centre)) {
                    best_j = d + lambda * bits;
                    best_t = t;
                }
            }
            if (round > 0 && best_t == start)
                break;
            quantise_factors(s, u, vt, h, w, m, k, best_t, qa, qb, &bits, &last, n_last);
            lambda = next / (last / n_last + 1);
        }
    }
    /* the chosen quantisation, coded for real */
    ImzPcaCoder c = {IMZ_PCA_PUT, enc, NULL, 0};
    ImzPcaVecModel ma, mb;
    ImzIntModel me;
    imz_pca_vec_model_init(&ma);
    imz_pca_vec_model_init(&mb);
    imz_int_model_init(&me);
    imz_pca_code_int(&c, &me, k);
    double bits, last;
    if (k > 0)
        quantise_factors(s, u, vt, h, w, m, k, best_t, qa, qb, &bits, &last, 1);
    int prev_e = 0;
    for (int j = 0; j < k; j++) {
        int e = exponent_of(s[j], best_t);
        imz_pca_code_int(&c, &me, e - prev_e);
        imz_pca_code_int(&c, &me, 0); /* b uses the same exponent as a */
        prev_e = e;
        imz_pca_code_vector(&c, &ma, qa + (size_t)j * h, (size_t)h);
        imz_pca_code_vector(&c, &mb, qb + (size_t)j * w, (size_t)w);
    }
done:
    imz_mem_free(ctx, x);
    imz_mem_free(ctx, s);
    imz_mem_free(ctx, u);
    imz_mem_free(ctx, vt);
    imz_mem_free(ctx, qa);
    imz_mem_free(ctx, qb);
    return st;
}

/* ---- block mode --------------------------------------------------------------------------- */

/* Codes the block coefficients (n_blocks x k, row-major) in the direction of c. */
static void code_coefficients(ImzPcaCoder *c, ImzIntModel (*models)[3], int32_t *q, size_t nb,
                              uint32_t bw, int k)
{
    for (size_t i = 0; i < nb; i++)
        for (int j = 0; j < k; j++) {
            /* context: the same coefficient in the block to the left */
            int32_t left = i % bw ? q[(i - 1) * k + (size_t)j] : 0;
            uint32_t a = (uint32_t)(left < 0 ? -left : left);
            int ctxv = a == 0 ? 0 : a < 3 ? 1 : 2;
            int jm = j < IMZ_PCA_COEF_MODELS ? j : IMZ_PCA_COEF_MODELS - 1;
            q[i * k + (size_t)j] = imz_pca_code_int(c, &models[jm][ctxv], q[i * k + (size_t)j]);
        }
}

static int encode_blocks(ImzContext *ctx, const ImzImage *img, int b, int k_max, ImzBuf *params,
                         ImzBuf *payload)
{
    const int ch = img->channels, dim = b * b * ch;
    const uint32_t bw = (img->width + (uint32_t)b - 1) / (uint32_t)b;
    size_t nb;
    double *m = block_matrix(ctx, img, b, &nb);
    double *centred = imz_malloc_array(ctx, nb, sizeof(double) * (size_t)dim);
    double *s = imz_malloc_array(ctx, (size_t)dim, sizeof *s);
    double *vt = imz_malloc_array(ctx, (size_t)dim * dim, sizeof *vt);
    double *u = NULL, *basis = imz_malloc_array(ctx, (size_t)dim * dim, sizeof *basis);
    double *gram = imz_malloc_array(ctx, (size_t)dim * dim, sizeof *gram);
    int32_t *qmean = imz_malloc_array(ctx, (size_t)dim, sizeof *qmean);
    int32_t *qbasis = imz_malloc_array(ctx, (size_t)dim * dim, sizeof *qbasis);
    int32_t *coef = NULL;
    double *cf = NULL;
    int st = IMZ_OK, k = 0;
    if (!m || !centred || !s || !vt || !basis || !gram || !qmean || !qbasis) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    /* mean block, stored in quarter sample units */
    for (int j = 0; j < dim; j++) {
        double mean = 0;
        for (size_t i = 0; i < nb; i++)
            mean += m[i * dim + j];
        qmean[j] = (int32_t)floor(mean / (double)nb * 4 + 0.5);
        for (size_t i = 0; i < nb; i++)
            centred[i * dim + j] = m[i * dim + j] - qmean[j] * 0.25;
    }
    /* dgesdd destroys its input; with fewer blocks than dimensions, zero rows (which change
     * nothing) make the thin SVD return all dim directions */
    const size_t rows = nb > (size_t)dim ? nb : (size_t)dim;
    int rank = (size_t)dim < nb ? dim : (int)nb;
    imz_mem_free(ctx, m);
    m = imz_calloc(ctx, rows, sizeof(double) * (size_t)dim);
    u = imz_malloc_array(ctx, rows, sizeof(double) * (size_t)dim);
    if (!m || !u) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    memcpy(m, centred, sizeof(double) * nb * (size_t)dim);
    st = svd(ctx, m, (int)rows, dim, s, u, vt);
    if (st < 0)
        goto done;
    imz_mem_free(ctx, u);
    u = NULL;
    k = k_max < rank ? k_max : rank;
    while (k > 0 && !(s[k - 1] > 1e-9 * s[0]))
        k--;
    /* eigenvalues: variance of each coefficient; theta = the first one dropped */
    const double theta = k < dim ? s[k] * s[k] / (double)nb : 0;
    const double lambda = 2 * log(2.0) * (theta > 1.0 / 48 ? theta : 1.0 / 48);
    /* basis precision: error energy (first order: |basis error|^2 x coefficient energy) against
     * the basis's code length, at the coefficients' slope lambda */
    int pb = 8;
    double best = INFINITY;
    for (int p = 5; p <= 14 && k > 0; p++) {
        ImzPcaCoder c = {IMZ_PCA_COST, NULL, NULL, 0};
        ImzPcaVecModel mv;
        imz_pca_vec_model_init(&mv);
        double d = 0;
        for (int j = 0; j < k; j++) {
            double e2 = 0;
            for (int i = 0; i < dim; i++) {
                double v = vt[(size_t)j * dim + i];
                qbasis[(size_t)j * dim + i] = quant(v, p);
                double e = ldexp(qbasis[(size_t)j * dim + i], -p) - v;
                e2 += e * e;
            }
            d += e2 * s[j] * s[j];
            imz_pca_code_vector(&c, &mv, qbasis + (size_t)j * dim, (size_t)dim);
        }
        double jv = d + lambda * c.bits;
        if (jv < best) {
            best = jv;
            pb = p;
        }
    }
    for (int j = 0; j < k; j++)
        for (int i = 0; i < dim; i++) {
            qbasis[(size_t)j * dim + i] = quant(vt[(size_t)j * dim + i], pb);
            basis[(size_t)j * dim + i] = ldexp(qbasis[(size_t)j * dim + i], -pb);
        }
    /* coefficients by least squares on the quantised basis: solve (B B^T) C = B X^T */
    coef = imz_malloc_array(ctx, nb, sizeof(int32_t) * (size_t)(k ? k : 1));
    cf = imz_malloc_array(ctx, nb, sizeof(double) * (size_t)(k ? k : 1));
    if (!coef || !cf) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "pca: out of memory");
        goto done;
    }
    if (k > 0) {
        for (int a = 0; a < k; a++)
            for (int c2 = 0; c2 < k; c2++) {
                double g = 0;
                for (int i = 0; i < dim; i++)
                    g += basis[(size_t)a * dim + i] * basis[(size_t)c2 * dim + i];
                gram[(size_t)a * k + c2] = g;
            }
        /* pinv = (B B^T)^-1 B, k x dim, in vt's place */
        memcpy(vt, basis, sizeof(double) * (size_t)k * dim);
        const ImzLapack *la;
        st = imz_pca_lapack(ctx, &la);
        if (st)
            goto done;
        lapack_int info = la->dposv(LAPACK_ROW_MAJOR, 'U', k, dim, gram, k, vt, dim);
        if (info != 0) {
            st = imz_fail(ctx, IMZ_ERR_INTERNAL, "pca: basis Gram matrix not definite (%d)",
                          (int)info);
            goto done;
        }
        for (size_t i = 0; i < nb; i++)
            for (int j = 0; j < k; j++) {
                double v = 0;
                for (int d = 0; d < dim; d++)
                    v += vt[(size_t)j * dim + d] * centred[i * dim + d];
                cf[i * k + (size_t)j] = v;
            }
    }
    /* coefficient step: reverse water-filling (step^2/12 = theta), refined by D + lambda R */
    const double base = sqrt(12 * (theta > 1.0 / 48 ? theta : 1.0 / 48));
    uint32_t best_step = 1;
    best = INFINITY;
    for (int f = -4; f <= 4 && k > 0; f++) {
        double step = base * pow(2.0, f / 4.0);
        uint32_t qs = (uint32_t)floor(step * 256 + 0.5);
        qs = qs < 1 ? 1 : qs > (1u << 20) ? (1u << 20) : qs;
        const double st_real = qs / 256.0;
        double d = 0;
        for (size_t i = 0; i < nb * (size_t)k; i++) {
            double q = floor(cf[i] / st_real + 0.5);
            q = q > (1 << 23) - 1 ? (1 << 23) - 1 : q < -((1 << 23) - 1) ? -((1 << 23) - 1) : q;
            coef[i] = (int32_t)q;
            d += (q * st_real - cf[i]) * (q * st_real - cf[i]);
        }
        ImzPcaCoder c = {IMZ_PCA_COST, NULL, NULL, 0};
        ImzIntModel models[IMZ_PCA_COEF_MODELS][3];
        for (int j = 0; j < IMZ_PCA_COEF_MODELS; j++)
            for (int t = 0; t < 3; t++)
                imz_int_model_init(&models[j][t]);
        code_coefficients(&c, models, coef, nb, bw, k);
        double jv = d + lambda * c.bits;
        if (jv < best) {
            best = jv;
            best_step = qs;
        }
    }
    for (size_t i = 0; i < nb * (size_t)k; i++) {
        double q = floor(cf[i] / (best_step / 256.0) + 0.5);
        q = q > (1 << 23) - 1 ? (1 << 23) - 1 : q < -((1 << 23) - 1) ? -((1 << 23) - 1) : q;
        coef[i] = (int32_t)q;
    }
    /* the stream */
    imz_buf_put_u8(params, (unsigned)b);
    ImzBacEnc e;
    imz_bac_enc_init(&e, payload);
    ImzPcaCoder c = {IMZ_PCA_PUT, &e, NULL, 0};
    ImzIntModel mi;
    ImzPcaVecModel mv;
    imz_int_model_init(&mi);
    imz_pca_vec_model_init(&mv);
    imz_pca_code_vector(&c, &mv, qmean, (size_t)dim);
    imz_pca_code_int(&c, &mi, k);
    imz_pca_code_int(&c, &mi, pb);
    imz_pca_code_int(&c, &mi, (int32_t)best_step);
    imz_pca_vec_model_init(&mv);
    for (int j = 0; j < k; j++)
        imz_pca_code_vector(&c, &mv, qbasis + (size_t)j * dim, (size_t)dim);
    ImzIntModel models[IMZ_PCA_COEF_MODELS][3];
    for (int j = 0; j < IMZ_PCA_COEF_MODELS; j++)
        for (int t = 0; t < 3; t++)
            imz_int_model_init(&models[j][t]);
    code_coefficients(&c, models, coef, nb, bw, k);
    imz_bac_enc_finish(&e);
done:
    imz_mem_free(ctx, m);
    imz_mem_free(ctx, centred);
    imz_mem_free(ctx, s);
    imz_mem_free(ctx, vt);
    imz_mem_free(ctx, u);
    imz_mem_free(ctx, basis);
    imz_mem_free(ctx, gram);
    imz_mem_free(ctx, qmean);
    imz_mem_free(ctx, qbasis);
    imz_mem_free(ctx, coef);
    imz_mem_free(ctx, cf);
    return st;
}

int imz_pca_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                   ImzBuf *payload)
{
    const int k = (int)opt[0], b = (int)opt[1];
    if (b == 1)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "pca: --block must be 0 (whole image) or 2..%d",
                        IMZ_PCA_MAX_BLOCK);
    if (b > 0)
        return encode_blocks(ctx, img, b, k, params, payload);
    imz_buf_put_u8(params, 0);
    ImzBacEnc e;
    imz_bac_enc_init(&e, payload);
    int st = IMZ_OK;
    for (int c = 0; c < img->channels && st == IMZ_OK; c++)
        st = encode_channel_svd(ctx, img, c, k, &e);
    imz_bac_enc_finish(&e);
    return st;
}
