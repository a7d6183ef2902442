// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The classic predictive pipeline shared by the baseline codecs: per channel, predict each sample
// from its causal neighbours (src/predict/predict.h), fold the residual to a small unsigned symbol,
// and Huffman-code the symbols with one stored table per channel (docs/FORMAT.md §4.2).
// `huffman` uses it with IMZ_RESIDUAL_NO_PREDICTION (symbols are the samples), `delta` with a
// predictor, and the lossy `requant` and `downsample` code their reduced images with it.

#ifndef IMZ_CODEC_RESIDUAL_H
#define IMZ_CODEC_RESIDUAL_H

#include "bitio/buf.h"
#include "common/context.h"

/** Predictor value meaning "predict 0": the symbols are the samples themselves. */
#define IMZ_RESIDUAL_NO_PREDICTION (-1)

/** Appends the coded residuals of every channel of img to out. */
int imz_residual_encode(ImzContext *ctx, const ImzImage *img, int predictor, ImzBuf *out);

/** Decodes what imz_residual_encode wrote into img (already allocated with the right shape). */
int imz_residual_decode(ImzContext *ctx, const uint8_t *data, size_t len, int predictor,
                        ImzImage *img);

/** The predictor (0..IMZ_PRED_COUNT-1) whose residuals have the lowest order-0 entropy. */
int imz_residual_best_predictor(ImzContext *ctx, const ImzImage *img, int *predictor);

#endif
