// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `delta`: predictive coding, the classic workshop method. Each sample is predicted from its
// causal neighbours, the residual Huffman-coded per channel (codec/residual.h). The predictor is
// chosen by --predictor, or per image as the one with the lowest residual entropy (FORMAT.md §4.6).

#include "codec/residual.h"
#include "container/codec.h"

static const char *const predictor_names[] = {"left", "up", "avg", "paeth", "med", "best", NULL};
#define PRED_BEST IMZ_PRED_COUNT

static const ImzOptionInfo delta_options[] = {
    {"predictor", "left, up, avg, paeth, med, or best (lowest residual entropy)", 0, PRED_BEST,
     PRED_BEST, 1, predictor_names},
};

static int delta_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                        ImzBuf *payload)
{
    int predictor = (int)opt[0];
    if (predictor == PRED_BEST) {
        int st = imz_residual_best_predictor(ctx, img, &predictor);
        if (st < 0)
            return st;
    }
    imz_buf_put_u8(params, (unsigned)predictor);
    return imz_residual_encode(ctx, img, predictor, payload);
}

static int delta_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                        const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != 1 || params[0] >= IMZ_PRED_COUNT)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "delta: invalid parameters");
    return imz_residual_decode(ctx, payload, n_payload, params[0], out);
}

const ImzCodec imz_codec_delta = {
    .id = 4,
    .name = "delta",
    .summary = "predictive coding: residual from a neighbour predictor, Huffman-coded",
    .lossless = 1,
    .options = delta_options,
    .n_options = 1,
    .encode = delta_encode,
    .decode = delta_decode,
};
