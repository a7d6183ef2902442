// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Integer DCTs of the `lossy` codec (docs/format/lossy.md §6). Every n-point matrix is taken from
// one table of 33 magnitudes (the 32-point basis), so the four sizes share their rows exactly as
// in HEVC. The inverse skips the all-zero high-frequency rows and columns, which is most of the
// work for the sparse blocks of a lossy image.

#include "transform/dct.h"

#include <stddef.h>

#include "common/intops.h"

/* The kernels are written for a size n that the callers pass as a constant; they must be inlined
 * for the constant to reach the loops, which then vectorise. */
#if defined(__GNUC__)
#define FORCE_INLINE static inline __attribute__((always_inline))
#else
#define FORCE_INLINE static inline
#endif

/* round(64 * sqrt(2) * cos(j * pi / 64)) as adjusted in HEVC; entry 0 is the DC row's 64. */
static const int8_t cos_tab[33] = {64, 90, 90, 90, 89, 88, 87, 85, 83, 82, 80,
                                   78, 75, 73, 70, 67, 64, 61, 57, 54, 50, 46,
                                   43, 38, 36, 31, 25, 22, 18, 13, 9,  4,  0};

int imz_dct_coef(int log2n, int k, int i)
{
    if (k == 0)
        return 64;
    int a = ((2 * i + 1) * k << (5 - log2n)) & 127; /* angle in units of pi / 64 */
    if (a <= 32)
        return cos_tab[a];
    if (a <= 64)
        return -cos_tab[64 - a];
    if (a <= 96)
        return -cos_tab[a - 64];
    return cos_tab[128 - a];
}

/* Matrices built once per call would cost more than the transform; these are small and const. */
typedef struct DctMat {
    int8_t m[IMZ_DCT_MAX][IMZ_DCT_MAX];
} DctMat;

static const DctMat *matrix(int log2n, int dst);
static const DctMat dct_matrices[4];

static int16_t clip16(int32_t v)
{
    return (int16_t)(v < -32768 ? -32768 : v > 32767 ? 32767 : v);
}

/* One pass of the forward transform: out[x * n + k] = (sum_y m[k][y] * in[y][x] + round) >> sh,
 * i.e. a 1-D transform of every column, written transposed. Inlined with a constant n so that
 * the compiler can vectorise the inner loop. */
FORCE_INLINE void fwd_pass(const DctMat *mt, const int32_t *in, int32_t *out, int n, int sh)
{
    for (int k = 0; k < n; k++) {
        int32_t acc[IMZ_DCT_MAX] = {0};
        for (int y = 0; y < n; y++) {
            const int32_t c = mt->m[k][y];
            const int32_t *row = in + y * n;
            for (int x = 0; x < n; x++)
                acc[x] += c * row[x];
        }
        for (int x = 0; x < n; x++)
            out[x * n + k] = (acc[x] + (1 << sh >> 1)) >> sh;
    }
}

/* The same for the DCT, whose row k is symmetric (k even) or antisymmetric (k odd) about the
 * middle: folding the input first halves the multiplications and gives the same exact sums. */
FORCE_INLINE void fwd_pass_dct(const DctMat *mt, const int32_t *in, int32_t *out, int n, int sh)
{
    const int h = n >> 1;
    int32_t sum[IMZ_DCT_MAX / 2 * IMZ_DCT_MAX], dif[IMZ_DCT_MAX / 2 * IMZ_DCT_MAX];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < n; x++) {
            const int32_t a = in[y * n + x], b = in[(n - 1 - y) * n + x];
            sum[y * n + x] = a + b;
            dif[y * n + x] = a - b;
        }
    for (int k = 0; k < n; k++) {
        int32_t acc[IMZ_DCT_MAX] = {0};
        const int32_t *src = k & 1 ? dif : sum;
        for (int y = 0; y < h; y++) {
            const int32_t c = mt->m[k][y];
            const int32_t *row = src + y * n;
            for (int x = 0; x < n; x++)
                acc[x] += c * row[x];
        }
        for (int x = 0; x < n; x++)
            out[x * n + k] = (acc[x] + (1 << sh >> 1)) >> sh;
    }
}

/* The first DCT pass in 16 bits: residuals of at most 9 bits fold to 10 bits, and the HEVC matrix
 * keeps the scaled column transforms inside 16 bits, so the products are 16 x 16 bits, which
 * vectorise without 32-bit multiplies. Same sums as fwd_pass_dct. */
FORCE_INLINE void fwd_pass1_dct(const DctMat *mt, const int16_t *in, ptrdiff_t stride, int32_t *out,
                                int n, int sh)
{
    const int h = n >> 1;
    int16_t sum[IMZ_DCT_MAX / 2 * IMZ_DCT_MAX], dif[IMZ_DCT_MAX / 2 * IMZ_DCT_MAX];
    for (int y = 0; y < h; y++) {
        const int16_t *ra = in + y * stride, *rb = in + (n - 1 - y) * stride;
        for (int x = 0; x < n; x++) {
            sum[y * n + x] = (int16_t)(ra[x] + rb[x]);
            dif[y * n + x] = (int16_t)(ra[x] - rb[x]);
        }
    }
    for (int k = 0; k < n; k++) {
        int32_t acc[IMZ_DCT_MAX];
        const int16_t *src = k & 1 ? dif : sum;
        const int16_t c0 = mt->m[k][0];
        for (int x = 0; x < n; x++)
            acc[x] = c0 * src[x];
        for (int y = 1; y < h; y++) {
            const int16_t c = mt->m[k][y];
            const int16_t *row = src + y * n;
            for (int x = 0; x < n; x++)
                acc[x] += c * row[x];
        }
        for (int x = 0; x < n; x++)
            out[x * n + k] = (acc[x] + (1 << sh >> 1)) >> sh;
    }
}

/* Vertical then horizontal pass of one constant size; each pass transposes. The DCT's first pass
 * reads the residuals as they are; the DST-VII's, 32-bit throughout, from a copy. */
FORCE_INLINE void fwd_n(const DctMat *mv, const DctMat *mh, int tx, const int16_t *src,
                        ptrdiff_t stride, int32_t *dst, int n, int log2n)
{
    const int s1 = log2n - 1, s2 = log2n + 6;
    /* With |src| <= 511 every sum fits in 32 bits. */
    int32_t tmp[IMZ_DCT_MAX * IMZ_DCT_MAX];
    if (tx & IMZ_TX_DST_V) {
        int32_t in[IMZ_DCT_MAX * IMZ_DCT_MAX];
        for (int y = 0; y < n; y++)
            for (int x = 0; x < n; x++)
                in[y * n + x] = src[y * stride + x];
        fwd_pass(mv, in, tmp, n, s1);
    } else {
        fwd_pass1_dct(mv, src, stride, tmp, n, s1);
    }
    if (tx & IMZ_TX_DST_H)
        fwd_pass(mh, tmp, dst, n, s2);
    else
        fwd_pass_dct(mh, tmp, dst, n, s2);
}

IMZ_SIMD_CLONES static void dct_fwd(const int16_t *src, int stride, int32_t *dst, int log2n, int tx)
{
    const DctMat *mv = matrix(log2n, tx & IMZ_TX_DST_V), *mh = matrix(log2n, tx & IMZ_TX_DST_H);
    switch (log2n) {
    case 2:
        fwd_n(mv, mh, tx, src, stride, dst, 4, 2);
        break;
    case 3:
        fwd_n(mv, mh, tx, src, stride, dst, 8, 3);
        break;
    case 4:
        fwd_n(mv, mh, tx, src, stride, dst, 16, 4);
        break;
    default:
        fwd_n(mv, mh, tx, src, stride, dst, 32, 5);
        break;
    }
}

/* The inverse for a constant n through the plain matrix products, used when a DST-VII is
 * involved; the same structure as the DCT version below (16-bit products, transposed tmp, the
 * row pass computed down the columns) without the folding. */
FORCE_INLINE void inv_n(const DctMat *mv, const DctMat *mh, const int32_t *coef, int16_t *res,
                        int n, int nu, int max_v)
{
    const int w = n < 8 ? n : 8; /* columns per chunk */
    int16_t c16[IMZ_DCT_MAX * IMZ_DCT_MAX], tmp[IMZ_DCT_MAX * IMZ_DCT_MAX];
    for (int v = 0; v <= max_v; v++)
        for (int u0 = 0; u0 < nu; u0 += w)
            for (int k = 0; k < w; k++)
                c16[v * IMZ_DCT_MAX + u0 + k] = (int16_t)coef[v * n + u0 + k];
    for (int y = 0; y < n; y++) {
        int32_t acc[IMZ_DCT_MAX];
        const int16_t c0 = mv->m[0][y];
        for (int u0 = 0; u0 < nu; u0 += w)
            for (int k = 0; k < w; k++)
                acc[u0 + k] = c0 * c16[u0 + k];
        for (int v = 1; v <= max_v; v++) {
            const int16_t c = mv->m[v][y];
            const int16_t *row = c16 + v * IMZ_DCT_MAX;
            for (int u0 = 0; u0 < nu; u0 += w)
                for (int k = 0; k < w; k++)
                    acc[u0 + k] += c * row[u0 + k];
        }
        for (int u = 0; u < nu; u++)
            tmp[u * IMZ_DCT_MAX + y] = clip16((acc[u] + 64) >> 7);
    }
    for (int x = 0; x < n; x++) {
        int32_t acc[IMZ_DCT_MAX];
        const int16_t c0 = mh->m[0][x];
        for (int y = 0; y < n; y++)
            acc[y] = c0 * tmp[y];
        for (int u = 1; u < nu; u++) {
            const int16_t c = mh->m[u][x];
            const int16_t *t = tmp + u * IMZ_DCT_MAX;
            for (int y = 0; y < n; y++)
                acc[y] += c * t[y];
        }
        for (int y = 0; y < n; y++)
            res[y * n + x] = clip16((acc[y] + 2048) >> 12);
    }
}

/*
 * The inverse DCT of a constant size. Column i and column n-1-i of the DCT matrix agree on the even
 * rows and are opposite on the odd ones, so each output pair comes from one even and one odd
 * partial sum (half the multiplications, the same exact sums). The vertical pass only visits the
 * columns that can be nonzero (rounded up to 4; the caller's zeros fill the rest) and keeps its
 * clipped results in 16 bits, so that the horizontal pass multiplies 16-bit values, which
 * vectorises without 32-bit multiplies.
 */
FORCE_INLINE void inv_dct_cols(const DctMat *m, const int32_t *coef, int16_t *tmp, int n, int nu,
                               int max_v)
{
    const int h = n >> 1, w = n < 8 ? n : 8; /* columns per chunk */
    /* the nonzero rows in 16 bits (the coefficients are int16 already), so that the products
     * are 16 x 16 bits */
    int16_t c16[IMZ_DCT_MAX * IMZ_DCT_MAX];
    for (int v = 0; v <= max_v; v++)
        for (int u0 = 0; u0 < nu; u0 += w)
            for (int k = 0; k < w; k++)
                c16[v * IMZ_DCT_MAX + u0 + k] = (int16_t)coef[v * n + u0 + k];
    for (int y = 0; y < h; y++) {
        int32_t e[IMZ_DCT_MAX], o[IMZ_DCT_MAX];
        const int16_t c1 = max_v >= 1 ? m->m[1][y] : 0;
        const int16_t *r1 = c16 + (max_v >= 1 ? IMZ_DCT_MAX : 0);
        for (int u0 = 0; u0 < nu; u0 += w)
            for (int k = 0; k < w; k++) {
                e[u0 + k] = 64 * c16[u0 + k];
                o[u0 + k] = c1 * r1[u0 + k];
            }
        for (int v = 2; v <= max_v; v += 2) {
            const int16_t c = m->m[v][y];
            const int16_t *row = c16 + v * IMZ_DCT_MAX;
            for (int u0 = 0; u0 < nu; u0 += w)
                for (int k = 0; k < w; k++)
                    e[u0 + k] += c * row[u0 + k];
        }
        for (int v = 3; v <= max_v; v += 2) {
            const int16_t c = m->m[v][y];
            const int16_t *row = c16 + v * IMZ_DCT_MAX;
            for (int u0 = 0; u0 < nu; u0 += w)
                for (int k = 0; k < w; k++)
                    o[u0 + k] += c * row[u0 + k];
        }
        for (int u0 = 0; u0 < nu; u0 += w)
            for (int k = 0; k < w; k++) {
                const int u = u0 + k;
                tmp[u * IMZ_DCT_MAX + y] = clip16((e[u] + o[u] + 64) >> 7);
                tmp[u * IMZ_DCT_MAX + n - 1 - y] = clip16((e[u] - o[u] + 64) >> 7);
            }
    }
}

/* The horizontal pass from the transposed tmp (tmp[u * IMZ_DCT_MAX + y]), vectorised over the
 * rows y: each output column pair x, n-1-x is one even and one odd sum over u < nu (nu >= 2). */
FORCE_INLINE void inv_dct_rows(const DctMat *m, const int16_t *tmp, int16_t *res, int n, int nu)
{
    const int h = n >> 1;
    for (int x = 0; x < h; x++) {
        int32_t e[IMZ_DCT_MAX], o[IMZ_DCT_MAX];
        const int16_t c0 = 64, c1 = m->m[1][x];
        for (int y = 0; y < n; y++) {
            e[y] = c0 * tmp[y];
            o[y] = c1 * tmp[IMZ_DCT_MAX + y];
        }
        for (int u = 2; u < nu; u += 2) {
            const int16_t c = m->m[u][x];
            const int16_t *t = tmp + u * IMZ_DCT_MAX;
            for (int y = 0; y < n; y++)
                e[y] += c * t[y];
        }
        for (int u = 3; u < nu; u += 2) {
            const int16_t c = m->m[u][x];
            const int16_t *t = tmp + u * IMZ_DCT_MAX;
            for (int y = 0; y < n; y++)
                o[y] += c * t[y];
        }
        for (int y = 0; y < n; y++) {
            res[y * n + x] = clip16((e[y] + o[y] + 2048) >> 12);
            res[y * n + n - 1 - x] = clip16((e[y] - o[y] + 2048) >> 12);
        }
    }
}

#if defined(__SSE2__) && !defined(IMZ_PORTABLE)
#include <emmintrin.h>
#define HAVE_INV8_SSE2 1

/* Row v of an 8x8 block of coefficients in 16 bits, as the portable pass's int16_t cast gives
 * them (the low 16 bits). */
static inline __m128i row16(const int32_t *c)
{
    const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)c);
    const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(c + 4));
    return _mm_packs_epi32(_mm_srai_epi32(_mm_slli_epi32(a, 16), 16),
                           _mm_srai_epi32(_mm_slli_epi32(b, 16), 16));
}

/* (lo, hi) = (a + b + r) >> s and (a - b + r) >> s, packed to 16 bits with saturation (clip16). */
#define INV8_OUT(a_lo, b_lo, a_hi, b_hi, r, s, plus, minus)                                        \
    do {                                                                                           \
        const __m128i rr = _mm_set1_epi32(r);                                                      \
        plus = _mm_packs_epi32(_mm_srai_epi32(_mm_add_epi32(_mm_add_epi32(a_lo, b_lo), rr), s),    \
                               _mm_srai_epi32(_mm_add_epi32(_mm_add_epi32(a_hi, b_hi), rr), s));   \
        minus = _mm_packs_epi32(_mm_srai_epi32(_mm_add_epi32(_mm_sub_epi32(a_lo, b_lo), rr), s),   \
                                _mm_srai_epi32(_mm_add_epi32(_mm_sub_epi32(a_hi, b_hi), rr), s));  \
    } while (0)

/*
 * The 8x8 inverse DCT of inv_dct_cols + inv_dct_rows in SSE2, with the same sums, roundings and
 * saturations, so the same results. Both passes run along rows (no transposes): the vertical one
 * weighs whole coefficient rows, the horizontal one broadcasts pairs of a row's values against
 * pairs of matrix rows. Pairs (u, u + 2) of the even and odd halves feed _mm_madd_epi16. Rows
 * beyond max_v are not read (the caller may not have written them).
 */
static void inv8_sse2(const int32_t *coef, int16_t *res, int max_v)
{
    /* pairs (m[u][x], m[u + 2][x]) for x = 0..3 of the 8-point matrix (dct_matrices[1]) */
    const __m128i e02 = _mm_setr_epi16(64, 83, 64, 36, 64, -36, 64, -83);
    const __m128i e46 = _mm_setr_epi16(64, 36, -64, -83, -64, 83, 64, -36);
    const __m128i o13 = _mm_setr_epi16(89, 75, 75, -18, 50, -89, 18, -50);
    const __m128i o57 = _mm_setr_epi16(50, 18, -89, -50, 18, 75, 75, -89);
    __m128i r[8];
    for (int v = 0; v < 8; v++)
        r[v] = v <= max_v ? row16(coef + 8 * v) : _mm_setzero_si128();
    const __m128i r02l = _mm_unpacklo_epi16(r[0], r[2]), r02h = _mm_unpackhi_epi16(r[0], r[2]);
    const __m128i r46l = _mm_unpacklo_epi16(r[4], r[6]), r46h = _mm_unpackhi_epi16(r[4], r[6]);
    const __m128i r13l = _mm_unpacklo_epi16(r[1], r[3]), r13h = _mm_unpackhi_epi16(r[1], r[3]);
    const __m128i r57l = _mm_unpacklo_epi16(r[5], r[7]), r57h = _mm_unpackhi_epi16(r[5], r[7]);
    __m128i t[8];
#define INV8_COL(y, imm)                                                                           \
    do {                                                                                           \
        const __m128i ca = _mm_shuffle_epi32(e02, imm), cb = _mm_shuffle_epi32(e46, imm);          \
        const __m128i cc = _mm_shuffle_epi32(o13, imm), cd = _mm_shuffle_epi32(o57, imm);          \
        const __m128i el = _mm_add_epi32(_mm_madd_epi16(r02l, ca), _mm_madd_epi16(r46l, cb));      \
        const __m128i eh = _mm_add_epi32(_mm_madd_epi16(r02h, ca), _mm_madd_epi16(r46h, cb));      \
        const __m128i ol = _mm_add_epi32(_mm_madd_epi16(r13l, cc), _mm_madd_epi16(r57l, cd));      \
        const __m128i oh = _mm_add_epi32(_mm_madd_epi16(r13h, cc), _mm_madd_epi16(r57h, cd));      \
        INV8_OUT(el, ol, eh, oh, 64, 7, t[y], t[7 - y]);                                           \
    } while (0)
    INV8_COL(0, 0x00);
    INV8_COL(1, 0x55);
    INV8_COL(2, 0xaa);
    INV8_COL(3, 0xff);
#undef INV8_COL
    for (int y = 0; y < 8; y++) {
        /* the row's values as 32-bit pairs (0, 2), (4, 6), (1, 3), (5, 7) */
        __m128i v = _mm_shufflelo_epi16(t[y], _MM_SHUFFLE(3, 1, 2, 0));
        v = _mm_shufflehi_epi16(v, _MM_SHUFFLE(3, 1, 2, 0));
        v = _mm_shuffle_epi32(v, _MM_SHUFFLE(3, 1, 2, 0));
        const __m128i e = _mm_add_epi32(_mm_madd_epi16(_mm_shuffle_epi32(v, 0x00), e02),
                                        _mm_madd_epi16(_mm_shuffle_epi32(v, 0x55), e46));
        const __m128i o = _mm_add_epi32(_mm_madd_epi16(_mm_shuffle_epi32(v, 0xaa), o13),
                                        _mm_madd_epi16(_mm_shuffle_epi32(v, 0xff), o57));
        const __m128i rr = _mm_set1_epi32(2048);
        const __m128i lo = _mm_srai_epi32(_mm_add_epi32(_mm_add_epi32(e, o), rr), 12);
        /* columns 7, 6, 5, 4, turned round */
        const __m128i hi = _mm_shuffle_epi32(
            _mm_srai_epi32(_mm_add_epi32(_mm_sub_epi32(e, o), rr), 12), _MM_SHUFFLE(0, 1, 2, 3));
        _mm_storeu_si128((__m128i *)(void *)(res + 8 * y), _mm_packs_epi32(lo, hi));
    }
}
#undef INV8_OUT
#endif

/* 4-point inverse of one line (stride st in and out) with the HEVC butterfly; exact sums. */
static inline void inv4_dct_line(const int32_t *c, int cs, int32_t *o, int os, int add, int sh)
{
    const int32_t e0 = 64 * (c[0] + c[2 * cs]), e1 = 64 * (c[0] - c[2 * cs]);
    const int32_t o0 = 83 * c[cs] + 36 * c[3 * cs], o1 = 36 * c[cs] - 83 * c[3 * cs];
    o[0] = clip16((e0 + o0 + add) >> sh);
    o[os] = clip16((e1 + o1 + add) >> sh);
    o[2 * os] = clip16((e1 - o1 + add) >> sh);
    o[3 * os] = clip16((e0 - o0 + add) >> sh);
}

/* 4-point inverse through a matrix (DST-VII or DCT), one line. */
static inline void inv4_mat_line(const DctMat *m, const int32_t *c, int cs, int32_t *o, int os,
                                 int add, int sh)
{
    for (int i = 0; i < 4; i++)
        o[i * os] = clip16((m->m[0][i] * c[0] + m->m[1][i] * c[cs] + m->m[2][i] * c[2 * cs] +
                            m->m[3][i] * c[3 * cs] + add) >>
                           sh);
}

/* The whole 4x4 inverse, unrolled: for these small blocks the loop set-up of the general kernels
 * costs more than the arithmetic. */
static void inv4(const int32_t *coef, int16_t *res, int tx)
{
    int32_t tmp[16], out[16];
    const DctMat *mv = matrix(2, tx & IMZ_TX_DST_V), *mh = matrix(2, tx & IMZ_TX_DST_H);
    for (int u = 0; u < 4; u++) {
        if (tx & IMZ_TX_DST_V)
            inv4_mat_line(mv, coef + u, 4, tmp + u, 4, 64, 7);
        else
            inv4_dct_line(coef + u, 4, tmp + u, 4, 64, 7);
    }
    for (int y = 0; y < 4; y++) {
        if (tx & IMZ_TX_DST_H)
            inv4_mat_line(mh, tmp + 4 * y, 1, out + 4 * y, 1, 2048, 12);
        else
            inv4_dct_line(tmp + 4 * y, 1, out + 4 * y, 1, 2048, 12);
    }
    for (int i = 0; i < 16; i++)
        res[i] = (int16_t)out[i];
}

IMZ_SIMD_CLONES static void dct_inv(const int32_t *coef, int16_t *res, int log2n, int max_u,
                                    int max_v, int tx)
{
    if (log2n == 2 && (max_u | max_v | tx)) {
        inv4(coef, res, tx);
        return;
    }
    const int n = 1 << log2n;
    if (tx == 0 && max_u == 0 && max_v == 0) {
        /* DC only: both passes multiply by 64, so the block is flat */
        const int16_t t = clip16((64 * coef[0] + 64) >> 7);
        const int16_t r = clip16((64 * t + 2048) >> 12);
        for (int i = 0; i < n * n; i++)
            res[i] = r;
        return;
    }
    if (tx == 0) {
        int16_t tmp[IMZ_DCT_MAX * IMZ_DCT_MAX];
        /* the columns in use, rounded up to the chunks of inv_dct_cols (the rest are zeros) */
        const int nu = n <= 8 ? n : (max_u + 8) & ~7, nr = imax(max_u + 1, 2);
        const DctMat *m = &dct_matrices[log2n - 2];
        switch (log2n) {
        case 2:
            /* all of a 4x4 block: constant loop counts cost less than the zeros they add */
            inv_dct_cols(m, coef, tmp, 4, 4, 3);
            inv_dct_rows(m, tmp, res, 4, 4);
            break;
        case 3:
#ifdef HAVE_INV8_SSE2
            inv8_sse2(coef, res, max_v);
#else
            inv_dct_cols(m, coef, tmp, 8, nu, max_v);
            inv_dct_rows(m, tmp, res, 8, nr);
#endif
            break;
        case 4:
            inv_dct_cols(m, coef, tmp, 16, nu, max_v);
            inv_dct_rows(m, tmp, res, 16, nr);
            break;
        default:
            inv_dct_cols(m, coef, tmp, 32, nu, max_v);
            inv_dct_rows(m, tmp, res, 32, nr);
            break;
        }
        return;
    }
    const DctMat *mv = matrix(log2n, tx & IMZ_TX_DST_V), *mh = matrix(log2n, tx & IMZ_TX_DST_H);
    const int nu = n <= 8 ? n : (max_u + 8) & ~7;
    switch (log2n) {
    case 2:
        inv_n(mv, mh, coef, res, 4, 4, 3);
        break;
    case 3:
        inv_n(mv, mh, coef, res, 8, nu, max_v);
        break;
    case 4:
        inv_n(mv, mh, coef, res, 16, nu, max_v);
        break;
    default:
        inv_n(mv, mh, coef, res, 32, nu, max_v);
        break;
    }
}

/* The four matrices, generated from imz_dct_coef and zero-padded to 32 x 32. */
static const DctMat dct_matrices[4] = {
    {{
        {64, 64, 64, 64},
        {83, 36, -36, -83},
        {64, -64, -64, 64},
        {36, -83, 83, -36},
    }},
    {{
        {64, 64, 64, 64, 64, 64, 64, 64},
        {89, 75, 50, 18, -18, -50, -75, -89},
        {83, 36, -36, -83, -83, -36, 36, 83},
        {75, -18, -89, -50, 50, 89, 18, -75},
        {64, -64, -64, 64, 64, -64, -64, 64},
        {50, -89, 18, 75, -75, -18, 89, -50},
        {36, -83, 83, -36, -36, 83, -83, 36},
        {18, -50, 75, -89, 89, -75, 50, -18},
    }},
    {{
        {64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64},
        {90, 87, 80, 70, 57, 43, 25, 9, -9, -25, -43, -57, -70, -80, -87, -90},
        {89, 75, 50, 18, -18, -50, -75, -89, -89, -75, -50, -18, 18, 50, 75, 89},
        {87, 57, 9, -43, -80, -90, -70, -25, 25, 70, 90, 80, 43, -9, -57, -87},
        {83, 36, -36, -83, -83, -36, 36, 83, 83, 36, -36, -83, -83, -36, 36, 83},
        {80, 9, -70, -87, -25, 57, 90, 43, -43, -90, -57, 25, 87, 70, -9, -80},
        {75, -18, -89, -50, 50, 89, 18, -75, -75, 18, 89, 50, -50, -89, -18, 75},
        {70, -43, -87, 9, 90, 25, -80, -57, 57, 80, -25, -90, -9, 87, 43, -70},
        {64, -64, -64, 64, 64, -64, -64, 64, 64, -64, -64, 64, 64, -64, -64, 64},
        {57, -80, -25, 90, -9, -87, 43, 70, -70, -43, 87, 9, -90, 25, 80, -57},
        {50, -89, 18, 75, -75, -18, 89, -50, -50, 89, -18, -75, 75, 18, -89, 50},
        {43, -90, 57, 25, -87, 70, 9, -80, 80, -9, -70, 87, -25, -57, 90, -43},
        {36, -83, 83, -36, -36, 83, -83, 36, 36, -83, 83, -36, -36, 83, -83, 36},
        {25, -70, 90, -80, 43, 9, -57, 87, -87, 57, -9, -43, 80, -90, 70, -25},
        {18, -50, 75, -89, 89, -75, 50, -18, -18, 50, -75, 89, -89, 75, -50, 18},
        {9, -25, 43, -57, 70, -80, 87, -90, 90, -87, 80, -70, 57, -43, 25, -9},
    }},
    {{
        {64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64,
         64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64, 64},
        {90, 90,  88,  85,  82,  78,  73,  67,  61,  54,  46,  38,  31,  22,  13,  4,
         -4, -13, -22, -31, -38, -46, -54, -61, -67, -73, -78, -82, -85, -88, -90, -90},
        {90,  87,  80,  70,  57,  43,  25,  9,  -9, -25, -43, -57, -70, -80, -87, -90,
         -90, -87, -80, -70, -57, -43, -25, -9, 9,  25,  43,  57,  70,  80,  87,  90},
        {90, 82, 67, 46, 22, -4, -31, -54, -73, -85, -90, -88, -78, -61, -38, -13,
         13, 38, 61, 78, 88, 90, 85,  73,  54,  31,  4,   -22, -46, -67, -82, -90},
        {89, 75, 50, 18, -18, -50, -75, -89, -89, -75, -50, -18, 18, 50, 75, 89,
         89, 75, 50, 18, -18, -50, -75, -89, -89, -75, -50, -18, 18, 50, 75, 89},
        {88,  67,  31,  -13, -54, -82, -90, -78, -46, -4, 38, 73, 90, 85,  61,  22,
         -22, -61, -85, -90, -73, -38, 4,   46,  78,  90, 82, 54, 13, -31, -67, -88},
        {87,  57,  9,  -43, -80, -90, -70, -25, 25,  70,  90,  80,  43,  -9, -57, -87,
         -87, -57, -9, 43,  80,  90,  70,  25,  -25, -70, -90, -80, -43, 9,  57,  87},
        {85, 46, -13, -67, -90, -73, -22, 38,  82,  88, 54, -4, -61, -90, -78, -31,
         31, 78, 90,  61,  4,   -54, -88, -82, -38, 22, 73, 90, 67,  13,  -46, -85},
        {83, 36, -36, -83, -83, -36, 36, 83, 83, 36, -36, -83, -83, -36, 36, 83,
         83, 36, -36, -83, -83, -36, 36, 83, 83, 36, -36, -83, -83, -36, 36, 83},
        {82,  22,  -54, -90, -61, 13, 78, 85,  31,  -46, -90, -67, 4,  73, 88,  38,
         -38, -88, -73, -4,  67,  90, 46, -31, -85, -78, -13, 61,  90, 54, -22, -82},
        {80,  9,  -70, -87, -25, 57,  90,  43,  -43, -90, -57, 25,  87,  70,  -9, -80,
         -80, -9, 70,  87,  25,  -57, -90, -43, 43,  90,  57,  -25, -87, -70, 9,  80},
        {78, -4, -82, -73, 13,  85,  67, -22, -88, -61, 31,  90,  54, -38, -90, -46,
         46, 90, 38,  -54, -90, -31, 61, 88,  22,  -67, -85, -13, 73, 82,  4,   -78},
        {75, -18, -89, -50, 50, 89, 18, -75, -75, 18, 89, 50, -50, -89, -18, 75,
         75, -18, -89, -50, 50, 89, 18, -75, -75, 18, 89, 50, -50, -89, -18, 75},
        {73,  -31, -90, -22, 78, 67,  -38, -90, -13, 82, 61,  -46, -88, -4, 85, 54,
         -54, -85, 4,   88,  46, -61, -82, 13,  90,  38, -67, -78, 22,  90, 31, -73},
        {70,  -43, -87, 9,  90,  25,  -80, -57, 57,  80,  -25, -90, -9, 87,  43,  -70,
         -70, 43,  87,  -9, -90, -25, 80,  57,  -57, -80, 25,  90,  9,  -87, -43, 70},
        {67, -54, -78, 38,  85, -22, -90, 4,   90, 13, -88, -31, 82,  46, -73, -61,
         61, 73,  -46, -82, 31, 88,  -13, -90, -4, 90, 22,  -85, -38, 78, 54,  -67},
        {64, -64, -64, 64, 64, -64, -64, 64, 64, -64, -64, 64, 64, -64, -64, 64,
         64, -64, -64, 64, 64, -64, -64, 64, 64, -64, -64, 64, 64, -64, -64, 64},
        {61,  -73, -46, 82, 31,  -88, -13, 90, -4,  -90, 22, 85,  -38, -78, 54, 67,
         -67, -54, 78,  38, -85, -22, 90,  4,  -90, 13,  88, -31, -82, 46,  73, -61},
        {57,  -80, -25, 90,  -9, -87, 43,  70,  -70, -43, 87,  9,  -90, 25,  80,  -57,
         -57, 80,  25,  -90, 9,  87,  -43, -70, 70,  43,  -87, -9, 90,  -25, -80, 57},
        {54, -85, -4,  88, -46, -61, 82,  13, -90, 38,  67, -78, -22, 90, -31, -73,
         73, 31,  -90, 22, 78,  -67, -38, 90, -13, -82, 61, 46,  -88, 4,  85,  -54},
        {50, -89, 18, 75, -75, -18, 89, -50, -50, 89, -18, -75, 75, 18, -89, 50,
         50, -89, 18, 75, -75, -18, 89, -50, -50, 89, -18, -75, 75, 18, -89, 50},
        {46,  -90, 38, 54,  -90, 31, 61,  -88, 22, 67,  -85, 13, 73,  -82, 4,  78,
         -78, -4,  82, -73, -13, 85, -67, -22, 88, -61, -31, 90, -54, -38, 90, -46},
        {43,  -90, 57,  25,  -87, 70,  9,  -80, 80,  -9, -70, 87,  -25, -57, 90,  -43,
         -43, 90,  -57, -25, 87,  -70, -9, 80,  -80, 9,  70,  -87, 25,  57,  -90, 43},
        {38, -88, 73,  -4, -67, 90,  -46, -31, 85, -78, 13,  61, -90, 54,  22, -82,
         82, -22, -54, 90, -61, -13, 78,  -85, 31, 46,  -90, 67, 4,   -73, 88, -38},
        {36, -83, 83, -36, -36, 83, -83, 36, 36, -83, 83, -36, -36, 83, -83, 36,
         36, -83, 83, -36, -36, 83, -83, 36, 36, -83, 83, -36, -36, 83, -83, 36},
        {31,  -78, 90, -61, 4,  54,  -88, 82, -38, -22, 73,  -90, 67, -13, -46, 85,
         -85, 46,  13, -67, 90, -73, 22,  38, -82, 88,  -54, -4,  61, -90, 78,  -31},
        {25,  -70, 90,  -80, 43,  9,  -57, 87,  -87, 57,  -9, -43, 80,  -90, 70,  -25,
         -25, 70,  -90, 80,  -43, -9, 57,  -87, 87,  -57, 9,  43,  -80, 90,  -70, 25},
        {22, -61, 85, -90, 73,  -38, -4,  46, -78, 90, -82, 54,  -13, -31, 67, -88,
         88, -67, 31, 13,  -54, 82,  -90, 78, -46, 4,  38,  -73, 90,  -85, 61, -22},
        {18, -50, 75, -89, 89, -75, 50, -18, -18, 50, -75, 89, -89, 75, -50, 18,
         18, -50, 75, -89, 89, -75, 50, -18, -18, 50, -75, 89, -89, 75, -50, 18},
        {13,  -38, 61,  -78, 88,  -90, 85, -73, 54, -31, 4,  22,  -46, 67,  -82, 90,
         -90, 82,  -67, 46,  -22, -4,  31, -54, 73, -85, 90, -88, 78,  -61, 38,  -13},
        {9,  -25, 43,  -57, 70,  -80, 87,  -90, 90,  -87, 80,  -70, 57,  -43, 25,  -9,
         -9, 25,  -43, 57,  -70, 80,  -87, 90,  -90, 87,  -80, 70,  -57, 43,  -25, 9},
        {4,  -13, 22, -31, 38, -46, 54, -61, 67, -73, 78, -82, 85, -88, 90, -90,
         90, -90, 88, -85, 82, -78, 73, -67, 61, -54, 46, -38, 31, -22, 13, -4},
    }},
};

/* DST-VII for 4, 8 and 16 points: round(64 sqrt(n) sqrt(4 / (2n + 1)) sin(pi (2k + 1)(i + 1) / (2n
 * + 1))) (the 4-point one is HEVC's). */
static const DctMat dst_matrices[3] = {
    {{
        {29, 55, 74, 84},
        {74, 74, 0, -74},
        {84, -29, -74, 55},
        {55, -84, 74, -29},
    }},
    {{
        {16, 32, 46, 59, 70, 79, 84, 87},
        {46, 79, 87, 70, 32, -16, -59, -84},
        {70, 84, 32, -46, -87, -59, 16, 79},
        {84, 46, -59, -79, 16, 87, 32, -70},
        {87, -16, -84, 32, 79, -46, -70, 59},
        {79, -70, -16, 84, -59, -32, 87, -46},
        {59, -87, 70, -16, -46, 84, -79, 32},
        {32, -59, 79, -87, 84, -70, 46, -16},
    }},
    {{
        {8, 17, 25, 33, 41, 48, 55, 62, 67, 73, 77, 81, 84, 87, 88, 89},
        {25, 48, 67, 81, 88, 88, 81, 67, 48, 25, 0, -25, -48, -67, -81, -88},
        {41, 73, 88, 84, 62, 25, -17, -55, -81, -89, -77, -48, -8, 33, 67, 87},
        {55, 87, 81, 41, -17, -67, -89, -73, -25, 33, 77, 88, 62, 8, -48, -84},
        {67, 88, 48, -25, -81, -81, -25, 48, 88, 67, 0, -67, -88, -48, 25, 81},
        {77, 77, 0, -77, -77, 0, 77, 77, 0, -77, -77, 0, 77, 77, 0, -77},
        {84, 55, -48, -87, -8, 81, 62, -41, -88, -17, 77, 67, -33, -89, -25, 73},
        {88, 25, -81, -48, 67, 67, -48, -81, 25, 88, 0, -88, -25, 81, 48, -67},
        {89, -8, -88, 17, 87, -25, -84, 33, 81, -41, -77, 48, 73, -55, -67, 62},
        {87, -41, -67, 73, 33, -88, 8, 84, -48, -62, 77, 25, -89, 17, 81, -55},
        {81, -67, -25, 88, -48, -48, 88, -25, -67, 81, 0, -81, 67, 25, -88, 48},
        {73, -84, 25, 55, -89, 48, 33, -87, 67, 8, -77, 81, -17, -62, 88, -41},
        {62, -89, 67, -8, -55, 88, -73, 17, 48, -87, 77, -25, -41, 84, -81, 33},
        {48, -81, 88, -67, 25, 25, -67, 88, -81, 48, 0, -48, 81, -88, 67, -25},
        {33, -62, 81, -89, 84, -67, 41, -8, -25, 55, -77, 88, -87, 73, -48, 17},
        {17, -33, 48, -62, 73, -81, 87, -89, 88, -84, 77, -67, 55, -41, 25, -8},
    }},
};

static const DctMat *matrix(int log2n, int dst)
{
    return dst && log2n <= 4 ? &dst_matrices[log2n - 2] : &dct_matrices[log2n - 2];
}

/* The exported entry points call the cloned kernels, so that no other file needs to know of the
 * clones (IMZ_SIMD_CLONES). */
void imz_dct_fwd(const int16_t *src, int stride, int32_t *dst, int log2n, int tx)
{
    dct_fwd(src, stride, dst, log2n, tx);
}

void imz_dct_inv(const int32_t *coef, int16_t *res, int log2n, int max_u, int max_v, int tx)
{
    dct_inv(coef, res, log2n, max_u, max_v, tx);
}
