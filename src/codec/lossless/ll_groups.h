// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Row groups of the `lossless` codec (docs/format/lossless.md §3.4): runs of rows coded
// independently, one per thread. Every profile that codes rows shares the layout rule and the
// group table written here, so that a stream's split depends only on the thread count.

#ifndef IMZ_CODEC_LOSSLESS_LL_GROUPS_H
#define IMZ_CODEC_LOSSLESS_LL_GROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "bitio/buf.h"
#include "common/context.h"

#define LL_MAX_GROUPS 1024

typedef struct LlGroup {
    uint32_t y0, y1;     /* rows [y0, y1) */
    const uint8_t *data; /* decoder: the group's bytes inside the payload */
    size_t len;          /* bytes of the group's stream */
} LlGroup;

/** The encoder's layout for `threads` threads: n = min(threads, H / 16, 1024) groups (at least
 *  one) of ceil((H - lead) / n) rows, the first with `lead` more, trailing empty groups dropped.
 *  *lead (NULL: 0) becomes 0 unless n > 1 and lead < H / 2. Fills g[0..n) and returns n. */
int imz_ll_plan_groups(uint32_t height, int threads, uint32_t *lead, LlGroup *g);

/** Writes the group table: n - 1, then per group its rows - 1 (not for the last) and length. */
void imz_ll_put_groups(ImzBuf *b, const LlGroup *g, int n);

/**
 * Reads a group table for an image of `height` rows, checks that the groups cover the rows and
 * that their streams fit in what follows the table, and points each group's data into it.
 * @return IMZ_OK, or IMZ_ERR_TRUNCATED / IMZ_ERR_CORRUPT with a reason in ctx.
 */
int imz_ll_get_groups(ImzContext *ctx, ImzReader *r, uint32_t height, LlGroup *g, int *n);

#endif
