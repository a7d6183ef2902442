// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Internal interface of the `lossy` codec (docs/format/lossy.md): the plane being coded, the
// adaptive contexts, the scan tables, and the syntax, prediction and filter routines that the
// encoder (dct_enc.c) and the decoder (dct_dec.c) share so that both sides stay identical.

#ifndef IMZ_CODEC_DCT_CODEC_H
#define IMZ_CODEC_DCT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/context.h"
#include "bitio/bits.h"
#include "bitio/buf.h"
#include "entropy/bac.h"
#include "entropy/rans.h"
#include "quant/quant.h"
#include "transform/dct.h"

#define LOSSY_VERSION 1
#define LOSSY_N_PARAMS 5
#define LOSSY_SB_LOG2 5 /* superblock = largest block = 32 x 32 */
#define LOSSY_SB 32
#define LOSSY_N_MODES 35
#define LOSSY_MODE_PLANAR 0
#define LOSSY_MODE_DC 1
#define LOSSY_MODE_H 10
#define LOSSY_MODE_V 26
#define LOSSY_MODE_LM 35 /* chroma from luma (chroma planes only) */

/* Header flags (params byte 1). */
#define LOSSY_FLAG_420 1
#define LOSSY_FLAG_DEBLOCK 2
#define LOSSY_FLAG_AQ 4     /* luma superblocks carry quantiser offsets (§5) */
#define LOSSY_FLAG_TOKENS 8 /* levels as static-rANS tokens in a stream of their own (§5.5) */
#define LOSSY_AQ_MAX 12     /* offsets are 2 d with |d| <= LOSSY_AQ_MAX */

/** One plane in coding: reconstructed samples over the padded area plus per-4x4 maps. */
typedef struct LossyPlane {
    int w, h;            /* visible size */
    int pw, ph;          /* padded to multiples of 8 */
    int type;            /* 0 luma or gray, 1 chroma */
    int q;               /* quantiser index of the plane, or of the superblock being coded */
    uint8_t *sb_q;       /* with quantiser offsets: each superblock's index, raster order */
    uint8_t *pix;        /* pw * ph reconstructed samples */
    uint8_t *size_map;   /* (pw/4) * (ph/4): log2 size of the decoded leaf, 0 = not decoded yet */
    uint8_t *mode_map;   /* (pw/4) * (ph/4): intra mode of the leaf */
    const uint8_t *luma; /* chroma planes: final luma at this plane's resolution, pw * ph */
} LossyPlane;

typedef struct LossyCtx {
    ImzBacCell split[2][3][3];
    ImzBacCell lm_flag[3];
    ImzBacCell mpm_flag[2];
    ImzBacCell mpm_idx[2][2];
    ImzBacCell cbf[2][4];
    ImzBacCell tx[2][3][2];
    ImzBacCell last[2][2][4][10];
    ImzBacCell sig[2][4][3][5];
    ImzBacCell gt1[2][2][6];
    ImzBacCell gt2[2][2][6];
    ImzBacCell wiener_on[2];
    ImzBacCell wiener_blk[2];
    ImzBacCell wiener_cls[2];
    ImzBacCell alpha_zero[5];
    ImzBacCell alpha_sign[5];
    ImzBacCell alpha_mag[5][8];
    ImzBacCell dq_zero[2];
    ImzBacCell dq_sign[3];
    ImzBacCell dq_mag[4];
} LossyCtx;

/** Up-right diagonal scans: scan[l][i] = raster position of the i-th coefficient, pos = inverse. */
typedef struct LossyScan {
    uint16_t scan[4][1024];
    uint16_t pos[4][1024];
} LossyScan;

/** Neighbourhood of the coefficient template: magnitudes on a (32 + 2)-wide zero-bordered grid. */
#define LOSSY_TPL_STRIDE 34

void imz_lossy_ctx_init(LossyCtx *c);
void imz_lossy_scan_init(LossyScan *s);

/** Coefficient template of position (x, y): capped sum (for contexts) and full sum (Rice). */
static inline void imz_lossy_template(const uint16_t *tpl, int x, int y, int *capped, int *full)
{
    const uint16_t *p = tpl + y * LOSSY_TPL_STRIDE + x;
    int a = p[1], b = p[2], c = p[LOSSY_TPL_STRIDE], d = p[2 * LOSSY_TPL_STRIDE],
        e = p[LOSSY_TPL_STRIDE + 1];
    *full = a + b + c + d + e;
    *capped =
        (a < 4 ? a : 4) + (b < 4 ? b : 4) + (c < 4 ? c : 4) + (d < 4 ? d : 4) + (e < 4 ? e : 4);
}

static inline int imz_lossy_sig_ctx_pos(int x, int y)
{
    int d = x + y;
    return d < 2 ? 0 : d < 5 ? 1 : 2;
}

static inline int imz_lossy_rice(int full)
{
    return full < 12 ? 0 : full < 25 ? 1 : full < 50 ? 2 : full < 100 ? 3 : 4;
}

/** Group of a last-position coordinate (0..31) and the first value of each group. */
extern const uint8_t imz_lossy_last_group[32];
extern const uint8_t imz_lossy_group_base[10];

/** The three most probable modes of the block at (x, y) (4x4 units ux, uy) of plane pl. */
void imz_lossy_mpm(const LossyPlane *pl, int x, int y, int mpm[3]);

/** Allocates a plane of w x h samples (padded to multiples of 8) with its block maps. */
int imz_lossy_plane_alloc(ImzContext *ctx, LossyPlane *pl, int w, int h, int type, int q);
/** Frees what imz_lossy_plane_alloc allocated and clears the plane. */
void imz_lossy_plane_free(ImzContext *ctx, LossyPlane *pl);

/** Split-flag context: how many of the left and upper neighbours are smaller leaves. */
int imz_lossy_split_ctx(const LossyPlane *pl, int x, int y, int log2s);

/* ---- Syntax (dct_syntax.c) ---- */
/** Context of the chroma-from-luma flag at (x, y): neighbours that use it. */
int imz_lossy_lm_ctx(const LossyPlane *pl, int x, int y);
/** Intra mode; lm_ctx < 0 on planes without the chroma-from-luma mode. */
void imz_lossy_put_mode(ImzBacEnc *e, LossyCtx *c, int t, const int mpm[3], int mode, int lm_ctx);
/** Superblock quantiser offset d (|d| <= LOSSY_AQ_MAX), coded given the previous one. */
void imz_lossy_put_dq(ImzBacEnc *e, LossyCtx *c, int d, int prev);
int imz_lossy_get_dq(ImzBacDec *dec, LossyCtx *c, int prev);
/** Gives pl a map of per-superblock quantisers, all pl->q to start with. */
int imz_lossy_plane_aq(ImzContext *ctx, LossyPlane *pl);
/** Quantiser index of a superblock: the plane's q plus the offset 2 d, clipped. */
static inline int imz_lossy_sb_q(int q, int d)
{
    const int v = q + 2 * d;
    return v < 0 ? 0 : v > IMZ_QUANT_MAX_Q ? IMZ_QUANT_MAX_Q : v;
}
int imz_lossy_get_mode(ImzBacDec *d, LossyCtx *c, int t, const int mpm[3], int lm_ctx);
/* ---- Level tokens (§5.5, dct_tokens.c) ---- */
/* Context of a level token: plane type, block size class, scan zone and neighbourhood class. */
#define LOSSY_TOK_CTX 108
#define LOSSY_TOK_SYMS 16 /* magnitudes 0..14, then LOSSY_TOK_ESC for the larger ones */
#define LOSSY_TOK_ESC 15
static inline int imz_lossy_tok_ctx(int t, int l, int zone, int nb)
{
    return ((t * 3 + (l < 2 ? l : 2)) * 3 + zone) * 6 + nb;
}

/** The encoder's tokens, (context << 5 | symbol) in coding order, and their histogram; the sign
 * and escape bits go straight to a bit stream of their own. */
typedef struct LossyTokens {
    ImzContext *ctx;
    uint16_t *tok;
    size_t n, cap;
    int nomem;
    ImzBuf raw;
    ImzBitWriter bits;
    uint32_t hist[LOSSY_TOK_CTX][LOSSY_TOK_SYMS];
} LossyTokens;
/** Sets up an empty token list (tk zeroed by the caller). */
void imz_lossy_tokens_init(LossyTokens *tk, ImzContext *ctx);
/** Doubles the room for tokens (at least 2^16); -1 when out of memory (then nomem is set). */
int imz_lossy_tokens_grow(LossyTokens *tk);
void imz_lossy_tokens_free(LossyTokens *tk);
/** Appends the token section (§4): table stream length, the tables, the rANS stream. */
int imz_lossy_tokens_write(LossyTokens *tk, ImzBuf *out);

/** The decoder's side: the tables, the two rANS states (r.x for the next token and x1 for the one
 * after it) and the bit stream. */
typedef struct LossyTokDec {
    ImzRansDec r;
    uint32_t x1;
    ImzBitReader bits;
    ImzRansTable tab[LOSSY_TOK_CTX];
} LossyTokDec;
/** Reads the token section at p[0..n): IMZ_OK, or an IMZ_ERR_* status (nothing reported). */
int imz_lossy_tokens_open(LossyTokDec *td, const uint8_t *p, size_t n);

/** Codes the levels (raster order, row stride `stride`) of an n x n block, cbf and transform type
 * included; with tk, the levels themselves go to tk as tokens (§5.5) instead of the coder. */
void imz_lossy_put_coefs(ImzBacEnc *e, LossyCtx *c, const LossyScan *s, LossyTokens *tk,
                         const int32_t *lev, ptrdiff_t stride, int log2n, int t, int tx);
/**
 * Decodes the levels of an n x n block into lev (raster). Sets *max_u, *max_v to the extent of the
 * nonzero levels (-1 if none, and then lev is left as it was). Otherwise the rows up to *max_v
 * (and possibly a few more; all four of a 4x4 block) are written whole, zeros included; the rows
 * beyond are left as they were and must not be read. Returns 0, or -1 on an impossible value.
 */
int imz_lossy_get_coefs(ImzBacDec *d, LossyCtx *c, const LossyScan *s, LossyTokDec *td,
                        int32_t *lev, int log2n, int t, int *max_u, int *max_v, int *tx);

/* ---- Prediction and filters (dct_pred.c) ---- */
/**
 * Reference samples of the n x n block at (x, y): ref[0..4n], bottom-left to top-right, with
 * ref[2n - 1 - i] = left column row i, ref[2n] = corner, ref[2n + 1 + i] = top row column i;
 * unavailable samples substituted as in §8.2.
 */
void imz_lossy_ref_build(const LossyPlane *pl, int x, int y, int log2n, uint8_t *ref);
/** Intra prediction of mode `mode` (0..34) into pred (n x n raster), smoothing as §8.2 says. */
void imz_lossy_predict(const uint8_t *ref, int log2n, int mode, uint8_t *pred);
/** The same from references already smoothed (or not) as the mode needs. */
void imz_lossy_predict_raw(const uint8_t *ref, int log2n, int mode, uint8_t *pred);
int imz_lossy_needs_smoothing(int log2n, int mode);
/** [1 2 1] smoothing of the 4n + 1 reference samples. */
void imz_lossy_smooth(const uint8_t *ref, int log2n, uint8_t *filt);
/** Chroma-from-luma prediction of the n x n block at (x, y) of a chroma plane (§8.5). */
void imz_lossy_predict_lm(const LossyPlane *pl, int x, int y, int log2n, uint8_t *pred);
/** Builds the luma plane at chroma resolution cw x ch (padded size, stride cw). */
void imz_lossy_luma_for_chroma(const LossyPlane *luma, int sub420, uint8_t *dst, int cw, int ch);
/** Deblocking of a finished plane (§9); offset shifts the quantiser the strengths are taken at. */
void imz_lossy_deblock(LossyPlane *pl, int offset);

/* ---- Restoration filter (dct_filter.c) ---- */
#define LOSSY_WIENER_TAPS 12
#define LOSSY_WIENER_CLASSES 15

typedef struct LossyWiener {
    int enabled;
    uint8_t class_on[LOSSY_WIENER_CLASSES];
    int8_t coef[LOSSY_WIENER_CLASSES][LOSSY_WIENER_TAPS]; /* 1/128 units, -64..63 */
    uint8_t *block_on; /* one flag per 64 x 64 block, raster order */
} LossyWiener;

/**
 * Fits the filter of a deblocked plane against its padded source (stride pl->pw); each of the
 * `iterations` (1 or 2) refits on the blocks the previous one kept.
 */
int imz_lossy_wiener_fit(ImzContext *ctx, const LossyPlane *pl, const uint8_t *src, int iterations,
                         LossyWiener *wf);
/** Filters the visible area of pl into dst (stride pl->pw). */
int imz_lossy_wiener_apply(ImzContext *ctx, const LossyPlane *pl, const LossyWiener *wf,
                           uint8_t *dst);
void imz_lossy_put_wiener(ImzBacEnc *e, LossyCtx *c, const LossyPlane *pl, const LossyWiener *wf);
void imz_lossy_get_wiener(ImzBacDec *d, LossyCtx *c, const LossyPlane *pl, LossyWiener *wf);

/* ---- Whole-image coding (dct_enc.c, dct_dec.c) ---- */

/** What the encoder was asked to do; q_y, q_c, flags and offset are stored in the header. */
typedef struct LossyParams {
    int q_y, q_c;      /* quantiser indices 0..IMZ_QUANT_MAX_Q */
    int sub420;        /* chroma planes at half resolution */
    int deblock;       /* deblocking filter on */
    int db_offset;     /* -8..7: quantiser offset of the deblocking strength */
    int effort;        /* 1..9 */
    int wiener;        /* fit restoration filters */
    int aq;            /* quantiser offsets per luma superblock */
    int tokens;        /* levels as static-rANS tokens */
    double lambda_mul; /* scales the Lagrange multiplier (rate control fine tuning) */
} LossyParams;

/** Serialises the header parameters (§3). */
void imz_lossy_write_params(const LossyParams *p, ImzBuf *params);
/** Encodes img (8-bit view prepared by the caller) into payload with the given parameters. */
int imz_lossy_encode_image(ImzContext *ctx, const ImzImage *img, const LossyParams *p,
                           ImzBuf *payload);
/** Decodes a payload into out (shape already set); the codec's decode entry point. */
int imz_lossy_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                     const uint8_t *payload, size_t n_payload, ImzImage *out);

/** Samples of any depth to 8 bits and back (§4): round(s * 255 / max) and its inverse. */
static inline int imz_lossy_to8(int s, int depth)
{
    const int mx = (1 << depth) - 1;
    return depth == 8 ? s : (s * 255 + (mx >> 1)) / mx;
}
static inline int imz_lossy_from8(int v, int depth)
{
    const int mx = (1 << depth) - 1;
    return depth == 8 ? v : (v * mx + 127) / 255;
}

/** Lossless alpha plane (§10). */
void imz_lossy_put_alpha(ImzBacEnc *e, LossyCtx *c, const uint8_t *a, int w, int h);
int imz_lossy_get_alpha(ImzBacDec *d, LossyCtx *c, uint8_t *a, int w, int h);

#endif
