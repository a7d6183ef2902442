// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The `lossy` codec entry points and rate control (docs/format/lossy.md §2): options, the mapping
// from quality to quantisers, and the searches that meet a target PSNR, bits per pixel or file
// size by bisection over the quantiser, then over the Lagrange multiplier for the last few percent.
// Every trial is a complete encode, and PSNR trials decode it, so the targets are met exactly as
// `imz compare` will measure them.

#include <math.h>
#include <string.h>

#include "codec/dct/dct_codec.h"
#include "common/intops.h"
#include "container/codec.h"
#include "container/container.h"
#include "metrics/metrics.h"
#include "quant/quant.h"

static const char *const subsampling_choices[] = {"auto", "420", "444", NULL};

enum { OPT_QUALITY, OPT_EFFORT, OPT_PSNR, OPT_BPP, OPT_SIZE, OPT_SUB, N_OPTS };

static const ImzOptionInfo lossy_options[N_OPTS] = {
    {"quality", "0 (smallest) .. 100 (best)", 0, 100, 75, 1, NULL},
    {"effort", "1 (fastest) .. 9 (smallest)", 1, 9, 3, 1, NULL},
    {"target-psnr", "PSNR over the colour channels to reach, dB (0 = off)", 0, 100, 0, 0, NULL},
    {"target-bpp", "bits per pixel of the whole file, never exceeded (0 = off)", 0, 64, 0, 0, NULL},
    {"target-size", "bytes of the whole file, never exceeded (0 = off)", 0, 1e12, 0, 1, NULL},
    {"subsampling", "chroma resolution: auto, 420 or 444", 0, 2, 0, 1, subsampling_choices},
};

/* Quality to luma quantiser; 24 steps of q double the step size. */
static int quality_to_q(double quality)
{
    const double q = quality <= 75 ? 215 - 1.2 * quality : 125 - (quality - 75) * 3.4;
    return iclip((int)lrint(q), 0, IMZ_QUANT_MAX_Q);
}

static void params_for_q(LossyParams *p, int q, int sub_opt, int effort)
{
    p->q_y = q;
    /* auto: half-resolution chroma only pays at low rates, or for speed at effort 1 */
    p->sub420 = sub_opt == 1 ? 1 : sub_opt == 2 ? 0 : q >= 150 || effort <= 1;
    /* Chroma: twice as fine as luma at half resolution; at full resolution a little coarser,
     * which SSIM over R, G and B rewards more than it costs PSNR. */
    p->q_c = iclip(q + (p->sub420 ? -24 : 12), 0, IMZ_QUANT_MAX_Q);
    p->deblock = effort >= 2;
    p->db_offset = 0;
    p->effort = effort;
    p->wiener = 1;
    /* quantiser offsets at every effort: without them effort 1's SSIM would fall behind WebP's */
    p->aq = 1;
    /* effort 1 codes levels as rANS tokens: a third faster to decode, ~2% larger */
    p->tokens = effort <= 1;
    p->lambda_mul = 0.06;
}

/* Bytes the container adds around `payload` bytes of this codec. */
static size_t file_overhead(size_t payload)
{
    return IMZ_FIXED_HEADER_LEN + LOSSY_N_PARAMS + 4 +
           8 * ((payload + IMZ_MAX_CHUNK - 1) / IMZ_MAX_CHUNK) + 8;
}

typedef struct Trial {
    size_t file_bytes;
    double psnr;
} Trial;

/* Encodes with p into payload (reset first) and measures what the targets need. */
static int trial(ImzContext *ctx, const ImzImage *img, const LossyParams *p, ImzBuf *payload,
                 int want_psnr, Trial *t)
{
    payload->len = 0;
    int st = imz_lossy_encode_image(ctx, img, p, payload);
    if (st < 0)
        return st;
    t->file_bytes = payload->len + file_overhead(payload->len);
    t->psnr = 0;
    if (!want_psnr)
        return IMZ_OK;
    ImzBuf params;
    imz_buf_init(&params, ctx);
    imz_lossy_write_params(p, &params);
    ImzImage dec = *img;
    dec.data = NULL;
    st = params.status;
    if (st == IMZ_OK)
        st = imz_image_alloc(ctx, &dec, img->width, img->height, img->channels, img->bit_depth);
    if (st == IMZ_OK)
        st = imz_lossy_decode(ctx, params.data, params.len, payload->data, payload->len, &dec);
    if (st == IMZ_OK) {
        const int nc = img->channels >= 3 ? 3 : 1;
        double mse = 0;
        for (int c = 0; c < nc; c++)
            mse += (double)imz_metrics_sse(imz_metrics_view(img, c), imz_metrics_view(&dec, c),
                                           img->width, img->height);
        mse /= (double)img->width * img->height * nc;
        t->psnr = imz_metrics_psnr(mse, (double)((1 << img->bit_depth) - 1));
        if (isinf(t->psnr))
            t->psnr = 999;
    }
    imz_image_free(ctx, &dec);
    imz_buf_free(&params);
    return st;
}

/* "good enough" test of a trial against the target: 1 = meets it (size not over, PSNR not under) */
typedef struct Target {
    int kind; /* 0 size, 1 psnr */
    double value;
} Target;

static int meets(const Target *tg, const Trial *t)
{
    return tg->kind == 0 ? (double)t->file_bytes <= tg->value : t->psnr >= tg->value;
}

/* how close: size within 2% below, PSNR within 0.1 dB above */
static int close_enough(const Target *tg, const Trial *t)
{
    return tg->kind == 0 ? (double)t->file_bytes >= 0.985 * tg->value : t->psnr <= tg->value + 0.08;
}

static int rate_control(ImzContext *ctx, const ImzImage *img, const Target *tg, int sub, int effort,
                        LossyParams *best, ImzBuf *payload)
{
    ImzBuf tmp;
    imz_buf_init(&tmp, ctx);
    LossyParams p;
    Trial t;
    int st = IMZ_OK;
    const int want_psnr = tg->kind == 1;
    /* A size target is met from some q upwards, a PSNR target up to some q: find that boundary
     * q (`good`) by bisection, keeping `bad` on the other side. */
    int good = want_psnr ? 0 : IMZ_QUANT_MAX_Q, bad = want_psnr ? IMZ_QUANT_MAX_Q + 1 : -1;
    while (iabs(good - bad) > 1) {
        const int mid = (good + bad) / 2;
        params_for_q(&p, mid, sub, effort);
        if ((st = trial(ctx, img, &p, &tmp, want_psnr, &t)) < 0)
            goto done;
        if (meets(tg, &t))
            good = mid;
        else
            bad = mid;
    }
    params_for_q(best, good, sub, effort);
    if ((st = trial(ctx, img, best, &tmp, want_psnr, &t)) < 0)
        goto done;
    if (bad >= 0 && bad <= IMZ_QUANT_MAX_Q && !close_enough(tg, &t)) {
        /* Between good and bad: a larger lambda lowers rate and quality a little at a time.
         * A size target starts from bad (too large), a PSNR target from good (too good). */
        const int q = want_psnr ? good : bad;
        double lm_lo = 1.0, lm_hi = want_psnr ? 4.0 : 8.0;
        for (int it = 0; it < 8; it++) {
            const double lm = sqrt(lm_lo * lm_hi);
            params_for_q(&p, q, sub, effort);
            p.lambda_mul *= lm;
            Trial t2;
            if ((st = trial(ctx, img, &p, &tmp, want_psnr, &t2)) < 0)
                goto done;
            if (meets(tg, &t2)) {
                if (want_psnr ? t2.psnr < t.psnr : t2.file_bytes > t.file_bytes) {
                    *best = p;
                    t = t2;
                }
                if (close_enough(tg, &t2))
                    break;
                if (want_psnr)
                    lm_lo = lm;
                else
                    lm_hi = lm;
            } else {
                if (want_psnr)
                    lm_hi = lm;
                else
                    lm_lo = lm;
            }
        }
    }
    payload->len = 0;
    st = imz_lossy_encode_image(ctx, img, best, payload);
done:
    imz_buf_free(&tmp);
    return st;
}

static int lossy_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                        ImzBuf *payload)
{
    if ((uint64_t)img->width * img->height > (1ull << 31))
        return imz_fail(ctx, IMZ_ERR_LIMIT, "lossy: image too large");
    const int effort = (int)opt[OPT_EFFORT], sub = (int)opt[OPT_SUB];
    LossyParams p;
    params_for_q(&p, quality_to_q(opt[OPT_QUALITY]), sub, effort);
    int st;
    const double npix = (double)img->width * img->height;
    Target tg = {-1, 0};
    if (opt[OPT_SIZE] > 0)
        tg.kind = 0, tg.value = opt[OPT_SIZE];
    else if (opt[OPT_BPP] > 0)
        tg.kind = 0, tg.value = floor(opt[OPT_BPP] * npix / 8);
    else if (opt[OPT_PSNR] > 0)
        tg.kind = 1, tg.value = opt[OPT_PSNR];
    if (tg.kind >= 0)
        st = rate_control(ctx, img, &tg, sub, effort, &p, payload);
    else
        st = imz_lossy_encode_image(ctx, img, &p, payload);
    if (st == IMZ_OK)
        imz_lossy_write_params(&p, params);
    return st;
}

const ImzCodec imz_codec_lossy = {
    .id = 32,
    .name = "lossy",
    .summary = "lossy: intra-predicted block DCT, RD-optimised, context-adaptive arithmetic coding",
    .lossless = 0,
    .options = lossy_options,
    .n_options = N_OPTS,
    .encode = lossy_encode,
    .decode = imz_lossy_decode,
};
