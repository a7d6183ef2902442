// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The reversible colour transforms of the `lossless` codec (docs/format/lossless.md §3.3), shared
// by the context-mixing profiles (ll_xform.c) and the fast profile (ll_fast.c).

#ifndef IMZ_CODEC_LOSSLESS_LL_RCT_H
#define IMZ_CODEC_LOSSLESS_LL_RCT_H

#include <stdint.h>

/** Reversible colour transforms of three colour channels (stored in the stream). */
enum {
    LL_RCT_NONE = 0,  /* R, G, B */
    LL_RCT_SUBG = 1,  /* G, R-G, B-G */
    LL_RCT_YCOCG = 2, /* YCoCg-R: Y, Co, Cg */
    LL_RCT_SUBG2 = 3, /* G, B-G, R-G */
    LL_RCT_SUBGA = 4, /* G, R-G, B-((R+G)>>1) */
    LL_RCT_SUBGB = 5, /* G, B-G, R-((B+G)>>1) */
    LL_N_RCT = 6
};

static inline void imz_ll_rct_fwd(int rct, int32_t r, int32_t g, int32_t b, int32_t *o)
{
    switch (rct) {
    case LL_RCT_SUBG:
        o[0] = g, o[1] = r - g, o[2] = b - g;
        break;
    case LL_RCT_YCOCG: {
        int32_t co = r - b, t = b + (co >> 1), cg = g - t;
        o[0] = t + (cg >> 1), o[1] = co, o[2] = cg;
        break;
    }
    case LL_RCT_SUBG2:
        o[0] = g, o[1] = b - g, o[2] = r - g;
        break;
    case LL_RCT_SUBGA:
        o[0] = g, o[1] = r - g, o[2] = b - ((r + g) >> 1);
        break;
    case LL_RCT_SUBGB:
        o[0] = g, o[1] = b - g, o[2] = r - ((b + g) >> 1);
        break;
    default:
        o[0] = r, o[1] = g, o[2] = b;
        break;
    }
}

static inline void imz_ll_rct_inv(int rct, const int32_t *i, int32_t *r, int32_t *g, int32_t *b)
{
    switch (rct) {
    case LL_RCT_SUBG:
        *g = i[0], *r = i[1] + i[0], *b = i[2] + i[0];
        break;
    case LL_RCT_YCOCG: {
        int32_t t = i[0] - (i[2] >> 1);
        *g = i[2] + t;
        *b = t - (i[1] >> 1);
        *r = *b + i[1];
        break;
    }
    case LL_RCT_SUBG2:
        *g = i[0], *b = i[1] + i[0], *r = i[2] + i[0];
        break;
    case LL_RCT_SUBGA:
        *g = i[0], *r = i[1] + i[0], *b = i[2] + ((*r + *g) >> 1);
        break;
    case LL_RCT_SUBGB:
        *g = i[0], *b = i[1] + i[0], *r = i[2] + ((*b + *g) >> 1);
        break;
    default:
        *r = i[0], *g = i[1], *b = i[2];
        break;
    }
}

#endif
