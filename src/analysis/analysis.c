// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Image analysis: order-0 entropy of the samples and of prediction residuals. These are the
// first-order bounds a lossless coder is measured against: the residual entropy of a predictor is
// roughly what an order-0 entropy coder of its residuals can reach. Residuals use the same
// predictors and border rules as the codecs (predict/predict.h), per channel.

#include <math.h>

#include "analysis/analysis.h"
#include "common/context.h"
#include "predict/predict.h"

static const char *const predictor_names[IMZ_PRED_COUNT] = {"left", "up", "avg", "paeth", "med"};

const char *imz_predictor_name(int predictor)
{
    return predictor >= 0 && predictor < IMZ_PRED_COUNT ? predictor_names[predictor] : "unknown";
}

double imz_histogram_entropy(const uint32_t *counts, size_t n)
{
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += counts[i];
    if (!total)
        return 0;
    double inv = 1.0 / (double)total, h = 0;
    for (size_t i = 0; i < n; i++) {
        if (counts[i]) {
            double p = counts[i] * inv;
            h -= p * log2(p);
        }
    }
    return h > 0 ? h : 0; /* -0 and rounding below zero for a single symbol */
}

static int check_image(ImzContext *ctx, const ImzImage *img)
{
    if (!img || !img->data || !img->width || !img->height || img->channels < 1 ||
        img->channels > IMZ_MAX_CHANNELS || img->bit_depth < 1 || img->bit_depth > 16)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "image is empty or malformed");
    return IMZ_OK;
}

static int sample_too_large(ImzContext *ctx, const ImzImage *img, size_t i)
{
    return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "sample %u at index %zu exceeds bit depth %d",
                    img->data[i], i, img->bit_depth);
}

int imz_entropy(ImzContext *ctx, const ImzImage *img, double *bits_per_sample)
{
    if (!ctx || !bits_per_sample)
        return IMZ_ERR_INVALID_ARG;
    int st = check_image(ctx, img);
    if (st < 0)
        return st;
    size_t bins = (size_t)1 << img->bit_depth, n = imz_image_samples(img);
    uint32_t *counts = imz_calloc(ctx, bins, sizeof *counts);
    if (!counts)
        return IMZ_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        if (img->data[i] >= bins) {
            st = sample_too_large(ctx, img, i);
            break;
        }
        counts[img->data[i]]++;
    }
    if (st == IMZ_OK)
        *bits_per_sample = imz_histogram_entropy(counts, bins);
    imz_mem_free(ctx, counts);
    return st;
}

int imz_residuals(ImzContext *ctx, const ImzImage *img, int predictor, ImzImage *residual,
                  double *entropy_bits_per_sample)
{
    if (!ctx)
        return IMZ_ERR_INVALID_ARG;
    int st = check_image(ctx, img);
    if (st < 0)
        return st;
    if (predictor < 0 || predictor >= IMZ_PRED_COUNT)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "unknown predictor %d", predictor);

    size_t bins = (size_t)1 << img->bit_depth, n = imz_image_samples(img);
    /* Samples must be in range before predicting: a prediction from an out-of-range
     * neighbour could otherwise index past the histogram. */
    for (size_t i = 0; i < n; i++)
        if (img->data[i] >= bins)
            return sample_too_large(ctx, img, i);

    uint32_t *counts = imz_calloc(ctx, bins, sizeof *counts);
    if (!counts)
        return IMZ_ERR_NOMEM;
    ImzImage res = {0};
    if (residual) {
        st = imz_image_alloc(ctx, &res, img->width, img->height, img->channels, img->bit_depth);
        if (st < 0) {
            imz_mem_free(ctx, counts);
            return st;
        }
    }

    unsigned mask = (unsigned)bins - 1, centre = (unsigned)bins >> 1;
    int ch = img->channels;
    for (uint32_t y = 0; y < img->height; y++) {
        for (uint32_t x = 0; x < img->width; x++) {
            size_t i = ((size_t)y * img->width + x) * ch;
            for (int c = 0; c < ch; c++) {
                int pred = imz_predict_at(predictor, img->data, img->width, ch, x, y, c);
                unsigned r = ((unsigned)img->data[i + c] - (unsigned)pred + centre) & mask;
                counts[r]++;
                if (residual)
                    res.data[i + c] = (uint16_t)r;
            }
        }
    }

    if (entropy_bits_per_sample)
        *entropy_bits_per_sample = imz_histogram_entropy(counts, bins);
    imz_mem_free(ctx, counts);
    if (residual)
        *residual = res;
    return IMZ_OK;
}
