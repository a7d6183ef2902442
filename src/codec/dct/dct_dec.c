// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Decoder of the `lossy` codec (docs/format/lossy.md): reads the header parameters, decodes each
// plane superblock by superblock (quadtree, intra modes, coefficients; prediction plus inverse
// DCT), deblocks, upsamples 4:2:0 chroma, converts YCbCr to RGB in integer arithmetic and decodes
// the lossless alpha plane. Every value read from the stream is range-checked; running past the
// end of the payload is reported as truncation.

#include <string.h>

#include "codec/dct/dct_codec.h"
#include "common/intops.h"
#include "quant/quant.h"

typedef struct Dec {
    ImzBacDec bac;
    LossyCtx c;
    LossyScan scan;
    LossyPlane *pl;
    LossyTokDec *td; /* with the token flag */
    int bad;
} Dec;

/* dst = clip8(pred + res) over an n x n block; n is a constant once inlined. */
static inline void add_block(uint8_t *restrict dst, int pw, const uint8_t *restrict pred,
                             const int16_t *restrict res, int n)
{
    for (int j = 0; j < n; j++) {
        uint8_t *d = dst + (size_t)j * pw;
        const uint8_t *p = pred + j * n;
        const int16_t *r = res + j * n;
        for (int i = 0; i < n; i++) {
            const int v = p[i] + r[i];
            d[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
}

static void decode_leaf(Dec *D, int x, int y, int log2n)
{
    LossyPlane *pl = D->pl;
    const int n = 1 << log2n, pw = pl->pw;
    int mpm[3];
    imz_lossy_mpm(pl, x, y, mpm);
    const int mode = imz_lossy_get_mode(&D->bac, &D->c, pl->type, mpm,
                                        pl->luma ? imz_lossy_lm_ctx(pl, x, y) : -1);
    int32_t lev[IMZ_DCT_MAX * IMZ_DCT_MAX];
    int mu, mv, tx;
    const int got =
        imz_lossy_get_coefs(&D->bac, &D->c, &D->scan, D->td, lev, log2n, pl->type, &mu, &mv, &tx);
    if (got < 0) {
        D->bad = 1;
        return;
    }
    uint8_t ref[4 * IMZ_DCT_MAX + 1], pred[IMZ_DCT_MAX * IMZ_DCT_MAX];
    if (mode == LOSSY_MODE_LM) {
        imz_lossy_predict_lm(pl, x, y, log2n, pred);
    } else {
        imz_lossy_ref_build(pl, x, y, log2n, ref);
        imz_lossy_predict(ref, log2n, mode, pred);
    }
    if (mu >= 0) {
        int16_t res[IMZ_DCT_MAX * IMZ_DCT_MAX];
        uint8_t *dst = pl->pix + (size_t)y * pw + x;
        switch (log2n) {
        case 2:
            imz_quant_dequant_rows(lev, 4, mv + 1, pl->q, 2);
            imz_dct_inv(lev, res, log2n, mu, mv, tx);
            add_block(dst, pw, pred, res, 4);
            break;
        case 3:
            imz_quant_dequant_rows(lev, 8, mv + 1, pl->q, 3);
            imz_dct_inv(lev, res, log2n, mu, mv, tx);
            add_block(dst, pw, pred, res, 8);
            break;
        case 4:
            imz_quant_dequant_rows(lev, 16, mv + 1, pl->q, 4);
            imz_dct_inv(lev, res, log2n, mu, mv, tx);
            add_block(dst, pw, pred, res, 16);
            break;
        default:
            imz_quant_dequant_rows(lev, 32, mv + 1, pl->q, 5);
            imz_dct_inv(lev, res, log2n, mu, mv, tx);
            add_block(dst, pw, pred, res, 32);
            break;
        }
    } else {
        for (int j = 0; j < n; j++)
            memcpy(pl->pix + (size_t)(y + j) * pw + x, pred + j * n, (size_t)n);
    }
    const int uw = pw >> 2, un = n >> 2;
    for (int j = 0; j < un; j++)
        for (int i = 0; i < un; i++) {
            const size_t u = (size_t)((y >> 2) + j) * uw + (x >> 2) + i;
            pl->size_map[u] = (uint8_t)log2n;
            pl->mode_map[u] = (uint8_t)mode;
        }
}

static void decode_node(Dec *D, int x, int y, int log2s)
{
    LossyPlane *pl = D->pl;
    if (D->bad || x >= pl->pw || y >= pl->ph)
        return;
    const int s = 1 << log2s, h = s >> 1;
    if (log2s > 2) {
        int split = 1;
        if (!(log2s > 3 && (x + s > pl->pw || y + s > pl->ph)))
            split = imz_bac_get(
                &D->bac, &D->c.split[pl->type][log2s - 3][imz_lossy_split_ctx(pl, x, y, log2s)]);
        if (split) {
            decode_node(D, x, y, log2s - 1);
            decode_node(D, x + h, y, log2s - 1);
            decode_node(D, x, y + h, log2s - 1);
            decode_node(D, x + h, y + h, log2s - 1);
            return;
        }
    }
    decode_leaf(D, x, y, log2s);
}

/* One row of chroma at full resolution from a half-resolution plane: weights 9/3/3/1 of the four
 * nearest samples (chroma sited between the luma samples), edges repeated (§10). The vertical
 * 3:1 blend v comes first, once per chroma sample (3 v[X] + v[X'] is the 9/3/3/1 sum), so that
 * the output loop needs neither clipping nor the second row; v has w/2 + 2 entries of room for
 * the repeated edges. Every value fits in 16 bits (at most 16 * 255), which doubles the width of
 * the vectors. */
static inline void upsample_blend(const uint8_t *restrict r0, const uint8_t *restrict r1, int cw,
                                  int w, int16_t *restrict vv, int16_t *restrict dst)
{
    /* chunks of 16 with constant trip counts, which the compiler vectorises at -O2 */
    int x0 = 0;
    for (; x0 + 16 <= cw; x0 += 16)
        for (int i = 0; i < 16; i++)
            vv[x0 + i] = (int16_t)(3 * r0[x0 + i] + r1[x0 + i]);
    for (; x0 < cw; x0++)
        vv[x0] = (int16_t)(3 * r0[x0] + r1[x0]);
    vv[-1] = vv[0];
    vv[cw] = vv[cw - 1];
    const int half = w >> 1;
    int cx = 0;
    for (; cx + 16 <= half; cx += 16)
        for (int i = 0; i < 16; i++) {
            const int m = 3 * vv[cx + i] + 8;
            dst[2 * (cx + i)] = (int16_t)((m + vv[cx + i - 1]) >> 4);
            dst[2 * (cx + i) + 1] = (int16_t)((m + vv[cx + i + 1]) >> 4);
        }
    for (; cx < half; cx++) {
        const int m = 3 * vv[cx] + 8;
        dst[2 * cx] = (int16_t)((m + vv[cx - 1]) >> 4);
        dst[2 * cx + 1] = (int16_t)((m + vv[cx + 1]) >> 4);
    }
    if (w & 1)
        dst[w - 1] = (int16_t)((3 * vv[half] + 8 + vv[half - 1]) >> 4);
}

IMZ_SIMD_CLONES static void upsample_row(const LossyPlane *c, int y, int w, int16_t *v,
                                         int16_t *dst)
{
    const int cy = y >> 1, ny = iclip(y & 1 ? cy + 1 : cy - 1, 0, c->h - 1);
    /* v + 1: v[0] and v[cw + 1] repeat the edges */
    upsample_blend(c->pix + (size_t)cy * c->pw, c->pix + (size_t)ny * c->pw, c->w, w, v + 1, dst);
}

/* BT.601 inverse in 16-bit fixed point (§10); the bias keeps the shifts on positives. */
static inline void ycc_to_rgb(int yy, int cb, int cr, int *r, int *g, int *b)
{
    const int b_ = cb - 128, r_ = cr - 128;
    const int rv = yy + ((91881 * r_ + (1 << 24) + 32768) >> 16) - 256;
    const int gv = yy + ((-22554 * b_ - 46802 * r_ + (1 << 24) + 32768) >> 16) - 256;
    const int bv = yy + ((116130 * b_ + (1 << 24) + 32768) >> 16) - 256;
    *r = rv < 0 ? 0 : rv > 255 ? 255 : rv;
    *g = gv < 0 ? 0 : gv > 255 ? 255 : gv;
    *b = bv < 0 ? 0 : bv > 255 ? 255 : bv;
}

/* The colour conversion of one row into interleaved samples, ch constant once inlined: per chunk
 * of 16, the arithmetic into small arrays (which vectorises), then the interleaved stores. */
static inline void ycc_row_n(const uint8_t *restrict py, const int16_t *restrict cb,
                             const int16_t *restrict cr, uint16_t *restrict o, int w, int ch)
{
    for (int x0 = 0; x0 < w; x0 += 16) {
        int rr[16], gg[16], bb[16];
        const int m = imin(16, w - x0);
        if (m == 16) {
            for (int i = 0; i < 16; i++)
                ycc_to_rgb(py[x0 + i], cb[x0 + i], cr[x0 + i], &rr[i], &gg[i], &bb[i]);
        } else {
            for (int i = 0; i < m; i++)
                ycc_to_rgb(py[x0 + i], cb[x0 + i], cr[x0 + i], &rr[i], &gg[i], &bb[i]);
        }
        for (int i = 0; i < m; i++, o += ch) {
            o[0] = (uint16_t)rr[i];
            o[1] = (uint16_t)gg[i];
            o[2] = (uint16_t)bb[i];
        }
    }
}

IMZ_SIMD_CLONES static void ycc_row(const uint8_t *py, const int16_t *cb, const int16_t *cr,
                                    uint16_t *o, int w, int ch)
{
    if (ch == 3)
        ycc_row_n(py, cb, cr, o, w, 3);
    else
        ycc_row_n(py, cb, cr, o, w, 4);
}

/* Writes row y of the output image from the final planes (§10). cb, cr, v: w + 2 entries of
 * scratch. */
static void output_row(const LossyPlane *pl, int color, int sub, const uint8_t *alpha, int y,
                       int16_t *cb, int16_t *cr, int16_t *v, ImzImage *out)
{
    const int w = (int)out->width, ch = out->channels, depth = out->bit_depth;
    const int has_alpha = ch == 2 || ch == 4;
    const uint8_t *py = pl[0].pix + (size_t)y * pl[0].pw;
    uint16_t *o = out->data + (size_t)y * w * ch;
    if (color) {
        if (sub) {
            upsample_row(&pl[1], y, w, v, cb);
            upsample_row(&pl[2], y, w, v, cr);
        } else {
            const uint8_t *p1 = pl[1].pix + (size_t)y * pl[1].pw,
                          *p2 = pl[2].pix + (size_t)y * pl[2].pw;
            for (int x = 0; x < w; x++) {
                cb[x] = p1[x];
                cr[x] = p2[x];
            }
        }
        ycc_row(py, cb, cr, o, w, ch);
    } else {
        for (int x = 0; x < w; x++, o += ch)
            o[0] = py[x];
    }
    o = out->data + (size_t)y * w * ch;
    if (has_alpha)
        for (int x = 0; x < w; x++)
            o[(size_t)x * ch + ch - 1] = alpha[(size_t)y * w + x];
    if (depth != 8)
        for (size_t i = 0; i < (size_t)w * ch; i++)
            o[i] = (uint16_t)imz_lossy_from8(o[i], depth);
}

int imz_lossy_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                     const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != LOSSY_N_PARAMS)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossy: %zu parameter bytes, expected %d", n_params,
                        LOSSY_N_PARAMS);
    if (params[0] != LOSSY_VERSION)
        return imz_fail(ctx, IMZ_ERR_UNSUPPORTED, "lossy: format version %u", params[0]);
    const int flags = params[1], q_y = params[2], q_c = params[3];
    const int db_offset = (int)(int8_t)params[4];
    if (flags & ~(LOSSY_FLAG_420 | LOSSY_FLAG_DEBLOCK | LOSSY_FLAG_AQ | LOSSY_FLAG_TOKENS) ||
        q_y > IMZ_QUANT_MAX_Q || q_c > IMZ_QUANT_MAX_Q || db_offset < -8 || db_offset > 7)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossy: invalid parameters");
    const int w = (int)out->width, h = (int)out->height, ch = out->channels;
    const int color = ch >= 3, has_alpha = ch == 2 || ch == 4, n_planes = color ? 3 : 1;
    const int sub = color && (flags & LOSSY_FLAG_420);
    if (out->bit_depth > 16 || w <= 0 || h <= 0)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossy: invalid image shape");
    Dec *D = imz_malloc(ctx, sizeof *D);
    LossyPlane pl[3];
    memset(pl, 0, sizeof pl);
    uint8_t *alpha = NULL, *luma = NULL;
    int st = IMZ_OK;
    if (!D)
        return IMZ_ERR_NOMEM;
    memset(D, 0, sizeof *D);
    imz_lossy_ctx_init(&D->c);
    imz_lossy_scan_init(&D->scan);
    if (flags & LOSSY_FLAG_TOKENS) {
        /* the coder's stream, its length first, then the token section (§4) */
        const size_t n_bac = n_payload < 4 ? 0 : rd_le32(payload);
        D->td = imz_malloc(ctx, sizeof *D->td);
        if (!D->td)
            st = IMZ_ERR_NOMEM;
        else if (n_payload < 4 || n_bac > n_payload - 4)
            st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossy: payload truncated");
        else if ((st = imz_lossy_tokens_open(D->td, payload + 4 + n_bac, n_payload - 4 - n_bac)))
            st = imz_fail(ctx, st, "lossy: %s token section",
                          st == IMZ_ERR_TRUNCATED ? "truncated" : "invalid");
        else
            imz_bac_dec_init(&D->bac, payload + 4, n_bac);
    } else {
        imz_bac_dec_init(&D->bac, payload, n_payload);
    }
    for (int c = 0; c < n_planes && st == IMZ_OK; c++) {
        const int pw = c && sub ? (w + 1) >> 1 : w, ph = c && sub ? (h + 1) >> 1 : h;
        st = imz_lossy_plane_alloc(ctx, &pl[c], pw, ph, c ? 1 : 0, c ? q_c : q_y);
        if (st == IMZ_OK && c == 1) {
            luma = imz_malloc(ctx, (size_t)pl[1].pw * pl[1].ph);
            if (!luma)
                st = IMZ_ERR_NOMEM;
            else
                imz_lossy_luma_for_chroma(&pl[0], sub, luma, pl[1].pw, pl[1].ph);
        }
        if (st < 0)
            break;
        pl[c].luma = c ? luma : NULL;
        D->pl = &pl[c];
        const int aq = c == 0 && (flags & LOSSY_FLAG_AQ), q_plane = pl[c].q;
        if (aq && (st = imz_lossy_plane_aq(ctx, &pl[c])) < 0)
            break;
        int sb = 0, d = 0;
        for (int y = 0; y < pl[c].ph && !D->bad; y += LOSSY_SB)
            for (int x = 0; x < pl[c].pw && !D->bad; x += LOSSY_SB, sb++) {
                if (aq) {
                    d = imz_lossy_get_dq(&D->bac, &D->c, d);
                    pl[c].q = pl[c].sb_q[sb] = (uint8_t)imz_lossy_sb_q(q_plane, d);
                }
                decode_node(D, x, y, LOSSY_SB_LOG2);
                if (D->bac.overrun > 8 ||
                    (D->td && (D->td->r.overrun > 8 || imz_bitr_overrun(&D->td->bits))))
                    D->bad = 2;
            }
        pl[c].q = q_plane;
        if (D->bad) {
            st = D->bad == 2 ? imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossy: payload truncated")
                             : imz_fail(ctx, IMZ_ERR_CORRUPT, "lossy: invalid coefficient data");
            break;
        }
        if (flags & LOSSY_FLAG_DEBLOCK)
            imz_lossy_deblock(&pl[c], db_offset);
        LossyWiener wf;
        wf.block_on = imz_calloc(ctx, (size_t)((pl[c].w + 63) >> 6), (size_t)((pl[c].h + 63) >> 6));
        uint8_t *tmp = imz_malloc(ctx, (size_t)pl[c].pw * pl[c].ph);
        if (!wf.block_on || !tmp) {
            st = IMZ_ERR_NOMEM;
        } else {
            imz_lossy_get_wiener(&D->bac, &D->c, &pl[c], &wf);
            if (wf.enabled && (st = imz_lossy_wiener_apply(ctx, &pl[c], &wf, tmp)) == IMZ_OK) {
                uint8_t *t = pl[c].pix;
                pl[c].pix = tmp;
                tmp = t;
            }
        }
        imz_mem_free(ctx, tmp);
        imz_mem_free(ctx, wf.block_on);
    }
    if (st == IMZ_OK && has_alpha) {
        alpha = imz_malloc_array(ctx, (size_t)w, (size_t)h);
        if (!alpha)
            st = IMZ_ERR_NOMEM;
        else if (imz_lossy_get_alpha(&D->bac, &D->c, alpha, w, h) < 0)
            st = imz_fail(ctx, IMZ_ERR_CORRUPT, "lossy: invalid alpha data");
    }
    if (st == IMZ_OK && D->bac.overrun > 4)
        st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossy: payload truncated");
    if (st == IMZ_OK && D->td && (!imz_rans_dec_done(&D->td->r) || D->td->x1 != IMZ_RANS_L))
        st = imz_fail(ctx, D->td->r.overrun ? IMZ_ERR_TRUNCATED : IMZ_ERR_CORRUPT,
                      "lossy: token stream %s", D->td->r.overrun ? "truncated" : "inconsistent");
    if (st == IMZ_OK) {
        int16_t *rows = imz_malloc_array(ctx, (size_t)w + 2, 3 * sizeof(int16_t));
        if (!rows) {
            st = IMZ_ERR_NOMEM;
        } else {
            for (int y = 0; y < h; y++)
                output_row(pl, color, sub, alpha, y, rows, rows + w + 2, rows + 2 * (w + 2), out);
            imz_mem_free(ctx, rows);
        }
    }
    for (int c = 0; c < 3; c++)
        imz_lossy_plane_free(ctx, &pl[c]);
    imz_mem_free(ctx, alpha);
    imz_mem_free(ctx, luma);
    imz_mem_free(ctx, D->td);
    imz_mem_free(ctx, D);
    return st;
}

/* ---- Lossless alpha (§10): MED prediction, residual modulo 256 ---- */

static int alpha_pred(const uint8_t *a, int w, int x, int y, int *cls)
{
    const int W = x ? a[-1] : (y ? a[-w] : 0), N = y ? a[-w] : W, NW = x && y ? a[-w - 1] : N;
    const int mx = imax(W, N), mn = imin(W, N);
    const int act = iabs(W - NW) + iabs(N - NW);
    *cls = act == 0 ? 0 : act < 4 ? 1 : act < 16 ? 2 : act < 64 ? 3 : 4;
    return NW >= mx ? mn : NW <= mn ? mx : W + N - NW;
}

void imz_lossy_put_alpha(ImzBacEnc *e, LossyCtx *c, const uint8_t *a, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = a + (size_t)y * w + x;
            int cls, r = (*p - alpha_pred(p, w, x, y, &cls)) & 255;
            if (r >= 128)
                r -= 256;
            imz_bac_put(e, &c->alpha_zero[cls], r == 0);
            if (!r)
                continue;
            imz_bac_put(e, &c->alpha_sign[cls], r < 0);
            int m = iabs(r) - 1, k = 0; /* 0..127: unary class of bit length, then raw bits */
            int nb = m ? ulog2((uint32_t)m) + 1 : 0;
            for (k = 0; k < nb; k++)
                imz_bac_put(e, &c->alpha_mag[cls][k], 1);
            if (nb < 8)
                imz_bac_put(e, &c->alpha_mag[cls][nb], 0);
            if (nb > 1)
                imz_bac_enc_raw(e, (uint32_t)m & ((1u << (nb - 1)) - 1), nb - 1);
        }
}

int imz_lossy_get_alpha(ImzBacDec *d, LossyCtx *c, uint8_t *a, int w, int h)
{
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint8_t *p = a + (size_t)y * w + x;
            int cls, pr = alpha_pred(p, w, x, y, &cls), r = 0;
            if (!imz_bac_get(d, &c->alpha_zero[cls])) {
                const int neg = imz_bac_get(d, &c->alpha_sign[cls]);
                int nb = 0;
                while (nb < 8 && imz_bac_get(d, &c->alpha_mag[cls][nb]))
                    nb++;
                if (nb == 8)
                    return -1;
                int m = nb ? (1 << (nb - 1)) | (nb > 1 ? (int)imz_bac_dec_raw(d, nb - 1) : 0) : 0;
                r = neg ? -(m + 1) : m + 1;
            }
            *p = (uint8_t)((pr + r) & 255);
        }
        if (d->overrun > 8)
            return -1;
    }
    return 0;
}
