// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Benchmark metrics beyond what the library measures: multi-scale SSIM and the Bjontegaard delta
// rate. MS-SSIM is written on plain double planes, apart from the library's streamed SSIM, so that
// it could later move next to it without depending on the tool.

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define WIN 11
#define RADIUS 5
#define N_SCALES 5

static const double scale_weights[N_SCALES] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

/* One scale: mean of the contrast-structure map and of the full SSIM map over the valid region. */
static int scale_terms(const double *a, const double *b, size_t w, size_t h, double peak,
                       double *cs_mean, double *ssim_mean)
{
    double g[WIN], sum = 0;
    for (int k = 0; k < WIN; k++) {
        double x = k - RADIUS;
        g[k] = exp(-x * x / (2 * 1.5 * 1.5));
        sum += g[k];
    }
    for (int k = 0; k < WIN; k++)
        g[k] /= sum;

    const size_t ow = w - 2 * RADIUS, oh = h - 2 * RADIUS;
    /* Horizontal pass of the five moments into planes of ow x h. */
    double *hp = malloc(5 * ow * h * sizeof *hp);
    if (!hp)
        return IMZ_ERR_NOMEM;
    for (size_t y = 0; y < h; y++) {
        const double *ra = a + y * w, *rb = b + y * w;
        for (size_t x = 0; x < ow; x++) {
            double m[5] = {0, 0, 0, 0, 0};
            for (int k = 0; k < WIN; k++) {
                double va = ra[x + k], vb = rb[x + k], gk = g[k];
                m[0] += gk * va;
                m[1] += gk * vb;
                m[2] += gk * va * va;
                m[3] += gk * vb * vb;
                m[4] += gk * va * vb;
            }
            for (int j = 0; j < 5; j++)
                hp[(j * h + y) * ow + x] = m[j];
        }
    }
    const double c1 = (0.01 * peak) * (0.01 * peak), c2 = (0.03 * peak) * (0.03 * peak);
    double cs_sum = 0, ss_sum = 0;
    for (size_t y = 0; y < oh; y++) {
        for (size_t x = 0; x < ow; x++) {
            double m[5] = {0, 0, 0, 0, 0};
            for (int j = 0; j < 5; j++)
                for (int k = 0; k < WIN; k++)
                    m[j] += g[k] * hp[(j * h + y + (size_t)k) * ow + x];
            double va = m[2] - m[0] * m[0], vb = m[3] - m[1] * m[1], cov = m[4] - m[0] * m[1];
            double cs = (2 * cov + c2) / (va + vb + c2);
            double l = (2 * m[0] * m[1] + c1) / (m[0] * m[0] + m[1] * m[1] + c1);
            cs_sum += cs;
            ss_sum += l * cs;
        }
    }
    free(hp);
    *cs_mean = cs_sum / ((double)ow * oh);
    *ssim_mean = ss_sum / ((double)ow * oh);
    return IMZ_OK;
}

static void halve(const double *src, size_t w, size_t h, double *dst)
{
    size_t hw = w / 2, hh = h / 2;
    for (size_t y = 0; y < hh; y++)
        for (size_t x = 0; x < hw; x++) {
            const double *p = src + 2 * y * w + 2 * x;
            dst[y * hw + x] = 0.25 * (p[0] + p[1] + p[w] + p[w + 1]);
        }
}

int imz_bench_msssim(const ImzImage *a, const ImzImage *b, double *msssim)
{
    if (!a || !b || !a->data || !b->data || a->width != b->width || a->height != b->height ||
        a->channels != b->channels || !msssim)
        return IMZ_ERR_INVALID_ARG;
    size_t w = a->width, h = a->height;
    int scales = 0;
    for (size_t sw = w, sh = h; scales < N_SCALES && sw >= WIN && sh >= WIN; sw /= 2, sh /= 2)
        scales++;
    if (!scales)
        return IMZ_ERR_UNSUPPORTED;
    double wsum = 0;
    for (int s = 0; s < scales; s++)
        wsum += scale_weights[s];

    const double peak =
        (double)((1u << (a->bit_depth > b->bit_depth ? a->bit_depth : b->bit_depth)) - 1);
    double *pa = malloc(2 * w * h * sizeof *pa), *pb = pa ? pa + w * h : NULL;
    double *ta = malloc(2 * (w / 2 + 1) * (h / 2 + 1) * sizeof *ta);
    if (!pa || !ta) {
        free(pa);
        free(ta);
        return IMZ_ERR_NOMEM;
    }
    double *tb = ta + (w / 2 + 1) * (h / 2 + 1);
    double total = 0;
    int st = IMZ_OK;
    for (int c = 0; c < a->channels && st == IMZ_OK; c++) {
        for (size_t i = 0; i < w * h; i++) {
            pa[i] = a->data[i * a->channels + (size_t)c];
            pb[i] = b->data[i * b->channels + (size_t)c];
        }
        size_t sw = w, sh = h;
        double log_sum = 0;
        for (int s = 0; s < scales && st == IMZ_OK; s++) {
            double cs = 0, ss = 0;
            st = scale_terms(pa, pb, sw, sh, peak, &cs, &ss);
            double term = s == scales - 1 ? ss : cs;
            log_sum += scale_weights[s] / wsum * log(term > 1e-12 ? term : 1e-12);
            if (s < scales - 1) {
                halve(pa, sw, sh, ta);
                halve(pb, sw, sh, tb);
                sw /= 2;
                sh /= 2;
                memcpy(pa, ta, sw * sh * sizeof *pa);
                memcpy(pb, tb, sw * sh * sizeof *pb);
            }
        }
        total += exp(log_sum);
    }
    free(pa);
    free(ta);
    if (st == IMZ_OK)
        *msssim = total / a->channels;
    return st;
}

/* Least-squares cubic through (t, y) by the normal equations; t is already centred and scaled. */
static int fit_cubic(const double *t, const double *y, int n, double coef[4])
{
    double m[4][5];
    memset(m, 0, sizeof m);
    for (int i = 0; i < n; i++) {
        double p[4] = {1, t[i], t[i] * t[i], t[i] * t[i] * t[i]};
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 4; c++)
                m[r][c] += p[r] * p[c];
            m[r][4] += p[r] * y[i];
        }
    }
    for (int c = 0; c < 4; c++) {
        int best = c;
        for (int r = c + 1; r < 4; r++)
            if (fabs(m[r][c]) > fabs(m[best][c]))
                best = r;
        if (fabs(m[best][c]) < 1e-12)
            return -1;
        for (int k = 0; k < 5; k++) {
            double tmp = m[c][k];
            m[c][k] = m[best][k];
            m[best][k] = tmp;
        }
        for (int r = 0; r < 4; r++) {
            if (r == c)
                continue;
            double f = m[r][c] / m[c][c];
            for (int k = c; k < 5; k++)
                m[r][k] -= f * m[c][k];
        }
    }
    for (int r = 0; r < 4; r++)
        coef[r] = m[r][4] / m[r][r];
    return 0;
}

/* Mean of the fitted log-rate over [lo, hi] of quality. */
static int mean_log_rate(const double *rate, const double *q, int n, double lo, double hi,
                         double *mean)
{
    double mu = 0, sd = 0;
    for (int i = 0; i < n; i++)
        mu += q[i];
    mu /= n;
    for (int i = 0; i < n; i++)
        sd += (q[i] - mu) * (q[i] - mu);
    sd = sqrt(sd / n);
    if (!(sd > 0))
        return -1;
    double *t = malloc(2 * (size_t)n * sizeof *t);
    if (!t)
        return -1;
    double *ly = t + n;
    for (int i = 0; i < n; i++) {
        if (!(rate[i] > 0)) {
            free(t);
            return -1;
        }
        t[i] = (q[i] - mu) / sd;
        ly[i] = log(rate[i]);
    }
    double c[4];
    int rc = fit_cubic(t, ly, n, c);
    free(t);
    if (rc)
        return -1;
    double a = (lo - mu) / sd, b = (hi - mu) / sd;
    double prim_b = c[0] * b + c[1] * b * b / 2 + c[2] * b * b * b / 3 + c[3] * b * b * b * b / 4;
    double prim_a = c[0] * a + c[1] * a * a / 2 + c[2] * a * a * a / 3 + c[3] * a * a * a * a / 4;
    *mean = (prim_b - prim_a) / (b - a);
    return 0;
}

int imz_bench_bd_rate(const double *rate_a, const double *q_a, int n_a, const double *rate_b,
                      const double *q_b, int n_b, double *bd)
{
    if (n_a < 4 || n_b < 4)
        return -1;
    double lo_a = INFINITY, hi_a = -INFINITY, lo_b = INFINITY, hi_b = -INFINITY;
    for (int i = 0; i < n_a; i++) {
        if (!isfinite(q_a[i]))
            return -1;
        lo_a = fmin(lo_a, q_a[i]);
        hi_a = fmax(hi_a, q_a[i]);
    }
    for (int i = 0; i < n_b; i++) {
        if (!isfinite(q_b[i]))
            return -1;
        lo_b = fmin(lo_b, q_b[i]);
        hi_b = fmax(hi_b, q_b[i]);
    }
    double lo = fmax(lo_a, lo_b), hi = fmin(hi_a, hi_b);
    if (!(hi > lo))
        return -1;
    double ma, mb;
    if (mean_log_rate(rate_a, q_a, n_a, lo, hi, &ma) ||
        mean_log_rate(rate_b, q_b, n_b, lo, hi, &mb))
        return -1;
    *bd = (exp(ma - mb) - 1) * 100;
    return 0;
}
