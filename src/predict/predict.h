// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Spatial predictors over one channel of an interleaved image (ImzPredictor in imz.h). The
// neighbours are W (left), N (above) and NW; at the borders missing neighbours are replaced so
// that every predictor is defined everywhere and encoder and decoder agree:
//   row 0: N = NW = W (and W = 0 at x = 0);  column 0: W = NW = N.
// So `left` predicts the first column from the pixel above, as the classic workshop does.

#ifndef IMZ_PREDICT_PREDICT_H
#define IMZ_PREDICT_PREDICT_H

#include <stdint.h>

#include "imz.h"

static inline int imz_predict(int predictor, int w, int n, int nw)
{
    switch (predictor) {
    case IMZ_PRED_LEFT: return w;
    case IMZ_PRED_UP: return n;
    case IMZ_PRED_AVG: return (w + n) >> 1;
    case IMZ_PRED_PAETH: {
        int p = w + n - nw;
        int pa = p > w ? p - w : w - p, pb = p > n ? p - n : n - p, pc = p > nw ? p - nw : nw - p;
        if (pa <= pb && pa <= pc)
            return w;
        return pb <= pc ? n : nw;
    }
    default: { /* IMZ_PRED_MED */
        int mx = w > n ? w : n, mn = w > n ? n : w;
        if (nw >= mx)
            return mn;
        if (nw <= mn)
            return mx;
        return w + n - nw;
    }
    }
}

/**
 * Prediction for sample (x, y, c) of `img`-shaped data `s` (interleaved, `channels` per pixel),
 * using only already-coded samples (raster order), with the border rules above.
 */
static inline int imz_predict_at(int predictor, const uint16_t *s, uint32_t width, int channels,
                                 uint32_t x, uint32_t y, int c)
{
    size_t stride = (size_t)width * channels;
    const uint16_t *p = s + (size_t)y * stride + (size_t)x * channels + c;
    int w, n, nw;
    if (y == 0) {
        w = x ? p[-channels] : 0;
        n = nw = w;
    } else if (x == 0) {
        n = p[-(ptrdiff_t)stride];
        w = nw = n;
    } else {
        w = p[-channels];
        n = p[-(ptrdiff_t)stride];
        nw = p[-(ptrdiff_t)stride - channels];
    }
    return imz_predict(predictor, w, n, nw);
}

#endif
