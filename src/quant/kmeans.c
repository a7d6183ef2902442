// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// k-means++ seeding (Arthur & Vassilvitskii 2007; greedy variant as in scikit-learn) and Hamerly's
// algorithm (Hamerly 2010, "Making k-means even faster"): per point an upper bound on the distance
// to its own centre and a lower bound on the distance to any other; a point is only re-examined
// when the bounds, loosened by how far the centres moved, no longer prove its assignment.
// Sums are accumulated in double in point order, so results do not depend on anything but the
// input and the seed.

#include <float.h>
#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "quant/kmeans.h"

static inline float dist2(const float *a, const float *b, int d)
{
    float s = 0;
    for (int i = 0; i < d; i++) {
        float t = a[i] - b[i];
        s += t * t;
    }
    return s;
}

int imz_kmeans_nearest(const float *centres, int k, int dims, const float *x, float *d2)
{
    int best = 0;
    float bd = FLT_MAX;
    for (int j = 0; j < k; j++) {
        float t = dist2(centres + (size_t)j * dims, x, dims);
        if (t < bd) {
            bd = t;
            best = j;
        }
    }
    if (d2)
        *d2 = bd;
    return best;
}

/* Centres transposed for the assignment search: coordinate c of centre j at t[c * kpad + j], with
 * kpad a multiple of 8 and far-away padding centres, so the distances to all centres are computed
 * in fixed groups of 8 that the compiler turns into vector code. */
#define GROUP 8
#define FAR 1e15f

static void transpose_centres(const float *c, int k, int kpad, int d, float *t)
{
    for (int i = 0; i < d; i++)
        for (int j = 0; j < kpad; j++)
            t[(size_t)i * kpad + j] = j < k ? c[(size_t)j * d + i] : FAR;
}

/* Nearest and second-nearest centre of x (squared distances); second is FLT_MAX when k == 1.
 * Each of the GROUP lanes keeps its own best two, merged at the end, so the loop has no branches.
 * Ties go to the lowest index. */
static void nearest_two(const float *t, int kpad, int d, const float *x, int *j1, float *d1,
                        float *d2)
{
    float b1[GROUP], b2[GROUP];
    int i1[GROUP];
    for (int g = 0; g < GROUP; g++) {
        b1[g] = b2[g] = FLT_MAX;
        i1[g] = g;
    }
    for (int j0 = 0; j0 < kpad; j0 += GROUP) {
        float acc[GROUP] = {0};
        for (int i = 0; i < d; i++) {
            const float *row = t + (size_t)i * kpad + j0, xi = x[i];
            for (int g = 0; g < GROUP; g++) {
                float v = row[g] - xi;
                acc[g] += v * v;
            }
        }
        for (int g = 0; g < GROUP; g++) {
            float v = acc[g], lo = v < b1[g] ? v : b1[g], hi = v < b1[g] ? b1[g] : v;
            i1[g] = v < b1[g] ? j0 + g : i1[g];
            b2[g] = hi < b2[g] ? hi : b2[g];
            b1[g] = lo;
        }
    }
    int w = 0;
    for (int g = 1; g < GROUP; g++)
        if (b1[g] < b1[w] || (b1[g] == b1[w] && i1[g] < i1[w]))
            w = g;
    float second = b2[w];
    for (int g = 0; g < GROUP; g++)
        if (g != w && b1[g] < second)
            second = b1[g];
    *j1 = i1[w];
    *d1 = b1[w];
    *d2 = second >= FAR ? FLT_MAX : second;
}

int imz_kmeans_index_init(ImzContext *ctx, ImzKmeansIndex *ix, const float *centres, int k,
                          int dims)
{
    ix->k = k;
    ix->dims = dims;
    ix->kpad = (k + GROUP - 1) / GROUP * GROUP;
    ix->t = imz_malloc_array(ctx, (size_t)ix->kpad, sizeof(float) * (size_t)dims);
    if (!ix->t)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "kmeans: out of memory");
    transpose_centres(centres, k, ix->kpad, dims, ix->t);
    return IMZ_OK;
}

void imz_kmeans_index_free(ImzContext *ctx, ImzKmeansIndex *ix)
{
    imz_mem_free(ctx, ix->t);
    ix->t = NULL;
}

int imz_kmeans_index_nearest(const ImzKmeansIndex *ix, const float *x)
{
    float b1[GROUP];
    int i1[GROUP];
    for (int g = 0; g < GROUP; g++) {
        b1[g] = FLT_MAX;
        i1[g] = g;
    }
    for (int j0 = 0; j0 < ix->kpad; j0 += GROUP) {
        float acc[GROUP] = {0};
        for (int i = 0; i < ix->dims; i++) {
            const float *row = ix->t + (size_t)i * ix->kpad + j0, xi = x[i];
            for (int g = 0; g < GROUP; g++) {
                float v = row[g] - xi;
                acc[g] += v * v;
            }
        }
        for (int g = 0; g < GROUP; g++) {
            i1[g] = acc[g] < b1[g] ? j0 + g : i1[g];
            b1[g] = acc[g] < b1[g] ? acc[g] : b1[g];
        }
    }
    int w = 0;
    for (int g = 1; g < GROUP; g++)
        if (b1[g] < b1[w] || (b1[g] == b1[w] && i1[g] < i1[w]))
            w = g;
    return i1[w];
}

/* Weighted squared distances of the sample points (transposed: coordinate i of point j at
 * xs[i * mpad + j], mpad a multiple of GROUP, padding points of weight 0) to x, in groups of GROUP
 * so that the loops vectorise. Writes out[j]; returns the sum of min(out[j], dmin[j]) when dmin is
 * given (the k-means++ potential with x added). */
static double weighted_dist(const float *xs, const float *ws, size_t mpad, int d, const float *x,
                            const float *dmin, float *out)
{
    double pot = 0;
    for (size_t j0 = 0; j0 < mpad; j0 += GROUP) {
        float acc[GROUP] = {0};
        for (int i = 0; i < d; i++) {
            const float *row = xs + (size_t)i * mpad + j0, xi = x[i];
            for (int g = 0; g < GROUP; g++) {
                float v = row[g] - xi;
                acc[g] += v * v;
            }
        }
        float part = 0;
        for (int g = 0; g < GROUP; g++) {
            acc[g] *= ws[j0 + g];
            if (dmin)
                part += acc[g] < dmin[j0 + g] ? acc[g] : dmin[j0 + g];
        }
        if (out)
            memcpy(out + j0, acc, sizeof acc);
        pot += part;
    }
    return pot;
}

/* Index drawn with probability proportional to dmin (the k-means++ rule); never a covered point
 * (dmin = 0) while total > 0. */
static size_t draw(const float *dmin, size_t m, double total, ImzRng *rng)
{
    double r = imz_rng_uniform(rng) * total, acc = 0;
    size_t c;
    for (c = 0; c + 1 < m; c++) {
        acc += dmin[c];
        if (acc > r && dmin[c] > 0)
            break;
    }
    while (c > 0 && dmin[c] <= 0) /* rounding walked onto a covered point */
        c--;
    return c;
}

/* k-means++ on m sample points (indices idx into pts); writes up to k centres, returns the count.
 * xs, ws, dmin, tmp: scratch laid out as weighted_dist wants (mpad entries per coordinate). */
static int seed_centres(const float *pts, const float *w, const uint32_t *idx, size_t m,
                        size_t mpad, const ImzKmeansParams *p, ImzRng *rng, float *centres,
                        float *xs, float *ws, float *dmin, float *tmp)
{
    const int d = p->dims;
    for (size_t j = 0; j < mpad; j++) {
        for (int i = 0; i < d; i++)
            xs[(size_t)i * mpad + j] = j < m ? pts[(size_t)idx[j] * d + i] : 0;
        ws[j] = j < m ? (w ? w[idx[j]] : 1.0f) : 0;
    }
    /* first centre: drawn in proportion to weight */
    double total = 0;
    for (size_t j = 0; j < m; j++)
        total += ws[j];
    size_t first = draw(ws, m, total, rng);
    for (int i = 0; i < d; i++)
        centres[i] = xs[(size_t)i * mpad + first];
    weighted_dist(xs, ws, mpad, d, centres, NULL, dmin);
    total = 0;
    for (size_t j = 0; j < m; j++)
        total += dmin[j];
    int kc = 1;
    float x[512];
    const int dd = d < 512 ? d : 512;
    while (kc < p->k && total > 0) {
        size_t best = 0;
        double best_pot = -1;
        for (int t = 0; t < p->init_trials; t++) {
            size_t c = draw(dmin, m, total, rng);
            if (p->init_trials == 1 || d > dd) {
                best = c;
                break;
            }
            for (int i = 0; i < d; i++)
                x[i] = xs[(size_t)i * mpad + c];
            double pot = weighted_dist(xs, ws, mpad, d, x, dmin, NULL);
            if (best_pot < 0 || pot < best_pot) {
                best_pot = pot;
                best = c;
            }
        }
        if (dmin[best] <= 0)
            break;
        float *cn = centres + (size_t)kc * d;
        for (int i = 0; i < d; i++)
            cn[i] = xs[(size_t)i * mpad + best];
        kc++;
        weighted_dist(xs, ws, mpad, d, cn, NULL, tmp);
        total = 0;
        for (size_t j = 0; j < m; j++) {
            if (tmp[j] < dmin[j])
                dmin[j] = tmp[j];
            total += dmin[j];
        }
    }
    return kc;
}

/* One seeding and Lloyd run; *sse receives the weighted sum of squared distances. */
static int run_once(ImzContext *ctx, const float *pts, const float *weights, size_t n,
                    const ImzKmeansParams *p, uint64_t seed, float *centres, uint32_t *assign,
                    int *k_out, double *sse)
{
    const int d = p->dims;
    ImzRng rng;
    imz_rng_seed(&rng, seed);
    size_t m = p->init_sample && p->init_sample < n ? p->init_sample : n;
    int st = IMZ_OK;
    const size_t mpad = (m + GROUP - 1) / GROUP * GROUP;
    uint32_t *idx = imz_malloc_array(ctx, m, sizeof *idx);
    float *dmin = imz_malloc_array(ctx, mpad, sizeof(float) * (size_t)(d + 3));
    uint32_t *asg = imz_malloc_array(ctx, n, sizeof *asg);
    float *upper = imz_malloc_array(ctx, n, sizeof *upper);
    float *lower = imz_malloc_array(ctx, n, sizeof *lower);
    double *sums = imz_malloc_array(ctx, (size_t)p->k * (size_t)(d + 1), sizeof *sums);
    float *old = imz_malloc_array(ctx, (size_t)p->k * (size_t)d, sizeof *old);
    float *s = imz_malloc_array(ctx, (size_t)p->k, sizeof *s);
    float *moved = imz_malloc_array(ctx, (size_t)p->k, sizeof *moved);
    const int kpad = (p->k + GROUP - 1) / GROUP * GROUP;
    float *tc = imz_malloc_array(ctx, (size_t)kpad, sizeof(float) * (size_t)d);
    if (!idx || !dmin || !asg || !upper || !lower || !sums || !old || !s || !moved || !tc) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    if (m == n) {
        for (size_t i = 0; i < n; i++)
            idx[i] = (uint32_t)i;
    } else {
        for (size_t i = 0; i < m; i++)
            idx[i] = (uint32_t)imz_rng_below(&rng, n);
    }
    int k = seed_centres(pts, weights, idx, m, mpad, p, &rng, centres, dmin + mpad * 3,
                         dmin + mpad, dmin, dmin + mpad * 2);

    int full = 1;
    for (int iter = 0; iter <= p->max_iter; iter++) {
        size_t changed = 0;
        transpose_centres(centres, k, kpad, d, tc);
        if (!full) {
            for (int j = 0; j < k; j++) {
                float b = FLT_MAX;
                for (int j2 = 0; j2 < k; j2++)
                    if (j2 != j) {
                        float t = dist2(centres + (size_t)j * d, centres + (size_t)j2 * d, d);
                        if (t < b)
                            b = t;
                    }
                s[j] = 0.5f * sqrtf(b);
            }
        }
        for (size_t i = 0; i < n; i++) {
            const float *x = pts + i * (size_t)d;
            if (!full) {
                uint32_t a = asg[i];
                float bound = s[a] > lower[i] ? s[a] : lower[i];
                if (upper[i] <= bound)
                    continue;
                upper[i] = sqrtf(dist2(x, centres + (size_t)a * d, d));
                if (upper[i] <= bound)
                    continue;
            }
            int j1;
            float d1, d2;
            nearest_two(tc, kpad, d, x, &j1, &d1, &d2);
            if (full || asg[i] != (uint32_t)j1)
                changed++;
            asg[i] = (uint32_t)j1;
            upper[i] = sqrtf(d1);
            lower[i] = d2 == FLT_MAX ? FLT_MAX : sqrtf(d2);
        }
        full = 0;
        if (!changed || iter == p->max_iter)
            break;
        /* move every centre to the weighted mean of its points */
        memset(sums, 0, sizeof *sums * (size_t)k * (size_t)(d + 1));
        for (size_t i = 0; i < n; i++) {
            double wi = weights ? weights[i] : 1.0, *sj = sums + (size_t)asg[i] * (d + 1);
            const float *x = pts + i * (size_t)d;
            for (int c = 0; c < d; c++)
                sj[c] += wi * x[c];
            sj[d] += wi;
        }
        memcpy(old, centres, sizeof(float) * (size_t)k * (size_t)d);
        for (int j = 0; j < k; j++) {
            double *sj = sums + (size_t)j * (d + 1);
            if (sj[d] > 0) {
                for (int c = 0; c < d; c++)
                    centres[(size_t)j * d + c] = (float)(sj[c] / sj[d]);
            } else {
                /* empty cluster: restart it on the point worst served by its centre */
                size_t worst = 0;
                float wu = -1;
                for (size_t i = 0; i < n; i++) {
                    float v = upper[i] * (weights ? weights[i] : 1.0f);
                    if (v > wu) {
                        wu = v;
                        worst = i;
                    }
                }
                memcpy(centres + (size_t)j * d, pts + worst * (size_t)d, sizeof(float) * (size_t)d);
                upper[worst] = 0;
                full = 1;
            }
        }
        float m1 = 0, m2 = 0;
        int j_m1 = -1;
        for (int j = 0; j < k; j++) {
            moved[j] = sqrtf(dist2(old + (size_t)j * d, centres + (size_t)j * d, d));
            if (moved[j] > m1) {
                m2 = m1;
                m1 = moved[j];
                j_m1 = j;
            } else if (moved[j] > m2) {
                m2 = moved[j];
            }
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t a = asg[i];
            upper[i] += moved[a];
            lower[i] -= (int)a == j_m1 ? m2 : m1;
        }
    }
    *sse = 0;
    for (size_t i = 0; i < n; i++)
        *sse += (weights ? weights[i] : 1.0) *
                dist2(pts + i * (size_t)d, centres + (size_t)asg[i] * d, d);
    if (assign)
        memcpy(assign, asg, sizeof *asg * n);
    *k_out = k;
done:
    imz_mem_free(ctx, idx);
    imz_mem_free(ctx, dmin);
    imz_mem_free(ctx, asg);
    imz_mem_free(ctx, upper);
    imz_mem_free(ctx, lower);
    imz_mem_free(ctx, sums);
    imz_mem_free(ctx, old);
    imz_mem_free(ctx, s);
    imz_mem_free(ctx, moved);
    imz_mem_free(ctx, tc);
    return st == IMZ_ERR_NOMEM ? imz_fail(ctx, st, "kmeans: out of memory") : st;
}

int imz_kmeans_run(ImzContext *ctx, const float *pts, const float *weights, size_t n,
                   const ImzKmeansParams *p, float *centres, uint32_t *assign, int *k_out)
{
    if (!n || p->k < 1 || p->dims < 1 || p->init_trials < 1 || p->restarts < 0)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "kmeans: bad parameters");
    double sse;
    int st = run_once(ctx, pts, weights, n, p, p->seed, centres, assign, k_out, &sse);
    if (st < 0 || p->restarts == 0)
        return st;
    /* further runs with derived seeds; keep the lowest error (ties: the earliest run) */
    float *c2 = imz_malloc_array(ctx, (size_t)p->k, sizeof(float) * (size_t)p->dims);
    uint32_t *a2 = assign ? imz_malloc_array(ctx, n, sizeof *a2) : NULL;
    if (!c2 || (assign && !a2)) {
        imz_mem_free(ctx, c2);
        imz_mem_free(ctx, a2);
        return imz_fail(ctx, IMZ_ERR_NOMEM, "kmeans: out of memory");
    }
    uint64_t seq = p->seed;
    for (int r = 0; r < p->restarts && st == IMZ_OK; r++) {
        int k2;
        double sse2;
        st = run_once(ctx, pts, weights, n, p, imz_rng_splitmix64(&seq), c2, a2, &k2, &sse2);
        if (st == IMZ_OK && sse2 < sse) {
            sse = sse2;
            *k_out = k2;
            memcpy(centres, c2, sizeof(float) * (size_t)k2 * (size_t)p->dims);
            if (assign)
                memcpy(assign, a2, sizeof *a2 * n);
        }
    }
    imz_mem_free(ctx, c2);
    imz_mem_free(ctx, a2);
    return st;
}
