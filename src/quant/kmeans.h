// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Weighted k-means for the vector-quantising encoders (palette colours, VQ codebooks): k-means++
// seeding (optionally greedy, on a random sample of the points for large inputs) followed by
// Hamerly's accelerated Lloyd iterations, which give exactly Lloyd's result while skipping most
// distance computations through one upper and one lower bound per point. Deterministic for a given
// seed; single-threaded. Encoder-side only: decoders never run it.

#ifndef IMZ_QUANT_KMEANS_H
#define IMZ_QUANT_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "common/context.h"

typedef struct ImzKmeansParams {
    int k;              /**< centres wanted (>= 1) */
    int dims;           /**< coordinates per point (>= 1) */
    int max_iter;       /**< Lloyd iterations at most (0 = seeding only) */
    int init_trials;    /**< candidates tried per k-means++ step; the best is kept (>= 1) */
    size_t init_sample; /**< seeding looks at most this many points (0 = all) */
    int restarts;       /**< extra runs from other seeds; the lowest squared error wins */
    uint64_t seed;
} ImzKmeansParams;

/**
 * Clusters n points (pts: n * dims floats) with optional per-point weights (NULL = all 1).
 * Writes the centres to centres (k * dims floats) and, if assign is not NULL, each point's
 * nearest centre. Fewer than k centres result when the points have fewer distinct values;
 * *k_out receives the number found (>= 1 for n >= 1).
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG or IMZ_ERR_NOMEM.
 */
int imz_kmeans_run(ImzContext *ctx, const float *pts, const float *weights, size_t n,
                   const ImzKmeansParams *p, float *centres, uint32_t *assign, int *k_out);

/** Index of the centre nearest to x (ties: the lowest index); its squared distance in *d2. */
int imz_kmeans_nearest(const float *centres, int k, int dims, const float *x, float *d2);

/** Centres laid out for fast repeated nearest-centre searches (same answers as above). */
typedef struct ImzKmeansIndex {
    int k, kpad, dims;
    float *t;
} ImzKmeansIndex;

/** Builds an index of k centres (k * dims floats). @return IMZ_OK or IMZ_ERR_NOMEM. */
int imz_kmeans_index_init(ImzContext *ctx, ImzKmeansIndex *ix, const float *centres, int k,
                          int dims);
void imz_kmeans_index_free(ImzContext *ctx, ImzKmeansIndex *ix);
/** Index of the centre nearest to x (ties: the lowest index). */
int imz_kmeans_index_nearest(const ImzKmeansIndex *ix, const float *x);

#endif
