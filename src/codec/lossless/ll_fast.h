// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The fast profile of the `lossless` codec (docs/format/lossless.md §12), used at effort 1: a
// median predictor with bias cancellation, residuals coded as tokens under static per-context
// tables with rANS (entropy/rans.h). It reads and writes the whole payload after the mode byte.

#ifndef IMZ_CODEC_LOSSLESS_LL_FAST_H
#define IMZ_CODEC_LOSSLESS_LL_FAST_H

#include "bitio/buf.h"
#include "common/context.h"

/** The mode byte that selects this profile. */
#define LL_MODE_FAST 3

/** Appends the fast-profile payload (everything after the version and mode bytes) of img. */
int imz_ll_fast_encode(ImzContext *ctx, const ImzImage *img, ImzBuf *payload);
/** Decodes a fast-profile payload from r (positioned after the mode byte) into out, whose shape
 *  the container header has set. */
int imz_ll_fast_decode(ImzContext *ctx, ImzReader *r, ImzImage *out);

#endif
