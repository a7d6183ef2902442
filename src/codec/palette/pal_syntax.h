// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Bitstream elements shared by the quantising codecs (`palette`, `vq`, `pca`), all coded with the
// adaptive binary arithmetic coder (entropy/bac.h):
//  - adaptive integers: a zero flag, a sign, the bit length in unary and the two leading bits
//    below the top one in adaptive cells, the rest at probability one half (docs/format/palette.md
//    §3);
//  - index maps: one index per position of a W x H grid, coded with "same as W" / "same as N" flags
//    whose contexts come from the W, N, NW, NE and WW indices, then the index bit by bit, MSB
//    first, in a binary tree whose cells also know whether W's and N's indices share the prefix
//    coded so far (docs/format/palette.md §4). With a palette sorted by lightness, a prefix shared
//    with a neighbour means a similar colour, so the tree learns "close to W" without exact
//    matches.
// Decoders built on these never read outside their input (the coder reads zeros past the end and
// counts them) and reject any index outside the alphabet.

#ifndef IMZ_CODEC_PALETTE_PAL_SYNTAX_H
#define IMZ_CODEC_PALETTE_PAL_SYNTAX_H

#include <stdint.h>

#include "common/context.h"
#include "entropy/bac.h"

#define IMZ_INT_LEN_MAX 24 /* adaptive integers have magnitudes below 2^24 */

typedef struct ImzIntModel {
    ImzBacCell zero, sign;
    ImzBacCell len[IMZ_INT_LEN_MAX];
    ImzBacCell mant[IMZ_INT_LEN_MAX][2];
} ImzIntModel;

void imz_int_model_init(ImzIntModel *m);
/** Codes a signed integer with |v| < 2^24. */
void imz_int_put(ImzBacEnc *e, ImzIntModel *m, int32_t v);
/** Decodes a signed integer; always |v| < 2^24 whatever the input. */
int32_t imz_int_get(ImzBacDec *d, ImzIntModel *m);
/** Ideal code length in bits of v under m, updating m exactly as imz_int_put would. */
double imz_int_cost(ImzIntModel *m, int32_t v);

/** Largest alphabet of an index map. */
#define IMZ_IDXMAP_MAX_SYMBOLS 65536

/**
 * Codes the w x h indices (each < n_symbols, 1 <= n_symbols <= 65536) in raster order.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG or IMZ_ERR_NOMEM.
 */
int imz_idxmap_encode(ImzContext *ctx, ImzBacEnc *e, const uint16_t *idx, uint32_t w, uint32_t h,
                      int n_symbols);
/**
 * Decodes what imz_idxmap_encode wrote into idx (w * h entries).
 * @return IMZ_OK, IMZ_ERR_CORRUPT (an index >= n_symbols) or IMZ_ERR_NOMEM.
 */
int imz_idxmap_decode(ImzContext *ctx, ImzBacDec *d, uint16_t *idx, uint32_t w, uint32_t h,
                      int n_symbols);

/* ---- the palette codec's entry points (pal_enc.c), used by its codec table in pal_dec.c ---- */

#define IMZ_PAL_FLAG_DITHER 1
#define IMZ_PAL_FLAG_OKLAB 2
#define IMZ_PAL_MAX_COLORS 256

struct ImzBuf;
int imz_palette_encode(ImzContext *ctx, const ImzImage *img, const double *opt,
                       struct ImzBuf *params, struct ImzBuf *payload);

#endif
