// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The fast profile of the `lossless` codec (docs/format/lossless.md §12). Speed comes from doing
// little per sample: one median prediction corrected by a per-context bias (as in LOCO-I; here the
// rounded mean of the context's recent errors), a context from the neighbours' error magnitudes,
// and a token under a static rANS table. The encoder makes two passes over each group of rows: the
// first computes tokens and counts them, the second writes the tables and runs rANS backwards over
// the tokens. Encoder and decoder share code_row() and code_sample(), so the model exists once.

#include "codec/lossless/ll_fast.h"

#include <string.h>

#include "bitio/bits.h"
#include "codec/lossless/ll_groups.h"
#include "codec/lossless/ll_rct.h"
#include "common/intops.h"
#include "common/parallel.h"
#include "entropy/bac.h"
#include "entropy/rans.h"
#include "codec/lossless/ll_tokens.h"

#define FAST_PAD 2
#define FAST_NACT 16       /* classes of neighbouring error energy */
#define FAST_NREF 4        /* classes of the reference plane's error at the same pixel */
#define FAST_NTOK LL_NTOK  /* residual tokens (§12.4) */
#define FAST_NBIAS 729     /* bias contexts: three gradients quantised to 9 levels */
#define FAST_RESET 128     /* bias statistics are halved at this count */
#define FAST_GRAD_MAX 1024 /* |gradient| >> shift stays below this (§12.3) */
#define FAST_ACT_MAX 4096  /* error energy >> shift stays below this */
#define FAST_BLOCK 256     /* the decoder checks its input once per this many columns */
#define FAST_RAW_MAX LL_RAW_MAX
#define FAST_TOK_TABLE                                                                             \
    1024 /* zigzagged residuals of samples of 8 bits or fewer stay below this                      \
          */

/* Planes: alpha first (if any), then the colour planes; the second and third colour planes take
 * their context set from the first colour plane's error at the same pixel. With np planes, the
 * reference plane is plane ref_plane(np). */
static inline int ref_plane(int np)
{
    return np == 2 || np == 4;
}
static inline int has_ref(int np, int p)
{
    return np >= 3 && p > ref_plane(np);
}

/* The first token context of plane p: 16 contexts per plane without a reference, 64 with one.
 * Constant wherever np and p are. */
static inline int plane_ctx0(int np, int p)
{
    int plain = np >= 3 ? imin(p, ref_plane(np) + 1) : p;
    return FAST_NACT * plain + FAST_NACT * FAST_NREF * (p - plain);
}

/* Everything the row coder looks up per sample, in one place so that one register reaches it. */
typedef struct FastTables {
    int32_t lo[4], hi[4];     /* every value of plane p lies in [lo[p], hi[p]] */
    int32_t vmin[4], vmax[4]; /* lo - hi and hi - lo: the decoder's clamp */
    uint32_t tok_base[FAST_NTOK];
    uint8_t tok_bits[FAST_NTOK];
    uint8_t tok_of[FAST_TOK_TABLE]; /* the token of a zigzagged residual below FAST_TOK_TABLE */
    uint32_t inv[FAST_RESET + 1];   /* 65536 / n, and 0 for n = 0 */
    /* Classes of gradients and error energies scaled down by `shift`; the plane bounds keep
     * every index inside (§12.3). */
    uint16_t grad_q[3][2 * FAST_GRAD_MAX + 1]; /* level * 81, * 9, * 1; index d + FAST_GRAD_MAX */
    uint8_t act_q[FAST_ACT_MAX];
    uint8_t ref_q[FAST_ACT_MAX];
    /* Per plane and context: the sum and count of the recent median errors, and their rounded
     * mean, kept ready for the next prediction so that it costs one load. */
    struct {
        int32_t sum[FAST_NBIAS], n[FAST_NBIAS], corr[FAST_NBIAS];
    } bias[4];
} FastTables;

typedef struct FastCoder {
    int width, n_planes, n_ctx, channels, rct;
    int bits, shift; /* samples are below 2^bits; classes look at magnitudes >> shift */
    FastTables t;
    /* [0] the current row, [1] the row above. A pixel takes 2 * np entries: the planes' values,
     * then their error magnitudes; FAST_PAD pixels each side. One pointer then reaches every
     * neighbour of every plane at a fixed offset. */
    int32_t *row[2];
    int32_t *mem;
    /* encoder: the tokens and contexts in coding order (pixel by pixel, plane by plane), their
     * counts, the raw bits */
    uint16_t *sym;    /* context * FAST_NTOK + token */
    size_t n;         /* pixels coded so far */
    uint32_t *counts; /* indexed like sym */
    /* raw bits, written into room reserved row by row */
    LlRawWriter raw;
    /* decoder: one rANS stream per plane, so the planes' dependency chains overlap */
    ImzRansDec rd[4];
    ImzBitReader rr;
    const ImzRansTable *tab;
} FastCoder;

/* ---- The model (§12.3), shared by both directions -------------------------------------------- */

static void plane_layout(FastCoder *c)
{
    int ch = c->channels;
    int32_t maxv = (int32_t)((1u << c->bits) - 1);
    c->n_planes = ch;
    for (int p = 0; p < ch; p++) {
        c->t.lo[p] = has_ref(ch, p) && c->rct != LL_RCT_NONE ? -maxv : 0;
        c->t.hi[p] = maxv;
        c->t.vmin[p] = c->t.lo[p] - c->t.hi[p];
        c->t.vmax[p] = c->t.hi[p] - c->t.lo[p];
    }
    c->n_ctx = plane_ctx0(ch, ch);
    for (int d = -FAST_GRAD_MAX; d <= FAST_GRAD_MAX; d++) {
        int a = d < 0 ? -d : d, q = (a > 0) + (a >= 2) + (a >= 5) + (a >= 14);
        int level = d < 0 ? 4 - q : 4 + q;
        c->t.grad_q[0][d + FAST_GRAD_MAX] = (uint16_t)(level * 81);
        c->t.grad_q[1][d + FAST_GRAD_MAX] = (uint16_t)(level * 9);
        c->t.grad_q[2][d + FAST_GRAD_MAX] = (uint16_t)level;
    }
    for (int a = 0; a < FAST_ACT_MAX; a++) {
        /* two classes per octave */
        int k = a < 4 ? a : 2 * ulog2((uint32_t)a) + ((a >> (ulog2((uint32_t)a) - 1)) & 1);
        c->t.act_q[a] = (uint8_t)(k < FAST_NACT ? k : FAST_NACT - 1);
        c->t.ref_q[a] = (uint8_t)((a > 0) + (a >= 3) + (a >= 8));
    }
    c->t.inv[0] = 0;
    for (int n = 1; n <= FAST_RESET; n++)
        c->t.inv[n] = (65536u + (uint32_t)n / 2) / (uint32_t)n;
    memcpy(c->t.tok_base, ll_tok_base, sizeof ll_tok_base);
    memcpy(c->t.tok_bits, ll_tok_bits, sizeof ll_tok_bits);
    for (uint32_t u = 0; u < FAST_TOK_TABLE; u++)
        c->t.tok_of[u] = (uint8_t)ll_token(u);
}

/* The row coder works on local copies of the coder states and pointers, made before the row and
 * written back after it: stores into the sample arrays could otherwise alias the coder's fields
 * and force reloads. The tables are reached through one pointer. */
typedef struct RowState {
    FastTables *t;
    int shift;
    uint16_t *sym;           /* encoder: this row's first token */
    uint32_t *counts;        /* encoder: token counts, indexed like FastCoder.sym */
    LlRawWriter raw;         /* encoder */
    const ImzRansTable *tab; /* decoder */
    ImzBitReader rr;         /* decoder */
} RowState;

/* Codes plane P (of NP) of the pixel at column x, whose entries start at cp; up is the pixel
 * above, which exists unless first_row. v is the sample (encoder), or the decoded sample is
 * stored (decoder). `safe`: the decoder's inputs hold enough bytes for this block (decode_row). */
static IMZ_ALWAYS_INLINE void code_sample(RowState *s, ImzRansDec *rd, int32_t *cp,
                                          const int32_t *up, size_t x, const int NP, const int P,
                                          const int first_row, const int narrow, const int dec,
                                          const int safe)
{
    const int S = 2 * NP, E = NP + P; /* a pixel's entries; the offset of this plane's error */
    const int shift = narrow ? 0 : s->shift;
    FastTables *T = s->t;
    const int32_t lo = T->lo[P], hi = T->hi[P];
    uint32_t q = 0;
    int32_t pred, med = 0;
    uint32_t act;
    if (first_row) {
        /* The first row of a group: the left neighbour alone. */
        pred = x ? cp[P - S] : lo > 0 ? lo : hi < 0 ? hi : 0;
        pred = pred < lo ? lo : pred > hi ? hi : pred;
        act = (uint32_t)(x ? 2 * cp[E - S] : 0);
    } else {
        const int32_t N = up[P], W = cp[P - S], NW = up[P - S], NE = up[P + S];
        const int32_t mx = imax(N, W), mn = imin(N, W), g = N + W - NW;
        pred = imax(mn, imin(mx, g));
        /* unsigned indices spare the sign extensions */
        q = (uint32_t)T->grad_q[0][(uint32_t)(FAST_GRAD_MAX + ((NE - N) >> shift))] +
            T->grad_q[1][(uint32_t)(FAST_GRAD_MAX + ((N - NW) >> shift))] +
            T->grad_q[2][(uint32_t)(FAST_GRAD_MAX + ((NW - W) >> shift))];
        med = pred;
        pred += T->bias[P].corr[q];
        pred = pred < lo ? lo : pred > hi ? hi : pred;
        act = (uint32_t)(cp[E - S] + up[E] +
                         ((up[E - S] + up[E + S] + cp[E - 2 * S] + up[E + 2 * S]) >> 1));
    }
    uint32_t ctx = T->act_q[act >> shift];
    if (has_ref(NP, P))
        ctx += FAST_NACT * T->ref_q[(uint32_t)cp[NP + ref_plane(NP)] >> shift];
    int32_t v;
    if (!dec) {
        v = cp[P];
        const int32_t res = v - pred;
        const uint32_t u = ll_zigzag(res);
        /* narrow: |v - pred| <= 510, so u < FAST_TOK_TABLE */
        const uint32_t t = narrow ? T->tok_of[u] : ll_token(u);
        ll_raw_put(&s->raw, u - T->tok_base[t], T->tok_bits[t]);
        const uint32_t sym = ((uint32_t)plane_ctx0(NP, P) + ctx) * FAST_NTOK + t;
        s->sym[x * (size_t)NP + (size_t)P] = (uint16_t)sym;
        s->counts[sym]++;
    } else {
        const ImzRansTable *tab = &s->tab[plane_ctx0(NP, P) + ctx];
        const uint32_t t =
            safe ? imz_rans_dec_get_unchecked(rd, tab) : (uint32_t)imz_rans_dec_get(rd, tab);
        const uint32_t raw = safe ? ll_raw_get_unchecked(&s->rr, T->tok_bits[t])
                                  : imz_bitr_get0(&s->rr, T->tok_bits[t]);
        const uint32_t u = T->tok_base[t] | raw;
        v = pred + ll_unzigzag(u);
        /* A corrupt stream may decode anything: keep values where the arithmetic cannot
         * overflow (§12.3); the caller's row check then rejects them. */
        v = v < T->vmin[P] ? T->vmin[P] : v > T->vmax[P] ? T->vmax[P] : v;
        cp[P] = v;
    }
    cp[E] = iabs(v - pred);
    if (first_row)
        return;
    /* Bias cancellation: the context's recent median errors, halved now and then so that the
     * mean follows drift; a division-free mean (inv) keeps the correction cheap. */
    int32_t sum = T->bias[P].sum[q] + (v - med), n = T->bias[P].n[q] + 1;
    if (n == FAST_RESET) {
        sum /= 2;
        n >>= 1;
    }
    T->bias[P].sum[q] = sum;
    T->bias[P].n[q] = n;
    /* |sum| * inv[n] stays below 2^31 for samples of 8 bits or fewer, even when corrupt */
    T->bias[P].corr[q] = narrow ? (sum * (int32_t)T->inv[n] + 32768) >> 16
                                : (int32_t)(((int64_t)sum * T->inv[n] + 32768) >> 16);
}

/* Codes columns [x0, x1) of the current row of every plane, pixel by pixel (planes
 * interleaved); the row's padding is set up when x0 = 0. Every argument but the columns is a
 * constant in each copy (encode_row, decode_row); `narrow`: the samples have 8 bits or fewer. */
static IMZ_ALWAYS_INLINE void code_row(FastCoder *c, const int first_row, size_t x0, size_t x1,
                                       const int narrow, const int dec, const int safe)
{
    const int np = c->n_planes, S = 2 * np;
    const size_t w = (size_t)c->width;
    RowState s;
    ImzRansDec rd[4];
    s.t = &c->t;
    s.shift = c->shift;
    if (dec) {
        for (int p = 0; p < np; p++)
            rd[p] = c->rd[p];
        s.rr = c->rr;
        s.tab = c->tab;
    } else {
        s.sym = c->sym + c->n * (size_t)np;
        s.counts = c->counts;
        s.raw = c->raw;
    }
    int32_t *cur = c->row[0] + FAST_PAD * S, *up = c->row[1] + FAST_PAD * S;
    if (x0 == 0) {
        const size_t last = (w - 1) * (size_t)S;
        for (int p = 0; p < np; p++) {
            const int E = np + p;
            cur[p - S] = up[p];
            up[p - S] = up[p];
            up[last + (size_t)(p + S)] = up[last + (size_t)p];
            cur[E - 2 * S] = cur[E - S] = up[E];
            up[E - S] = up[E];
            up[last + (size_t)(E + S)] = up[last + (size_t)(E + 2 * S)] = up[last + (size_t)E];
        }
    }
    int32_t *cp = cur + x0 * (size_t)S;
    const int32_t *u = up + x0 * (size_t)S;
    /* The planes of a pixel are written out one by one, so that each copy of code_sample knows
     * its plane at compile time; the planes' dependency chains then overlap. */
#define FAST_SAMPLE(NP, P) code_sample(&s, &rd[P], cp, u, x, NP, P, first_row, narrow, dec, safe)
    switch (np) {
    case 1:
        for (size_t x = x0; x < x1; x++, cp += 2, u += 2)
            FAST_SAMPLE(1, 0);
        break;
    case 2:
        for (size_t x = x0; x < x1; x++, cp += 4, u += 4) {
            FAST_SAMPLE(2, 0);
            FAST_SAMPLE(2, 1);
        }
        break;
    case 3:
        for (size_t x = x0; x < x1; x++, cp += 6, u += 6) {
            FAST_SAMPLE(3, 0);
            FAST_SAMPLE(3, 1);
            FAST_SAMPLE(3, 2);
        }
        break;
    default:
        for (size_t x = x0; x < x1; x++, cp += 8, u += 8) {
            FAST_SAMPLE(4, 0);
            FAST_SAMPLE(4, 1);
            FAST_SAMPLE(4, 2);
            FAST_SAMPLE(4, 3);
        }
        break;
    }
#undef FAST_SAMPLE
    if (dec) {
        for (int p = 0; p < np; p++)
            c->rd[p] = rd[p];
        c->rr = s.rr;
    } else {
        c->raw = s.raw;
        c->n += x1 - x0;
    }
}

/* Specialised copies of the row coder. Most rows of most images are narrow (samples of 8 bits or
 * fewer: no shift, a token table, a 32-bit mean) and, in the decoder, need no end-of-input
 * checks: the decoder works through the row in blocks of FAST_BLOCK columns, and when the inputs
 * hold more than a block can consume, the block runs without them. It stops once its streams
 * have run dry: a header may announce rows of millions of samples over a payload of a few
 * bytes. */
static void encode_row(FastCoder *c, int first)
{
    if (first)
        code_row(c, 1, 0, (size_t)c->width, 0, 0, 0);
    else if (c->shift == 0)
        code_row(c, 0, 0, (size_t)c->width, 1, 0, 0);
    else
        code_row(c, 0, 0, (size_t)c->width, 0, 0, 0);
}

static int decode_row(FastCoder *c, int first)
{
    const size_t w = (size_t)c->width, np = (size_t)c->n_planes;
    for (size_t x0 = 0; x0 < w; x0 += FAST_BLOCK) {
        size_t x1 = w - x0 > FAST_BLOCK ? x0 + FAST_BLOCK : w;
        /* a token takes at most 2 bytes of its rANS stream, a sample at most FAST_RAW_MAX raw
         * bits, and the raw refill reads 8 bytes */
        int safe = (size_t)(c->rr.end - c->rr.p) >= (x1 - x0) * np * FAST_RAW_MAX / 8 + 16;
        for (size_t p = 0; p < np; p++)
            safe &= (size_t)(c->rd[p].end - c->rd[p].p) >= 2 * (x1 - x0);
        if (first)
            code_row(c, 1, x0, x1, 0, 1, 0);
        else if (!safe)
            code_row(c, 0, x0, x1, 0, 1, 0);
        else if (c->shift == 0)
            code_row(c, 0, x0, x1, 1, 1, 1);
        else
            code_row(c, 0, x0, x1, 0, 1, 1);
        size_t over = c->rr.pad;
        for (size_t p = 0; p < np; p++)
            over += c->rd[p].overrun;
        if (over > 8)
            return IMZ_ERR_TRUNCATED;
    }
    return IMZ_OK;
}

static void next_row(FastCoder *c)
{
    int32_t *t = c->row[0];
    c->row[0] = c->row[1];
    c->row[1] = t;
}

static int coder_init(ImzContext *ctx, FastCoder *c, const ImzImage *img, int rct, int bits)
{
    memset(c, 0, sizeof *c);
    c->width = (int)img->width;
    c->channels = img->channels;
    c->rct = rct;
    c->bits = bits;
    c->shift = bits > 8 ? bits - 8 : 0;
    plane_layout(c);
    size_t row = 0;
    if (!imz_mul_size((size_t)c->width + 2 * FAST_PAD, 2 * (size_t)c->n_planes, &row))
        return IMZ_ERR_LIMIT;
    c->mem = imz_calloc(ctx, row, 2 * sizeof(int32_t));
    if (!c->mem)
        return IMZ_ERR_NOMEM;
    c->row[0] = c->mem;
    c->row[1] = c->mem + row;
    return IMZ_OK;
}

/* ---- Pixels to planes and back (§12.2) ------------------------------------------------------- */

/* The colour transform is a constant in each copy of these loops (map_row, unmap_row). */
static IMZ_ALWAYS_INLINE void map_pixels(int32_t *d, const uint16_t *s, size_t w, const int ch,
                                         const int rct)
{
    const int alpha = ch == 2 || ch == 4, col = alpha ? 1 : 0, S = 2 * ch;
    for (size_t x = 0; x < w; x++, s += ch, d += S) {
        if (alpha)
            d[0] = s[ch - 1];
        if (ch >= 3) {
            int32_t o[3];
            imz_ll_rct_fwd(rct, s[0], s[1], s[2], o);
            d[col] = o[0];
            d[col + 1] = o[1];
            d[col + 2] = o[2];
        } else {
            d[col] = s[0];
        }
    }
}

static void map_row(FastCoder *c, const ImzImage *img, uint32_t y)
{
    const int ch = c->channels;
    const size_t w = (size_t)c->width;
    const uint16_t *s = img->data + (size_t)y * w * (size_t)ch;
    int32_t *d = c->row[0] + FAST_PAD * 2 * ch;
#define FAST_MAP(RCT)                                                                              \
    case RCT:                                                                                      \
        if (ch == 3)                                                                               \
            map_pixels(d, s, w, 3, RCT);                                                           \
        else                                                                                       \
            map_pixels(d, s, w, 4, RCT);                                                           \
        break
    if (ch < 3) {
        map_pixels(d, s, w, ch, LL_RCT_NONE);
    } else {
        switch (c->rct) {
            FAST_MAP(LL_RCT_SUBG);
            FAST_MAP(LL_RCT_YCOCG);
            FAST_MAP(LL_RCT_SUBG2);
            FAST_MAP(LL_RCT_SUBGA);
            FAST_MAP(LL_RCT_SUBGB);
            FAST_MAP(LL_RCT_NONE);
        }
    }
#undef FAST_MAP
}

/* Returns nonzero if a sample is outside [0, maxv]. */
static IMZ_ALWAYS_INLINE uint32_t unmap_pixels(uint16_t *d, const int32_t *pv, size_t w,
                                               uint32_t maxv, const int ch, const int rct)
{
    const int alpha = ch == 2 || ch == 4, col = alpha ? 1 : 0, S = 2 * ch;
    uint32_t bad = 0;
    for (size_t x = 0; x < w; x++, d += ch, pv += S) {
        int32_t m[4];
        if (ch >= 3) {
            imz_ll_rct_inv(rct, pv + col, &m[0], &m[1], &m[2]);
        } else {
            m[0] = pv[col];
        }
        if (alpha)
            m[ch - 1] = pv[0];
        for (int k = 0; k < ch; k++) {
            bad |= (uint32_t)m[k] > maxv;
            d[k] = (uint16_t)m[k];
        }
    }
    return bad;
}

static int unmap_row(const FastCoder *c, ImzImage *img, uint32_t y)
{
    const int ch = c->channels;
    const size_t w = (size_t)c->width;
    const uint32_t maxv = (1u << c->bits) - 1;
    uint16_t *d = img->data + (size_t)y * w * (size_t)ch;
    const int32_t *pv = c->row[0] + FAST_PAD * 2 * ch;
    uint32_t bad = 0;
#define FAST_UNMAP(RCT)                                                                            \
    case RCT:                                                                                      \
        if (ch == 3)                                                                               \
            bad = unmap_pixels(d, pv, w, maxv, 3, RCT);                                            \
        else                                                                                       \
            bad = unmap_pixels(d, pv, w, maxv, 4, RCT);                                            \
        break
    if (ch < 3) {
        bad = unmap_pixels(d, pv, w, maxv, ch, LL_RCT_NONE);
    } else {
        switch (c->rct) {
            FAST_UNMAP(LL_RCT_SUBG);
            FAST_UNMAP(LL_RCT_YCOCG);
            FAST_UNMAP(LL_RCT_SUBG2);
            FAST_UNMAP(LL_RCT_SUBGA);
            FAST_UNMAP(LL_RCT_SUBGB);
            FAST_UNMAP(LL_RCT_NONE);
        }
    }
#undef FAST_UNMAP
    return bad ? IMZ_ERR_CORRUPT : IMZ_OK;
}

/* ---- Encoder ------------------------------------------------------------------------------- */

typedef struct FastJob {
    ImzContext *ctx;
    const ImzImage *img; /* encoder input */
    ImzImage *out;       /* decoder output */
    int rct, bits;
    LlGroup g;  /* the rows; the decoder's input bytes */
    ImzBuf buf; /* encoder: the group's bytes */
    int status;
} FastJob;

static void put_tables(FastCoder *c, ImzBuf *out, ImzRansSym (*sym)[FAST_NTOK])
{
    ImzBacEnc e;
    imz_bac_enc_init(&e, out);
    imz_ll_put_tables(&e, c->counts, c->n_ctx, sym);
    imz_bac_enc_finish(&e);
}

static void encode_group(void *arg)
{
    FastJob *j = arg;
    ImzContext *ctx = j->ctx;
    FastCoder c;
    int st = coder_init(ctx, &c, j->img, j->rct, j->bits);
    const int np = c.n_planes;
    size_t n = 0, rans_cap = 0;
    uint8_t *rans = NULL;
    ImzRansSym(*sym)[FAST_NTOK] = NULL;
    ImzRansEncSym *esym = NULL; /* indexed by context * FAST_NTOK + token, like c.sym */
    ImzBuf tables, raw;
    imz_buf_init(&tables, ctx);
    imz_buf_init(&raw, ctx);
    if (!st && (!imz_mul_size((size_t)(j->g.y1 - j->g.y0), (size_t)c.width, &n) ||
                !imz_mul_size(n, 2 * (size_t)np, &rans_cap) ||
                !imz_add_size(rans_cap, 8 * (size_t)np, &rans_cap)))
        st = IMZ_ERR_LIMIT;
    if (!st) {
        c.sym = imz_malloc_array(ctx, n ? n : 1, sizeof(uint16_t) * (size_t)np);
        c.counts = imz_calloc(ctx, (size_t)c.n_ctx * FAST_NTOK, sizeof *c.counts);
        sym = imz_malloc_array(ctx, (size_t)c.n_ctx, sizeof *sym);
        esym = imz_malloc_array(ctx, (size_t)c.n_ctx * FAST_NTOK, sizeof *esym);
        rans = imz_malloc(ctx, rans_cap);
        if (!c.sym || !c.counts || !sym || !esym || !rans)
            st = IMZ_ERR_NOMEM;
    }
    if (!st) {
        /* a row's raw bits: at most 18 per sample, plus the 8-byte store of ll_raw_put */
        size_t row_room = (size_t)c.width * (size_t)np * 18 / 8 + 16;
        for (uint32_t y = j->g.y0; y < j->g.y1; y++) {
            uint8_t *room = imz_buf_reserve(&raw, row_room);
            if (!room)
                break;
            c.raw.p = room;
            next_row(&c);
            map_row(&c, j->img, y);
            encode_row(&c, y == j->g.y0);
            raw.len += (size_t)(c.raw.p - room);
        }
        ll_raw_finish(&c.raw, &raw);
        put_tables(&c, &tables, sym);
        for (int k = 0; k < c.n_ctx; k++)
            for (int t = 0; t < FAST_NTOK; t++)
                imz_rans_enc_sym_init(&esym[k * FAST_NTOK + t], sym[k][t]);
        /* Each plane's stream is written backwards into its own part of `rans`. */
        ImzRansEnc re[4];
        size_t part = rans_cap / (size_t)np;
        for (int p = 0; p < np; p++)
            imz_rans_enc_init(&re[p], rans + part * (size_t)p, rans + part * (size_t)(p + 1));
        /* the planes written out, as in code_row, so that their chains overlap */
        if (np == 3) {
            for (size_t i = n; i-- > 0;) {
                const uint16_t *t = c.sym + 3 * i;
                imz_rans_enc_put(&re[0], &esym[t[0]]);
                imz_rans_enc_put(&re[1], &esym[t[1]]);
                imz_rans_enc_put(&re[2], &esym[t[2]]);
            }
        } else {
            for (size_t i = n; i-- > 0;)
                for (int p = 0; p < np; p++)
                    imz_rans_enc_put(&re[p], &esym[c.sym[i * (size_t)np + (size_t)p]]);
        }
        for (int p = 0; p < np; p++)
            imz_rans_enc_flush(&re[p]);
        imz_ll_put_token_head(&j->buf, &tables, &raw);
        for (int p = 0; p + 1 < np; p++)
            imz_buf_put_varint(&j->buf, (uint64_t)(rans + part * (size_t)(p + 1) - re[p].pos));
        for (int p = 0; p < np; p++)
            imz_buf_append(&j->buf, re[p].pos, (size_t)(rans + part * (size_t)(p + 1) - re[p].pos));
        st = tables.status ? tables.status : raw.status ? raw.status : j->buf.status;
    }
    imz_buf_free(&tables);
    imz_buf_free(&raw);
    imz_mem_free(ctx, rans);
    imz_mem_free(ctx, esym);
    imz_mem_free(ctx, sym);
    imz_mem_free(ctx, c.counts);
    imz_mem_free(ctx, c.sym);
    imz_mem_free(ctx, c.mem);
    j->status = st;
}

/* Estimated bits of median-predictor residuals of the colour planes after transform rct, on
 * about 8 rows spread over the image. */
static uint64_t rct_cost(const ImzImage *img, int rct)
{
    const int ch = img->channels;
    const size_t w = img->width;
    uint64_t cost = 0;
    uint32_t step = img->height > 9 ? (img->height - 1) / 8 : 1;
    for (uint32_t y = 1; y < img->height; y += step) {
        const uint16_t *cur = img->data + (size_t)y * w * ch, *up = cur - w * ch;
        int32_t pw[3], pn[3], pnw[3], pv[3];
        imz_ll_rct_fwd(rct, up[0], up[1], up[2], pnw);
        imz_ll_rct_fwd(rct, cur[0], cur[1], cur[2], pw);
        for (size_t x = 1; x < w; x++) {
            const uint16_t *s = cur + x * ch, *u = up + x * ch;
            imz_ll_rct_fwd(rct, u[0], u[1], u[2], pn);
            imz_ll_rct_fwd(rct, s[0], s[1], s[2], pv);
            for (int k = 0; k < 3; k++) {
                int32_t mx = imax(pn[k], pw[k]), mn = imin(pn[k], pw[k]),
                        g = pn[k] + pw[k] - pnw[k];
                uint32_t a = (uint32_t)iabs(pv[k] - (g > mx ? mx : g < mn ? mn : g));
                cost += a ? (uint64_t)ulog2(a) * 2 + 2 : 1;
                pnw[k] = pn[k];
                pw[k] = pv[k];
            }
        }
    }
    return cost;
}

int imz_ll_fast_encode(ImzContext *ctx, const ImzImage *img, ImzBuf *payload)
{
    int rct = LL_RCT_NONE;
    if (img->channels >= 3) {
        uint64_t best = UINT64_MAX;
        for (int r = 0; r < LL_N_RCT; r++) {
            uint64_t cost = rct_cost(img, r);
            if (cost < best) {
                best = cost;
                rct = r;
            }
        }
    }
    /* Thresholds and classes scale with the bits the samples actually use. */
    size_t n_samples = (size_t)img->width * img->height * (size_t)img->channels;
    uint32_t maxs = 0;
    for (size_t i = 0; i < n_samples; i++)
        maxs |= img->data[i];
    int bits = maxs ? ulog2(maxs) + 1 : 1;

    LlGroup groups[LL_MAX_GROUPS];
    int n_groups = imz_ll_plan_groups(img->height, imz_thread_count(ctx), NULL, groups);
    FastJob *jobs = imz_calloc(ctx, (size_t)n_groups, sizeof(FastJob));
    if (!jobs)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "lossless: out of memory");
    for (int g = 0; g < n_groups; g++) {
        FastJob *j = &jobs[g];
        j->ctx = ctx;
        j->img = img;
        j->rct = rct;
        j->bits = bits;
        j->g = groups[g];
        imz_buf_init(&j->buf, ctx);
    }
    imz_parallel_run(ctx, jobs, sizeof *jobs, n_groups, encode_group);

    int st = IMZ_OK;
    for (int g = 0; g < n_groups && !st; g++)
        st = jobs[g].status;
    if (!st) {
        imz_buf_put_u8(payload, (unsigned)rct);
        imz_buf_put_u8(payload, (unsigned)bits);
        for (int g = 0; g < n_groups; g++)
            groups[g].len = jobs[g].buf.len;
        imz_ll_put_groups(payload, groups, n_groups);
        for (int g = 0; g < n_groups; g++)
            imz_buf_append(payload, jobs[g].buf.data, jobs[g].buf.len);
        st = payload->status;
    }
    for (int g = 0; g < n_groups; g++)
        imz_buf_free(&jobs[g].buf);
    imz_mem_free(ctx, jobs);
    if (st == IMZ_ERR_NOMEM)
        return imz_fail(ctx, st, "lossless: out of memory");
    return st ? imz_fail(ctx, st, "lossless: image too large for the fast profile") : IMZ_OK;
}

/* ---- Decoder ------------------------------------------------------------------------------- */

static int get_tables(FastCoder *c, const uint8_t *p, size_t len, ImzRansTable *tab)
{
    ImzBacDec d;
    imz_bac_dec_init(&d, p, len);
    return imz_ll_get_tables(&d, c->n_ctx, tab);
}

static void decode_group(void *arg)
{
    FastJob *j = arg;
    ImzContext *ctx = j->ctx;
    FastCoder c;
    ImzRansTable *tab = NULL;
    int st = coder_init(ctx, &c, j->out, j->rct, j->bits);
    if (!st) {
        tab = imz_malloc_array(ctx, (size_t)c.n_ctx, sizeof *tab);
        if (!tab)
            st = IMZ_ERR_NOMEM;
    }
    ImzReader r;
    imz_reader_init(&r, j->g.data, j->g.len);
    LlTokenHead head;
    if (!st)
        st = imz_ll_get_token_head(&r, &head);
    if (!st)
        st = get_tables(&c, head.tables, head.tables_len, tab);
    size_t slen[4] = {0};
    for (int p = 0; p + 1 < c.n_planes && !st; p++) {
        uint64_t v = imz_read_varint(&r);
        if (r.overflow || v > imz_reader_left(&r))
            st = IMZ_ERR_TRUNCATED;
        slen[p] = (size_t)v;
    }
    if (!st) {
        c.tab = tab;
        imz_bitr_init(&c.rr, head.raw, head.raw_len);
        const uint8_t *sp = r.p;
        size_t left = imz_reader_left(&r);
        for (int p = 0; p < c.n_planes; p++) {
            size_t len = p + 1 < c.n_planes ? slen[p] : left;
            len = len < left ? len : left;
            imz_rans_dec_init(&c.rd[p], sp, len);
            sp += len;
            left -= len;
        }
        for (uint32_t y = j->g.y0; y < j->g.y1 && !st; y++) {
            next_row(&c);
            st = decode_row(&c, y == j->g.y0);
            if (!st)
                st = unmap_row(&c, j->out, y);
        }
        int done = !imz_bitr_overrun(&c.rr);
        for (int p = 0; p < c.n_planes; p++)
            done &= imz_rans_dec_done(&c.rd[p]);
        if (!st && !done)
            st = IMZ_ERR_CORRUPT;
    }
    imz_mem_free(ctx, tab);
    imz_mem_free(ctx, c.mem);
    j->status = st;
}

int imz_ll_fast_decode(ImzContext *ctx, ImzReader *r, ImzImage *out)
{
    unsigned rct = imz_read_u8(r), bits = imz_read_u8(r);
    if (r->overflow)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: stream header truncated");
    if (rct >= LL_N_RCT || (out->channels < 3 && rct) || bits < 1 || (int)bits > out->bit_depth)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: bad fast-profile header");
    LlGroup groups[LL_MAX_GROUPS];
    int ng = 0;
    int st = imz_ll_get_groups(ctx, r, out->height, groups, &ng);
    if (st)
        return st;
    FastJob *jobs = imz_calloc(ctx, (size_t)ng, sizeof(FastJob));
    if (!jobs)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "lossless: out of memory");
    for (int g = 0; g < ng; g++) {
        jobs[g].ctx = ctx;
        jobs[g].out = out;
        jobs[g].rct = (int)rct;
        jobs[g].bits = (int)bits;
        jobs[g].g = groups[g];
    }
    imz_parallel_run(ctx, jobs, sizeof *jobs, ng, decode_group);
    for (int g = 0; g < ng && !st; g++)
        st = jobs[g].status;
    if (st == IMZ_ERR_CORRUPT)
        st = imz_fail(ctx, st, "lossless: corrupt residual data");
    else if (st == IMZ_ERR_TRUNCATED)
        st = imz_fail(ctx, st, "lossless: residual data truncated");
    else if (st)
        st = imz_fail(ctx, st, "lossless: decoding failed");
    imz_mem_free(ctx, jobs);
    return st;
}
