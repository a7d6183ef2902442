// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Predict, fold, Huffman-code: see residual.h. With a predictor, symbols are the zigzag-folded
// residual modulo 2^depth, so small residuals of either sign get small symbols and the stored
// code-length table stays short; without one, symbols are the samples.

#include <math.h>
#include <string.h>

#include "analysis/analysis.h"
#include "bitio/bits.h"
#include "codec/residual.h"
#include "entropy/huffman.h"
#include "predict/predict.h"

static inline int predict(int predictor, const uint16_t *s, const ImzImage *img, uint32_t x,
                          uint32_t y, int c)
{
    if (predictor == IMZ_RESIDUAL_NO_PREDICTION)
        return 0;
    return imz_predict_at(predictor, s, img->width, img->channels, x, y, c);
}

/* (sample - pred) mod 2^depth as a signed value, folded: 0, -1, 1, -2, ... -> 0, 1, 2, 3, ... */
static inline uint32_t fold(int sample, int pred, int depth, int predictor)
{
    if (predictor == IMZ_RESIDUAL_NO_PREDICTION)
        return (uint32_t)sample;
    int range = 1 << depth, r = (sample - pred) & (range - 1);
    int v = r >= range / 2 ? r - range : r;
    return v >= 0 ? (uint32_t)v * 2 : (uint32_t)(-v) * 2 - 1;
}

static inline int unfold(uint32_t sym, int pred, int depth, int predictor)
{
    if (predictor == IMZ_RESIDUAL_NO_PREDICTION)
        return (int)sym;
    int v = (sym & 1) ? -(int)((sym + 1) >> 1) : (int)(sym >> 1);
    return (pred + v) & ((1 << depth) - 1);
}

/* Histogram of one channel's symbols. */
static void channel_histogram(const ImzImage *img, int predictor, int c, uint32_t *hist)
{
    const int depth = img->bit_depth;
    for (uint32_t y = 0; y < img->height; y++)
        for (uint32_t x = 0; x < img->width; x++) {
            int s = img->data[((size_t)y * img->width + x) * img->channels + c];
            hist[fold(s, predict(predictor, img->data, img, x, y, c), depth, predictor)]++;
        }
}

int imz_residual_encode(ImzContext *ctx, const ImzImage *img, int predictor, ImzBuf *out)
{
    const int n = 1 << img->bit_depth;
    uint32_t *hist = imz_malloc_array(ctx, (size_t)n, sizeof *hist);
    if (!hist)
        return IMZ_ERR_NOMEM;
    ImzBitWriter w;
    imz_bitw_init(&w, out);
    int st = IMZ_OK;
    for (int c = 0; c < img->channels && st == IMZ_OK; c++) {
        memset(hist, 0, (size_t)n * sizeof *hist);
        channel_histogram(img, predictor, c, hist);
        ImzHuffEnc h;
        st = imz_huff_enc_build(ctx, &h, hist, n, IMZ_HUFF_MAX_LEN);
        if (st < 0)
            break;
        imz_huff_write_table(&w, &h);
        for (uint32_t y = 0; y < img->height; y++)
            for (uint32_t x = 0; x < img->width; x++) {
                int s = img->data[((size_t)y * img->width + x) * img->channels + c];
                int p = predict(predictor, img->data, img, x, y, c);
                imz_huff_put(&w, &h, (int)fold(s, p, img->bit_depth, predictor));
            }
        imz_huff_enc_free(ctx, &h);
    }
    imz_bitw_flush(&w);
    imz_mem_free(ctx, hist);
    if (st == IMZ_OK && out->status)
        st = out->status;
    return st;
}

int imz_residual_decode(ImzContext *ctx, const uint8_t *data, size_t len, int predictor,
                        ImzImage *img)
{
    const int n = 1 << img->bit_depth;
    ImzBitReader r;
    imz_bitr_init(&r, data, len);
    for (int c = 0; c < img->channels; c++) {
        ImzHuffDec h;
        int st = imz_huff_read_table(ctx, &h, &r, n);
        if (st < 0)
            return st;
        for (uint32_t y = 0; y < img->height; y++) {
            for (uint32_t x = 0; x < img->width; x++) {
                /* Past the end only zero bits come in: stop within 4096 samples of a wide row. */
                if ((x & 4095) == 4095 && imz_bitr_overrun(&r))
                    break;
                int sym = imz_huff_get(&h, &r);
                if (sym < 0) {
                    imz_huff_dec_free(ctx, &h);
                    return imz_fail(ctx, IMZ_ERR_CORRUPT, "residual symbol without a code");
                }
                int p = predict(predictor, img->data, img, x, y, c);
                img->data[((size_t)y * img->width + x) * img->channels + c] =
                    (uint16_t)unfold((uint32_t)sym, p, img->bit_depth, predictor);
            }
            if (imz_bitr_overrun(&r)) {
                imz_huff_dec_free(ctx, &h);
                return imz_fail(ctx, IMZ_ERR_TRUNCATED, "residual data ends early (row %u)", y);
            }
        }
        imz_huff_dec_free(ctx, &h);
    }
    return IMZ_OK;
}

int imz_residual_best_predictor(ImzContext *ctx, const ImzImage *img, int *predictor)
{
    const int n = 1 << img->bit_depth;
    uint32_t *hist = imz_malloc_array(ctx, (size_t)n, sizeof *hist);
    if (!hist)
        return IMZ_ERR_NOMEM;
    double best = INFINITY;
    *predictor = IMZ_PRED_MED;
    for (int p = 0; p < IMZ_PRED_COUNT; p++) {
        double bits = 0;
        for (int c = 0; c < img->channels; c++) {
            memset(hist, 0, (size_t)n * sizeof *hist);
            channel_histogram(img, p, c, hist);
            bits += imz_histogram_entropy(hist, (size_t)n);
        }
        if (bits < best) {
            best = bits;
            *predictor = p;
        }
    }
    imz_mem_free(ctx, hist);
    return IMZ_OK;
}
