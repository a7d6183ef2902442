// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Order-0 statistics shared by the analysis calls and by codecs that size or choose their coding
// from symbol counts (for instance picking the predictor whose residuals have the lowest entropy).

#ifndef IMZ_ANALYSIS_ANALYSIS_H
#define IMZ_ANALYSIS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

/**
 * Shannon entropy in bits per symbol of the distribution given by n counts (empty bins allowed):
 * -sum p log2 p with p = count / total. 0 when the total is 0 or a single bin holds everything.
 */
double imz_histogram_entropy(const uint32_t *counts, size_t n);

#endif
