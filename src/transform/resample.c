// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Area reduction and kernel interpolation; see resample.h. A reduced sample i stands for the full
// samples [i*F, (i+1)*F), so its centre sits at full coordinate i*F + (F-1)/2; interpolation
// maps each full coordinate x back to u = (x - (F-1)/2) / F in reduced coordinates.

#include <math.h>

#include "transform/resample.h"

#define PI 3.14159265358979323846

void imz_downsample_area(const ImzImage *src, int factor, ImzImage *dst)
{
    const int ch = src->channels;
    for (uint32_t by = 0; by < dst->height; by++)
        for (uint32_t bx = 0; bx < dst->width; bx++) {
            uint32_t x0 = bx * (uint32_t)factor, y0 = by * (uint32_t)factor;
            uint32_t x1 = x0 + (uint32_t)factor, y1 = y0 + (uint32_t)factor;
            if (x1 > src->width)
                x1 = src->width;
            if (y1 > src->height)
                y1 = src->height;
            uint64_t n = (uint64_t)(x1 - x0) * (y1 - y0);
            for (int c = 0; c < ch; c++) {
                uint64_t sum = 0;
                for (uint32_t y = y0; y < y1; y++)
                    for (uint32_t x = x0; x < x1; x++)
                        sum += src->data[((size_t)y * src->width + x) * ch + c];
                dst->data[((size_t)by * dst->width + bx) * ch + c] = (uint16_t)((sum + n / 2) / n);
            }
        }
}

static double kernel(int filter, double t)
{
    t = fabs(t);
    if (filter == IMZ_FILTER_LANCZOS3) {
        if (t < 1e-9)
            return 1;
        if (t >= 3)
            return 0;
        double pt = PI * t;
        return 3 * sin(pt) * sin(pt / 3) / (pt * pt);
    }
    const double a = -0.5;
    if (t < 1)
        return ((a + 2) * t - (a + 3)) * t * t + 1;
    if (t < 2)
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
    return 0;
}

#define MAX_TAPS 6

/* Tap positions (clamped to [0, n_src)) and normalised weights for each of n_dst outputs. */
typedef struct Taps {
    int first[MAX_TAPS];
    double w[MAX_TAPS];
} Taps;

static void make_taps(Taps *t, uint32_t n_dst, uint32_t n_src, int factor, int filter)
{
    const int radius = filter == IMZ_FILTER_LANCZOS3 ? 3 : 2;
    for (uint32_t x = 0; x < n_dst; x++) {
        double u = ((double)x - (factor - 1) / 2.0) / factor;
        int base = (int)floor(u) - radius + 1;
        double sum = 0;
        for (int k = 0; k < 2 * radius; k++) {
            int pos = base + k;
            t[x].w[k] = kernel(filter, u - pos);
            sum += t[x].w[k];
            t[x].first[k] = pos < 0 ? 0 : pos >= (int)n_src ? (int)n_src - 1 : pos;
        }
        for (int k = 0; k < 2 * radius; k++)
            t[x].w[k] /= sum;
        for (int k = 2 * radius; k < MAX_TAPS; k++) {
            t[x].w[k] = 0;
            t[x].first[k] = 0;
        }
    }
}

int imz_upsample(ImzContext *ctx, const ImzImage *src, int factor, int filter, ImzImage *dst)
{
    const int ch = src->channels;
    const double maxv = (double)((1u << dst->bit_depth) - 1);
    Taps *tx = imz_malloc_array(ctx, dst->width, sizeof *tx);
    Taps *ty = imz_malloc_array(ctx, dst->height, sizeof *ty);
    /* Horizontal pass result: src->height rows of dst->width pixels. */
    double *mid = imz_malloc_array(ctx, (size_t)src->height * dst->width * ch, sizeof *mid);
    if (!tx || !ty || !mid) {
        imz_mem_free(ctx, tx);
        imz_mem_free(ctx, ty);
        imz_mem_free(ctx, mid);
        return IMZ_ERR_NOMEM;
    }
    make_taps(tx, dst->width, src->width, factor, filter);
    make_taps(ty, dst->height, src->height, factor, filter);
    for (uint32_t y = 0; y < src->height; y++)
        for (uint32_t x = 0; x < dst->width; x++)
            for (int c = 0; c < ch; c++) {
                double v = 0;
                for (int k = 0; k < MAX_TAPS; k++)
                    v += tx[x].w[k] *
                         src->data[((size_t)y * src->width + (size_t)tx[x].first[k]) * ch + c];
                mid[((size_t)y * dst->width + x) * ch + c] = v;
            }
    for (uint32_t y = 0; y < dst->height; y++)
        for (uint32_t x = 0; x < dst->width; x++)
            for (int c = 0; c < ch; c++) {
                double v = 0;
                for (int k = 0; k < MAX_TAPS; k++)
                    v += ty[y].w[k] * mid[((size_t)ty[y].first[k] * dst->width + x) * ch + c];
                v = v < 0 ? 0 : v > maxv ? maxv : v;
                dst->data[((size_t)y * dst->width + x) * ch + c] = (uint16_t)(v + 0.5);
            }
    imz_mem_free(ctx, tx);
    imz_mem_free(ctx, ty);
    imz_mem_free(ctx, mid);
    return IMZ_OK;
}
