// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Row groups of the `lossless` codec (ll_groups.h, docs/format/lossless.md §3.4).

#include "codec/lossless/ll_groups.h"

int imz_ll_plan_groups(uint32_t height, int threads, uint32_t *lead_io, LlGroup *g)
{
    uint32_t n = 1;
    if (threads > 1) {
        n = (uint32_t)threads < height / 16 ? (uint32_t)threads : height / 16;
        n = n < LL_MAX_GROUPS ? n : LL_MAX_GROUPS;
        n = n ? n : 1;
    }
    uint32_t lead = lead_io && n > 1 && *lead_io < height / 2 ? *lead_io : 0;
    if (lead_io)
        *lead_io = lead;
    uint32_t rows = (height - lead + n - 1) / n;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t y0 = i ? (uint64_t)i * rows + lead : 0, y1 = (uint64_t)(i + 1) * rows + lead;
        g[i].y0 = (uint32_t)(y0 < height ? y0 : height);
        g[i].y1 = (uint32_t)(y1 < height ? y1 : height);
        g[i].data = NULL;
        g[i].len = 0;
    }
    while (n > 1 && g[n - 1].y0 >= g[n - 1].y1)
        n--;
    return (int)n;
}

void imz_ll_put_groups(ImzBuf *b, const LlGroup *g, int n)
{
    imz_buf_put_varint(b, (uint64_t)n - 1);
    for (int i = 0; i < n; i++) {
        if (i + 1 < n)
            imz_buf_put_varint(b, g[i].y1 - g[i].y0 - 1);
        imz_buf_put_varint(b, g[i].len);
    }
}

int imz_ll_get_groups(ImzContext *ctx, ImzReader *r, uint32_t height, LlGroup *g, int *n)
{
    uint64_t count = imz_read_varint(r) + 1;
    if (r->overflow)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: stream header truncated");
    if (count > LL_MAX_GROUPS || count > height)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: %llu row groups",
                        (unsigned long long)count);
    uint32_t y = 0;
    uint64_t total = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t rows = i + 1 < count ? imz_read_varint(r) + 1 : (uint64_t)(height - y);
        uint64_t len = imz_read_varint(r);
        if (r->overflow)
            return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: group table truncated");
        if (rows == 0 || rows > height - y || len > imz_reader_left(r))
            return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: bad row group %llu",
                            (unsigned long long)i);
        g[i].y0 = y;
        g[i].y1 = y + (uint32_t)rows;
        g[i].len = (size_t)len;
        y += (uint32_t)rows;
        total += len;
    }
    if (y != height)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: row groups cover %u of %u rows", y,
                        height);
    if (total > imz_reader_left(r))
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: payload shorter than its groups");
    const uint8_t *p = r->p;
    for (uint64_t i = 0; i < count; i++) {
        g[i].data = p;
        p += g[i].len;
    }
    *n = (int)count;
    return IMZ_OK;
}
