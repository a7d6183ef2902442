// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Principal components of an image as the `pca` codec sees them, exposed for analysis
// (`imz analyze --pca`): the singular-value spectrum of one channel (the whole-image SVD mode) and
// the eigenvalues of the covariance of B x B blocks (the block KLT mode), plus the cumulative
// explained variance of either. These run LAPACK and are encoder-side only.

#ifndef IMZ_CODEC_PCA_PCA_H
#define IMZ_CODEC_PCA_PCA_H

#include "common/context.h"

/**
 * Singular values of channel `channel` of img taken as a height x width matrix of sample values,
 * in descending order; sv must hold min(width, height) values, *n receives that count.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG, IMZ_ERR_NOMEM or IMZ_ERR_INTERNAL (LAPACK failed).
 */
int imz_pca_spectrum(ImzContext *ctx, const ImzImage *img, int channel, double *sv, int *n);

/**
 * Eigenvalues (descending) of the covariance of the image's block x block blocks, each block a
 * vector of block * block * channels samples (edge blocks padded by replication); eig must hold
 * that many values, *n receives the count.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG, IMZ_ERR_NOMEM or IMZ_ERR_INTERNAL.
 */
int imz_pca_block_spectrum(ImzContext *ctx, const ImzImage *img, int block, double *eig, int *n);

/**
 * Cumulative explained variance: cum[i] = (e[0] + ... + e[i]) / (e[0] + ... + e[n-1]) for
 * energies e (eigenvalues, or squared singular values). All zeros give cum = 1.
 */
void imz_pca_explained(const double *e, int n, double *cum);

#endif
