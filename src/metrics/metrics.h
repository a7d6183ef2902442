// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Distortion measures for encoders that steer by quality (rate control, trellis or RD search):
// MSE <-> PSNR conversion, sums of squared errors over strided sample planes, and SSIM over a
// strided plane. imz_compare and imz_ssim_channel (metrics.c) are built on these, so a codec that
// targets a PSNR or SSIM measures exactly what `imz compare` later reports.

#ifndef IMZ_METRICS_METRICS_H
#define IMZ_METRICS_METRICS_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "common/context.h"

/** A read-only view of one plane of samples: sample (x, y) is data[y * stride + x * step]. */
typedef struct ImzSampleView {
    const uint16_t *data;
    size_t step;   /**< samples between horizontal neighbours (channels, if interleaved) */
    size_t stride; /**< samples between vertical neighbours */
} ImzSampleView;

/** View of channel c of an interleaved image. */
static inline ImzSampleView imz_metrics_view(const ImzImage *img, int c)
{
    ImzSampleView v = {img->data + c, img->channels, (size_t)img->width * img->channels};
    return v;
}

/** PSNR in dB of a mean squared error against peak (2^depth - 1); INFINITY when mse is 0. */
static inline double imz_metrics_psnr(double mse, double peak)
{
    return mse > 0 ? 10.0 * log10(peak * peak / mse) : INFINITY;
}

/** The mean squared error that gives psnr_db at peak: the inverse of imz_metrics_psnr. */
static inline double imz_metrics_mse_for_psnr(double psnr_db, double peak)
{
    return peak * peak * pow(10.0, -psnr_db / 10.0);
}

/**
 * Sum of squared differences over a width x height region. Exact: the result fits in 64 bits for
 * any 16-bit image under the 2^28-pixel limit.
 */
uint64_t imz_metrics_sse(ImzSampleView a, ImzSampleView b, uint32_t width, uint32_t height);

/**
 * Mean SSIM of two width x height planes (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5,
 * K1 = 0.01, K2 = 0.03, population covariances), computed as scikit-image's
 * structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
 * data_range=peak) does: the mean over the image less a 5-pixel border.
 * A side shorter than 11 is not cropped; its windows use mirrored samples (scipy's 'reflect').
 * Working memory is about 70 doubles per column, independent of the height.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG (empty plane, peak <= 0) or IMZ_ERR_NOMEM.
 */
int imz_metrics_ssim(ImzContext *ctx, ImzSampleView a, ImzSampleView b, uint32_t width,
                     uint32_t height, double peak, double *ssim);

#endif
