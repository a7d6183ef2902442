// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `downsample` (lossy): area-average reduction by --factor, the small image coded losslessly with
// the predictive pipeline, and interpolation back to full size in the decoder with a bicubic or
// Lanczos-3 kernel (transform/resample.h, docs/FORMAT.md §4.9).

#include "codec/residual.h"
#include "container/codec.h"
#include "transform/resample.h"

static const char *const filter_names[] = {"bicubic", "lanczos", NULL};

static const ImzOptionInfo downsample_options[] = {
    {"factor", "reduction factor per axis", 2, 16, 2, 1, NULL},
    {"filter", "decoder's interpolation: bicubic or lanczos", 0, IMZ_FILTER_COUNT - 1,
     IMZ_FILTER_LANCZOS3, 1, filter_names},
};

static int downsample_encode(ImzContext *ctx, const ImzImage *img, const double *opt,
                             ImzBuf *params, ImzBuf *payload)
{
    const int factor = (int)opt[0], filter = (int)opt[1];
    ImzImage small;
    int predictor;
    int st = imz_image_alloc(ctx, &small, imz_reduced_size(img->width, factor),
                             imz_reduced_size(img->height, factor), img->channels, img->bit_depth);
    if (st < 0)
        return st;
    imz_downsample_area(img, factor, &small);
    st = imz_residual_best_predictor(ctx, &small, &predictor);
    if (st == IMZ_OK) {
        imz_buf_put_u8(params, (unsigned)factor);
        imz_buf_put_u8(params, (unsigned)filter);
        imz_buf_put_u8(params, (unsigned)predictor);
        st = imz_residual_encode(ctx, &small, predictor, payload);
    }
    imz_image_free(ctx, &small);
    return st;
}

static int downsample_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                             const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != 3 || params[0] < 2 || params[0] > 16 || params[1] >= IMZ_FILTER_COUNT ||
        params[2] >= IMZ_PRED_COUNT)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "downsample: invalid parameters");
    const int factor = params[0];
    ImzImage small;
    int st = imz_image_alloc(ctx, &small, imz_reduced_size(out->width, factor),
                             imz_reduced_size(out->height, factor), out->channels,
                             out->bit_depth);
    if (st < 0)
        return st;
    st = imz_residual_decode(ctx, payload, n_payload, params[2], &small);
    if (st == IMZ_OK)
        st = imz_upsample(ctx, &small, factor, params[1], out);
    imz_image_free(ctx, &small);
    return st;
}

const ImzCodec imz_codec_downsample = {
    .id = 7,
    .name = "downsample",
    .summary = "lossy area-average downsampling, bicubic/Lanczos upsampling in the decoder",
    .lossless = 0,
    .options = downsample_options,
    .n_options = 2,
    .encode = downsample_encode,
    .decode = downsample_decode,
};
