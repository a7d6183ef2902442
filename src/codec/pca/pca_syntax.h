// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Bitstream elements of the `pca` codec (docs/format/pca.md): quantised factor vectors, coded
// either directly or as differences along the vector (a one-bit choice per vector), each value an
// adaptive integer (codec/palette/pal_syntax.h) whose model is chosen by the magnitude of the
// previous value. One routine serves the encoder, the decoder and the encoder's rate estimate.

#ifndef IMZ_CODEC_PCA_PCA_SYNTAX_H
#define IMZ_CODEC_PCA_PCA_SYNTAX_H

#include "codec/palette/pal_syntax.h"
#include "container/codec.h"

#define IMZ_PCA_VEC_CTX 12
#define IMZ_PCA_EXP_MIN (-40) /* factor and basis exponents: steps 2^-e with e in this range */
#define IMZ_PCA_EXP_MAX 80
#define IMZ_PCA_MAX_BLOCK 16
#define IMZ_PCA_COEF_MODELS 32

typedef enum { IMZ_PCA_PUT, IMZ_PCA_GET, IMZ_PCA_COST } ImzPcaMode;

/** Where coded symbols go: an encoder, a decoder, or a running cost in bits. */
typedef struct ImzPcaCoder {
    ImzPcaMode mode;
    ImzBacEnc *e;
    ImzBacDec *d;
    double bits;
} ImzPcaCoder;

typedef struct ImzPcaVecModel {
    ImzBacCell delta;
    ImzIntModel v[IMZ_PCA_VEC_CTX];
} ImzPcaVecModel;

void imz_pca_vec_model_init(ImzPcaVecModel *m);
/** Codes (or decodes into) one adaptive integer. */
int32_t imz_pca_code_int(ImzPcaCoder *c, ImzIntModel *m, int32_t v);
/**
 * Codes the n values of q (decoding overwrites them). The encoder picks direct or difference
 * coding; decoded values are checked to stay below 2^24 in magnitude.
 * @return 0, or -1 when decoded values leave that range (corrupt input).
 */
int imz_pca_code_vector(ImzPcaCoder *c, ImzPcaVecModel *m, int32_t *q, size_t n);

int imz_pca_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                   ImzBuf *payload);

#endif
