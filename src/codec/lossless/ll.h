// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Internal interface of the `lossless` codec (docs/format/lossless.md). ll_model.c holds the one
// copy of the prediction, context and residual-coding rules, which the encoder (ll_enc.c) and the
// decoder (ll_dec.c) both run, so the two sides cannot drift apart.

#ifndef IMZ_CODEC_LOSSLESS_LL_H
#define IMZ_CODEC_LOSSLESS_LL_H

#include <stdint.h>

#include "common/context.h"
#include "common/parallel.h"
#include "codec/lossless/ll_groups.h"
#include "codec/lossless/ll_rct.h"
#include "codec/lossless/ll_tokens.h"
#include "codec/lossless/ll_tree.h"
#include "entropy/bac.h"

#define LL_FORMAT_VERSION 10
/* Widest row, in samples (width x channels), of any profile: bounds the row state (§1). */
#define LL_MAX_ROW_SAMPLES (1u << 24)
#define LL_WARM_ROWS 16 /* rows of group 0 whose models the other groups start from (§3.4) */
#define LL_PAD 3       /* samples of padding left and right of every row */
#define LL_NSUB 11     /* sub-predictors blended by the weighted predictor */
#define LL_NSUB_NORMAL 8 /* ... without the heavy model's three least-squares ones */
#define LL_NLS 16      /* inputs of the least-squares sub-predictors, at most */
#define LL_LS_DECAY 11 /* forgetting rate of the global one's statistics: 2^-11 per sample */
#define LL_NLS_DIR 4   /* edge-direction classes, each with a least-squares sub-predictor */
#define LL_LS_DIR_DECAY 12 /* ... and that of the direction ones: 2^-12 */
#define LL_SUB_LOCAL 10 /* the local least-squares sub-predictor (§7) */
#define LL_LOC_R 6      /* its window: 6 rows above and 6 columns either side, */
#define LL_LOC_R_WIDE 8 /* or 8 in a wide-window stream, */
#define LL_WIDE_PIXELS (1u << 20) /* which the encoder picks for images of this many pixels */
#define LL_NLOC 8       /* its inputs, at most */
#define LL_LOC_ROW (LL_NLOC + 1)                          /* inputs and target of one sample */
#define LL_LOC_SUMS (LL_LOC_ROW * (LL_LOC_ROW + 1) / 2)   /* their products, upper triangle */
#define LL_NQ 32       /* local error-energy classes */
#define LL_NR 4        /* inter-plane classes (error of earlier planes at the same pixel) */
#define LL_NCTX ((LL_NR + 1) * LL_NQ) /* + one class set for transparent pixels */
#define LL_MAXK 18                    /* magnitudes are < 2^18 */
#define LL_NBIAS 1792                 /* bias-cancellation contexts */

/** Profiles: the model variant a stream was coded with (stored in the stream). */
enum { LL_PROFILE_FAST = 0, LL_PROFILE_NORMAL = 1, LL_N_PROFILES = 2 };
/** Lowest effort that codes profile 1 with the heavy model (mode byte bit 5). */
#define LL_HEAVY_EFFORT 7
/** Profile 2 (palette, §11) has its own payload after the mode byte. */
#define LL_PROFILE_PALETTE 2
#define LL_PAL_MAX 4096 /* most colours of a palette stream */

#define LL_NCTXB (LL_NQ * 7)
#define LL_NCTXC (LL_NQ * 5)
#define LL_NCTXD 256 /* model D: disagreement of the least-squares sub-predictor */
#define LL_SIDE_MAX 96 /* differences at least this far from the prediction share a side class */
#define LL_NSIDE 144 /* models E and F: distance of the prediction from two neighbours */
#define LL_NDEC (2 * LL_MAXK + 1) /* mixed decisions: zero, exponent, mantissa, sign */
#define LL_MIX_RATE 9             /* learning rate of the palette profile's mixers (§11) */
#define LL_RES_MIX_RATE 20        /* learning rate of the residual model's mixers (§5) */
#define LL_HEAVY_MIX_RATE 36      /* ... of the heavy model's four first-layer mixers */
#define LL_FINAL_MIX_RATE 12      /* ... and of its second layer */
#define LL_NWSET 432              /* first weight sets: energy class and sides of W, N, NE (§8) */
#define LL_NWSET2 LL_NCTXC        /* second weight sets, added to the first: model C's context */
#define LL_MIX_IN 8               /* bias + up to 7 cells */
#define LL_CELLS_NORMAL 4         /* cells mixed per decision: models A, B, E, G */
#define LL_CELLS_HEAVY 7          /* ... and F, D, H */
#define LL_APM_RATE 6
#define LL_NAPM LL_NSIDE /* APM rows: model G's context */
#define LL_NLEVEL 32     /* intensity classes of the heavy model: square root of the level (§8) */
#define LL_NCTXH (LL_NLEVEL * LL_NQ) /* model H: intensity class and error energy */
#define LL_NLSET (LL_NLEVEL * 8)     /* heavy weight sets and APM rows by intensity */
#define LL_NTSET 256                 /* heavy weight sets by texture (§8) */
#define LL_NLMS 10 /* LMS inputs (the last two in the heavy model only) */
#define LL_LMS_MU 16
#define LL_MIX_SHIFT 16
#define LL_CELL_FAST 6 /* rate floors of the adaptive cells (§4.2) */
#define LL_CELL_SLOW 8
#define LL_CELL_MIXED 8 /* rate floor of cells that feed the mixer */

typedef struct LlModel {
    ImzBacCell zero[LL_NCTX];
    ImzBacCell zerob[LL_NCTXB];
    ImzBacCell expob[LL_NCTXB][LL_MAXK];
    ImzBacCell mantb[LL_NCTXB][LL_MAXK];
    ImzBacCell zerod[LL_NCTXD];
    ImzBacCell expod[LL_NCTXD][LL_MAXK];
    ImzBacCell mantd[LL_NCTXD][LL_MAXK];
    ImzBacCell zeroe[LL_NSIDE];
    ImzBacCell expoe[LL_NSIDE][LL_MAXK];
    ImzBacCell mante[LL_NSIDE][LL_MAXK];
    ImzBacCell zerof[LL_NSIDE];
    ImzBacCell expof[LL_NSIDE][LL_MAXK];
    ImzBacCell mantf[LL_NSIDE][LL_MAXK];
    ImzBacCell zerog[LL_NSIDE];
    ImzBacCell expog[LL_NSIDE][LL_MAXK];
    ImzBacCell mantg[LL_NSIDE][LL_MAXK];
    ImzBacCell signg[24 * 24];
    ImzBacCell signd[24 * 8];
    ImzBacCell signt[9 * 8];
    ImzBacCell signe[24 * 24];
    ImzBacCell signf[24 * 24];
    ImzBacCell sign[LL_NCTX / 4][8][3];
    ImzBacCell expo[LL_NCTX][LL_MAXK];
    ImzBacCell mant[LL_NCTX][LL_MAXK][3];
    ImzBacCell mlow[LL_MAXK][LL_MAXK];
    ImzBacCell edge[2][LL_MAXK][5]; /* residual reaches the plane's range: [sign][k][neighbours] */
    int32_t mixw[LL_NWSET][LL_NDEC][LL_MIX_IN];
    int32_t mixw2[LL_NWSET2][LL_NDEC][LL_MIX_IN];
    uint16_t apm[LL_NAPM][LL_NDEC][33];
    int32_t lms[LL_NLMS];
    int32_t bias_sum[LL_NBIAS];
    int32_t bias_cnt[LL_NBIAS];
} LlModel;

/* An online least-squares predictor (§9). */
typedef struct LlLsq {
    int64_t c[LL_NLS][LL_NLS]; /* decayed sums of d_i * d_j (upper triangle) */
    int64_t b[LL_NLS];         /* decayed sums of d_i * target */
    int32_t w[LL_NLS];         /* weights, 1/65536 units */
    int32_t next;              /* next weight the Gauss-Seidel sweep updates */
} LlLsq;

/* The heavy model's further state (§8): model H, two more weight tables, a second APM and the
 * least-squares sub-predictors. Allocated only for heavy streams, so that the normal model keeps
 * its 1.4 MB per plane. */
typedef struct LlHeavyModel {
    ImzBacCell zeroh[LL_NCTXH];
    ImzBacCell signh[LL_NCTXH];
    ImzBacCell expoh[LL_NCTXH][LL_MAXK];
    ImzBacCell manth[LL_NCTXH][LL_MAXK];
    int32_t mixw3[LL_NLSET][LL_NDEC][LL_MIX_IN];
    int32_t mixw4[LL_NTSET][LL_NDEC][LL_MIX_IN];
    uint16_t apm2[LL_NLSET][LL_NDEC][33];
    int32_t final_w[LL_NQ][LL_NDEC][4]; /* second-layer weights, by the local noise class */
    LlLsq ls;                 /* over every sample */
    LlLsq ls_dir[LL_NLS_DIR]; /* over the samples of one edge direction */
    int32_t loc_w[LL_NLOC];   /* the local one's weights, carried from sample to sample */
} LlHeavyModel;

typedef struct LlPlane {
    int32_t lo, hi; /* every value of the plane lies in [lo, hi] */
    int32_t *v[3];  /* rows y, y-1, y-2 (rotating), LL_PAD samples of padding each side */
    int32_t *te[2]; /* final prediction error (8 * prediction - 8 * value), rows y, y-1 */
    int32_t *se[2]; /* |sub-prediction error| per sub-predictor, rows y, y-1, [x][k] */
    int n_ref;      /* planes whose current-row errors form the inter-plane class */
    int ref[3];
    int alpha; /* plane holding alpha (coded earlier), or -1 */
    LlModel *m;
    LlHeavyModel *h; /* heavy model only, else NULL */
    /* Heavy model only: the local least-squares window (§7). loc_in keeps the inputs and target
     * of the last loc_r + 1 rows, LL_LOC_ROW per sample; loc_col[x] sums their products over
     * the loc_r rows above at column x. */
    int16_t *loc_in;
    int32_t *loc_col;
} LlPlane;

typedef struct LlCoder {
    int n_planes, width, profile, heavy;
    int loc_r;    /* heavy model: the local window's rows above and columns either side */
    int ls_shift; /* least-squares inputs are differences >> ls_shift (|d| < 2^13) */
    uint32_t rows_done; /* rows of the group coded so far */
    LlPlane plane[4];
    ImzBacEnc enc;
    ImzBacDec dec;
    int32_t *mem; /* one block for every row buffer */
    int16_t stretch[4096];
    int16_t squash[4095];
    uint8_t isqrt[1024]; /* floor(sqrt(i)): the heavy model's intensity classes */
    int8_t side_lut[2 * LL_SIDE_MAX + 1]; /* side classes of differences (§6.2) */
    int status; /* IMZ_OK or IMZ_ERR_CORRUPT (decoding) */
    /* Tree-context coding (§8.1): residuals as tokens under the contexts of `tree`. */
    int tree_mode;
    const LlTree *tree;
    const LlTreeMasks *masks; /* the tree's leaves by feature value, for the second pass */
    /* encoder, first pass: the features and tokens of every learn_stride-th sample of every
     * learn_every-th row */
    uint8_t *learn_feat, *learn_tok;
    size_t learn_n, learn_stride, learn_tick;
    uint32_t learn_every;
    /* encoder, second pass: leaf * LL_NTOK + token per sample, their counts, the raw bits */
    uint16_t *sym;
    size_t n_sym;
    uint32_t *counts;
    LlRawWriter raw;
    /* decoder */
    const ImzRansTable *tab;
    ImzRansDec rd;
    ImzBitReader rr;
} LlCoder;

/** Warm start (§3.4): groups 1..n-1 begin with group 0's models as they are after its first
 *  `rows` rows, so that they do not learn the image from nothing. */
typedef struct LlWarmStart {
    uint32_t rows;   /* 0: every group starts from fresh models */
    int n_planes;
    LlModel *models; /* group 0's models, one per plane, once `ready` is open */
    LlHeavyModel *heavy_models; /* and their heavy parts, if heavy */
    ImzLatch ready;
} LlWarmStart;

/** Sets up a warm start after `rows` rows (0: none) for n_planes planes of the given model. */
int imz_ll_warm_init(ImzContext *ctx, LlWarmStart *ws, uint32_t rows, int n_planes, int heavy);
void imz_ll_warm_free(ImzContext *ctx, LlWarmStart *ws);
/** Group 0, after coding its `done`-th row: hands its models over once `done` reaches ws->rows.
 *  Group 0 must also call imz_latch_open(&ws->ready, 0) when it stops, so no group waits on a
 *  group that failed. */
void imz_ll_warm_give(LlWarmStart *ws, const LlCoder *c, uint32_t done);
/** Groups 1..n-1, before their first row: waits for group 0's models and copies them in.
 *  @return 1, or 0 if group 0 stopped before handing them over. */
int imz_ll_warm_take(LlWarmStart *ws, LlCoder *c);

/** The shape of a stream: everything the model needs before the first row. */
typedef struct LlLayout {
    int width, n_planes, profile, heavy, wide, tree;
    int32_t lo[4], hi[4];
    int alpha_plane; /* -1 if none; otherwise 0 (alpha is coded first) */
} LlLayout;

/** Everything the stream header says (§3). Plane order: alpha first if present, then colour. */
typedef struct LlStreamInfo {
    int channels, depth, profile, rct, heavy;
    int wide; /* heavy only: the local window reaches LL_LOC_R_WIDE samples (§7) */
    int tree; /* normal, not heavy: residuals coded under tree contexts (§8.1) */
    int n_planes, alpha_plane;
    int32_t ch_min[4], ch_step[4], ch_max[4]; /* channel c: sample = ch_min + step * mapped */
    uint16_t *to_rank[4];  /* value table mode (encoder): sample -> rank, or NULL */
    /* tree contexts (encoder): the groups' trees are learnt from the samples of every n-th row,
     * n chosen to keep them to about this many over the image (§8.1) */
    uint32_t tree_learn;
    uint16_t *to_value[4]; /* value table mode (decoder): rank -> sample, or NULL */
    int32_t lo[4], hi[4];  /* per plane */
} LlStreamInfo;

/** Fills n_planes and alpha_plane from channels. */
void imz_ll_plane_setup(LlStreamInfo *si);
/** The model's view of the stream. */
void imz_ll_layout(const LlStreamInfo *si, int width, LlLayout *lay);
/** Maps row y of img to plane values, out[x * n_planes + p], with colour transform rct. */
void imz_ll_map_row(const ImzImage *img, const LlStreamInfo *si, uint32_t y, int rct, int32_t *out);
/** Inverse of imz_ll_map_row from the coder's plane rows into img row y.
 *  @return IMZ_OK, or IMZ_ERR_CORRUPT if a sample falls outside its channel's range. */
int imz_ll_unmap_row(const LlCoder *c, const LlStreamInfo *si, ImzImage *img, uint32_t y);

int imz_ll_decode(ImzContext *ctx, const uint8_t *params, size_t n_params, const uint8_t *payload,
                  size_t n_payload, ImzImage *out);

/** Allocates the coder's rows and models for one group; contexts start fresh. */
int imz_ll_coder_init(ImzContext *ctx, LlCoder *c, const LlLayout *lay);
void imz_ll_coder_free(ImzContext *ctx, LlCoder *c);

/** Codes row y of every plane; plane p's current row is c->plane[p].v[0] + LL_PAD.
 *  Before the call the encoder fills the current rows; the decoder gets them filled. Both call
 *  imz_ll_next_row first, which rotates the row buffers. */
void imz_ll_next_row(LlCoder *c);
void imz_ll_encode_row(LlCoder *c);
/** @return IMZ_OK, or IMZ_ERR_CORRUPT when a decoded value falls outside its plane's range. */
int imz_ll_decode_row(LlCoder *c);

/** Builds the logistic tables of §5 (stretch: 4096 entries, squash: 4095). */
void imz_ll_build_tables(int16_t *stretch, int16_t *squash);

/** Counts the distinct pixels of img, stopping once more than max_colours are seen (*n is then
 *  max_colours + 1). */
int imz_ll_pal_count(ImzContext *ctx, const ImzImage *img, uint32_t max_colours, uint32_t *n);
/** Writes the palette payload (§11) that follows the mode byte. */
int imz_ll_pal_encode(ImzContext *ctx, const ImzImage *img, ImzBuf *payload);
/** Reads the palette payload (§11) from r into out. */
int imz_ll_pal_decode(ImzContext *ctx, ImzReader *r, ImzImage *out);

/* ---- Logistic mixing, shared by the residual model and the palette profile (§6) ---------- */

/** The weighted sum of n stretched inputs, back in the stretched domain and clamped to +-2047. */
static inline int32_t imz_ll_mix_dot(const int32_t *wt, const int32_t *in, int n)
{
    int64_t dot = 0;
    for (int i = 0; i < n; i++)
        dot += (int64_t)wt[i] * in[i];
    int32_t d = (int32_t)(dot >> 16);
    return d < -2047 ? -2047 : d > 2047 ? 2047 : d;
}

/** Codes (or decodes and returns) one bit with probability p16 of a one, kept inside the
 *  coder's range. */
static inline int imz_ll_code_bit(ImzBacEnc *enc, ImzBacDec *dec_state, int dec, int bit,
                                  uint32_t p16)
{
    p16 = p16 < 32 ? 32 : p16 > 65504 ? 65504 : p16;
    if (dec)
        return imz_bac_dec_bit(dec_state, p16);
    imz_bac_enc_bit(enc, bit, p16);
    return bit;
}

/** Moves the mixing weights towards the coded bit, given the 12-bit mixed probability p12. */
static inline void imz_ll_mix_train(int32_t *wt, const int32_t *in, int n, int bit, int32_t p12,
                                    int rate)
{
    int32_t err = ((bit << 12) - p12) * rate;
    for (int i = 0; i < n; i++) {
        int32_t nw = wt[i] + ((in[i] * err) >> LL_MIX_SHIFT);
        wt[i] = nw < -(1 << 22) ? -(1 << 22) : nw > (1 << 22) ? (1 << 22) : nw;
    }
}

#endif
