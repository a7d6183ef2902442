// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `requant` (lossy): bit-depth reduction. Keeps the top --bits bits of every sample and codes the
// reduced image losslessly with the predictive pipeline (codec/residual.h); the decoder puts each
// sample in the middle of its quantisation bucket (docs/FORMAT.md §4.8).

#include "codec/residual.h"
#include "container/codec.h"

static const ImzOptionInfo requant_options[] = {
    {"bits", "bits kept per sample (>= the image's depth keeps everything)", 1, 16, 4, 1, NULL},
};

static int requant_encode(ImzContext *ctx, const ImzImage *img, const double *opt,
                          ImzBuf *params, ImzBuf *payload)
{
    int bits = (int)opt[0] < img->bit_depth ? (int)opt[0] : img->bit_depth;
    int shift = img->bit_depth - bits, predictor;
    ImzImage q;
    int st = imz_image_alloc(ctx, &q, img->width, img->height, img->channels, bits);
    if (st < 0)
        return st;
    for (size_t i = 0, n = imz_image_samples(img); i < n; i++)
        q.data[i] = (uint16_t)(img->data[i] >> shift);
    st = imz_residual_best_predictor(ctx, &q, &predictor);
    if (st == IMZ_OK) {
        imz_buf_put_u8(params, (unsigned)bits);
        imz_buf_put_u8(params, (unsigned)predictor);
        st = imz_residual_encode(ctx, &q, predictor, payload);
    }
    imz_image_free(ctx, &q);
    return st;
}

static int requant_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                          const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != 2 || params[0] < 1 || params[0] > out->bit_depth ||
        params[1] >= IMZ_PRED_COUNT)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "requant: invalid parameters");
    const int bits = params[0], shift = out->bit_depth - bits;
    /* The reduced samples are decoded in place: same shape, smaller depth. */
    out->bit_depth = (uint8_t)bits;
    int st = imz_residual_decode(ctx, payload, n_payload, params[1], out);
    out->bit_depth = (uint8_t)(bits + shift);
    if (st < 0 || shift == 0)
        return st;
    const unsigned half = 1u << (shift - 1);
    for (size_t i = 0, n = imz_image_samples(out); i < n; i++)
        out->data[i] = (uint16_t)((unsigned)out->data[i] << shift | half);
    return IMZ_OK;
}

const ImzCodec imz_codec_requant = {
    .id = 6,
    .name = "requant",
    .summary = "lossy bit-depth reduction, then predictive coding",
    .lossless = 0,
    .options = requant_options,
    .n_options = 1,
    .encode = requant_encode,
    .decode = requant_decode,
};
