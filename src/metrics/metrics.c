// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Image comparison: per-channel and overall MSE/PSNR, PSNR of BT.601 luma, and SSIM.
// SSIM follows Wang et al. 2004 and reproduces scikit-image's
// structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
// data_range=peak): the five moment maps (means, second moments, cross moment) are filtered with an
// 11-tap Gaussian (sigma 1.5, scipy's truncate 3.5) whose weights are normalised to sum 1, the SSIM
// map is averaged over the image less a 5-pixel border, and each side shorter than 11 is left
// uncropped with mirrored samples at its ends (scipy.ndimage mode 'reflect', d c b a | a b c d),
// where scikit-image would refuse the image. The filter is separable and streamed: a ring of 11
// horizontally filtered rows feeds the vertical pass, so memory stays proportional to the width.

#include <math.h>
#include <string.h>

#include "common/context.h"
#include "metrics/metrics.h"

#define SSIM_RADIUS 5
#define SSIM_WIN (2 * SSIM_RADIUS + 1)
#define SSIM_SIGMA 1.5
#define SSIM_K1 0.01
#define SSIM_K2 0.03
/* Rows are processed in whole groups of this many columns; the extra columns are computed from
 * mirrored samples and ignored. */
#define COL_ALIGN 4

/* The row kernels stay out of line: inlined into their caller, GCC no longer vectorises them. */
#if defined(__GNUC__)
#define KERNEL __attribute__((noinline))
#else
#define KERNEL
#endif

/* The moment maps: E[a], E[b], E[a^2], E[b^2], E[ab] under the Gaussian window. */
enum { MOM_A, MOM_B, MOM_AA, MOM_BB, MOM_AB, N_MOMENTS };

/* scipy.ndimage._gaussian_kernel1d with sigma 1.5 and radius 5. */
static void gaussian_kernel(double w[SSIM_WIN])
{
    double sum = 0;
    for (int k = 0; k < SSIM_WIN; k++) {
        double x = k - SSIM_RADIUS;
        w[k] = exp(-0.5 / (SSIM_SIGMA * SSIM_SIGMA) * x * x);
        sum += w[k];
    }
    for (int k = 0; k < SSIM_WIN; k++)
        w[k] /= sum;
}

/* Index i mirrored into [0, n) the way scipy's 'reflect' mode extends a line, repeatedly if
 * the window is wider than the line. */
static size_t reflect(long long i, size_t n)
{
    long long period = 2 * (long long)n;
    i %= period;
    if (i < 0)
        i += period;
    return (size_t)(i < (long long)n ? i : period - 1 - i);
}

/* dst[x] = sum_k w[k] src[x + k], summed centre first and then in mirrored pairs from the
 * outside in, the order scipy uses for symmetric kernels. n is a multiple of COL_ALIGN, which
 * lets the compiler vectorise these loops at -O2 without a scalar tail. */
static KERNEL void filter_row(double *restrict dst, const double *restrict src, size_t n,
                              const double *restrict w)
{
    n &= ~(size_t)(COL_ALIGN - 1);
    for (size_t x = 0; x < n; x++) {
        const double *p = src + x;
        double s = p[SSIM_RADIUS] * w[SSIM_RADIUS];
        for (int k = 0; k < SSIM_RADIUS; k++)
            s += (p[k] + p[SSIM_WIN - 1 - k]) * w[k];
        dst[x] = s;
    }
}

/* The vertical counterpart over 11 row pointers, vectorisable along x. */
static KERNEL void filter_rows(double *restrict dst, const double *const *rows, size_t n,
                               const double *restrict w)
{
    const double *restrict mid = rows[SSIM_RADIUS];
    n &= ~(size_t)(COL_ALIGN - 1);
    for (size_t x = 0; x < n; x++)
        dst[x] = mid[x] * w[SSIM_RADIUS];
    for (int k = 0; k < SSIM_RADIUS; k++) {
        const double *restrict lo = rows[k], *restrict hi = rows[SSIM_WIN - 1 - k];
        double wk = w[k];
        for (size_t x = 0; x < n; x++)
            dst[x] += (lo[x] + hi[x]) * wk;
    }
}

uint64_t imz_metrics_sse(ImzSampleView a, ImzSampleView b, uint32_t width, uint32_t height)
{
    uint64_t sse = 0;
    for (uint32_t y = 0; y < height; y++) {
        const uint16_t *pa = a.data + y * a.stride, *pb = b.data + y * b.stride;
        for (uint32_t x = 0; x < width; x++) {
            int64_t d = (int64_t)pa[x * a.step] - pb[x * b.step];
            sse += (uint64_t)(d * d);
        }
    }
    return sse;
}

/* The SSIM map of one row from its five filtered moments (skimage's A1 A2 / (B1 B2)). */
static KERNEL void ssim_row(double *restrict s, const double *restrict mom, size_t cw, double c1,
                            double c2)
{
    const double *restrict ua = mom + MOM_A * cw, *restrict ub = mom + MOM_B * cw;
    const double *restrict uaa = mom + MOM_AA * cw, *restrict ubb = mom + MOM_BB * cw;
    const double *restrict uab = mom + MOM_AB * cw;
    cw &= ~(size_t)(COL_ALIGN - 1);
    for (size_t x = 0; x < cw; x++) {
        double va = uaa[x] - ua[x] * ua[x];
        double vb = ubb[x] - ub[x] * ub[x];
        double vab = uab[x] - ua[x] * ub[x];
        double num = (2 * ua[x] * ub[x] + c1) * (2 * vab + c2);
        double den = (ua[x] * ua[x] + ub[x] * ub[x] + c1) * (va + vb + c2);
        s[x] = num / den;
    }
}

int imz_metrics_ssim(ImzContext *ctx, ImzSampleView a, ImzSampleView b, uint32_t width,
                     uint32_t height, double peak, double *ssim)
{
    if (!width || !height || !a.data || !b.data || !ssim)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "SSIM of an empty image");
    if (!(peak > 0) || !isfinite(peak))
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "SSIM needs a positive data range, not %g", peak);

    /* Output region: the image less the filter radius on every side long enough to lose it. */
    size_t x0 = width >= SSIM_WIN ? SSIM_RADIUS : 0, y0 = height >= SSIM_WIN ? SSIM_RADIUS : 0;
    size_t ow = width - 2 * x0, oh = height - 2 * y0;
    size_t cw = (ow + COL_ALIGN - 1) & ~(size_t)(COL_ALIGN - 1); /* columns computed */
    size_t pw = cw + 2 * SSIM_RADIUS;                            /* their filter inputs */

    /* ring: 11 rows x 5 moments x cw; pad: 5 x pw; out: 5 moments + the SSIM row, x cw;
     * then two column-offset tables of pw entries. */
    size_t n_ring, n_pad, n_out, n_doubles, n_bytes, idx_bytes;
    if (!imz_mul_size(cw, (size_t)SSIM_WIN * N_MOMENTS, &n_ring) ||
        !imz_mul_size(pw, N_MOMENTS, &n_pad) || !imz_mul_size(cw, N_MOMENTS + 1, &n_out) ||
        !imz_add_size(n_ring, n_pad, &n_doubles) || !imz_add_size(n_doubles, n_out, &n_doubles) ||
        !imz_mul_size(n_doubles, sizeof(double), &n_bytes) ||
        !imz_mul_size(pw, 2 * sizeof(size_t), &idx_bytes) ||
        !imz_add_size(n_bytes, idx_bytes, &n_bytes))
        return imz_fail(ctx, IMZ_ERR_NOMEM, "SSIM buffers for width %u overflow", width);
    double *mem = imz_malloc(ctx, n_bytes);
    if (!mem)
        return IMZ_ERR_NOMEM;
    double *ring = mem, *pad = ring + n_ring, *out = pad + n_pad, *srow = out + N_MOMENTS * cw;
    size_t *ia = (size_t *)(out + n_out), *ib = ia + pw;

    double w[SSIM_WIN];
    gaussian_kernel(w);
    for (size_t i = 0; i < pw; i++) {
        size_t sx = reflect((long long)(x0 + i) - SSIM_RADIUS, width);
        ia[i] = sx * a.step;
        ib[i] = sx * b.step;
    }

    const double c1 = (SSIM_K1 * peak) * (SSIM_K1 * peak);
    const double c2 = (SSIM_K2 * peak) * (SSIM_K2 * peak);
    double total = 0;
    size_t next_row = 0; /* next source row to filter horizontally into the ring */
    for (size_t oy = 0; oy < oh; oy++) {
        size_t sy = y0 + oy;
        /* A short image keeps all its rows in the ring (height < 11 slots), since mirrored
         * windows may reach any of them. */
        size_t last = height < SSIM_WIN ? height - 1 : sy + SSIM_RADIUS;
        for (; next_row <= last; next_row++) {
            const uint16_t *pa = a.data + next_row * a.stride, *pb = b.data + next_row * b.stride;
            double *pm[N_MOMENTS];
            for (int m = 0; m < N_MOMENTS; m++)
                pm[m] = pad + (size_t)m * pw;
            for (size_t i = 0; i < pw; i++) {
                double va = pa[ia[i]], vb = pb[ib[i]];
                pm[MOM_A][i] = va;
                pm[MOM_B][i] = vb;
                pm[MOM_AA][i] = va * va;
                pm[MOM_BB][i] = vb * vb;
                pm[MOM_AB][i] = va * vb;
            }
            double *slot = ring + (next_row % SSIM_WIN) * N_MOMENTS * cw;
            for (int m = 0; m < N_MOMENTS; m++)
                filter_row(slot + (size_t)m * cw, pm[m], cw, w);
        }

        for (int m = 0; m < N_MOMENTS; m++) {
            const double *rows[SSIM_WIN];
            for (int k = 0; k < SSIM_WIN; k++) {
                size_t r = reflect((long long)sy + k - SSIM_RADIUS, height);
                rows[k] = ring + ((r % SSIM_WIN) * N_MOMENTS + (size_t)m) * cw;
            }
            filter_rows(out + (size_t)m * cw, rows, cw, w);
        }

        ssim_row(srow, out, cw, c1, c2);
        double row_sum = 0;
        for (size_t x = 0; x < ow; x++)
            row_sum += srow[x];
        total += row_sum;
    }
    imz_mem_free(ctx, mem);
    *ssim = total / ((double)ow * (double)oh);
    return IMZ_OK;
}

static int check_image(ImzContext *ctx, const ImzImage *img, const char *which)
{
    if (!img || !img->data || !img->width || !img->height || img->channels < 1 ||
        img->channels > IMZ_MAX_CHANNELS || img->bit_depth < 1 || img->bit_depth > 16)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "%s image is empty or malformed", which);
    return IMZ_OK;
}

int imz_ssim_channel(ImzContext *ctx, const ImzImage *a, const ImzImage *b, int channel,
                     double peak, double *ssim)
{
    if (!ctx || !ssim)
        return IMZ_ERR_INVALID_ARG;
    int st = check_image(ctx, a, "first");
    if (st == IMZ_OK)
        st = check_image(ctx, b, "second");
    if (st < 0)
        return st;
    if (a->width != b->width || a->height != b->height)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "images differ in size: %ux%u vs %ux%u", a->width,
                        a->height, b->width, b->height);
    if (channel < 0 || channel >= a->channels || channel >= b->channels)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "no channel %d in a %d-channel image", channel,
                        a->channels < b->channels ? a->channels : b->channels);
    return imz_metrics_ssim(ctx, imz_metrics_view(a, channel), imz_metrics_view(b, channel),
                            a->width, a->height, peak, ssim);
}

/* Squared error of BT.601 luma, unrounded, summed over all pixels (channels 0..2 are R, G, B). */
static double luma_sse(const ImzImage *a, const ImzImage *b)
{
    size_t n = (size_t)a->width * a->height, ch = a->channels;
    double sse = 0;
    for (size_t i = 0; i < n; i++) {
        const uint16_t *pa = a->data + i * ch, *pb = b->data + i * ch;
        double d = 0.299 * ((double)pa[0] - pb[0]) + 0.587 * ((double)pa[1] - pb[1]) +
                   0.114 * ((double)pa[2] - pb[2]);
        sse += d * d;
    }
    return sse;
}

int imz_compare(ImzContext *ctx, const ImzImage *a, const ImzImage *b, ImzMetrics *m)
{
    if (!ctx || !m)
        return IMZ_ERR_INVALID_ARG;
    int st = check_image(ctx, a, "first");
    if (st == IMZ_OK)
        st = check_image(ctx, b, "second");
    if (st < 0)
        return st;
    if (a->width != b->width || a->height != b->height || a->channels != b->channels)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "images differ in shape: %ux%ux%d vs %ux%ux%d",
                        a->width, a->height, a->channels, b->width, b->height, b->channels);
    if (a->bit_depth != b->bit_depth && (a->bit_depth > 8 || b->bit_depth > 8))
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG,
                        "images differ in bit depth: %d vs %d (only depths up to 8 may be mixed)",
                        a->bit_depth, b->bit_depth);

    memset(m, 0, sizeof *m);
    int depth = a->bit_depth > b->bit_depth ? a->bit_depth : b->bit_depth;
    double peak = (double)((1u << depth) - 1);
    double pixels = (double)a->width * a->height;
    m->peak = peak;

    uint64_t sse_all = 0;
    double ssim_sum = 0;
    for (int c = 0; c < a->channels; c++) {
        uint64_t sse =
            imz_metrics_sse(imz_metrics_view(a, c), imz_metrics_view(b, c), a->width, a->height);
        sse_all += sse;
        m->mse[c] = (double)sse / pixels;
        m->psnr[c] = imz_metrics_psnr(m->mse[c], peak);
        double s;
        st = imz_ssim_channel(ctx, a, b, c, peak, &s);
        if (st < 0)
            return st;
        ssim_sum += s;
    }
    m->mse_all = (double)sse_all / (pixels * a->channels);
    m->psnr_all = imz_metrics_psnr(m->mse_all, peak);
    m->psnr_y = a->channels >= 3 ? imz_metrics_psnr(luma_sse(a, b) / pixels, peak) : m->psnr_all;
    m->ssim = ssim_sum / a->channels;
    return IMZ_OK;
}
