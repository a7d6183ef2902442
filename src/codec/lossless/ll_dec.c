// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Decoder of the `lossless` codec (docs/format/lossless.md): parses and checks the stream header,
// then decodes each group of rows with the shared model of ll_model.c, in parallel when the
// context allows threads. Every header field is range-checked before use; memory is the output
// image plus O(width) rows and fixed-size context tables per group being decoded.

#include <string.h>

#include "codec/lossless/ll.h"
#include "codec/lossless/ll_fast.h"
#include "common/intops.h"
#include "common/parallel.h"

typedef struct DecJob {
    ImzContext *ctx;
    ImzImage *img;
    const LlStreamInfo *si;
    LlGroup g;
    LlWarmStart *warm; /* NULL: fresh models */
    int first;         /* group 0: hands its models over */
    int status;
} DecJob;

/* §8.1: the group's tree and tables, its raw bits and its rANS stream. */
typedef struct TreeInput {
    LlTree *tree;
    LlTreeMasks *masks;
    ImzRansTable *tab;
} TreeInput;

static int start_tree(ImzContext *ctx, LlCoder *c, const LlGroup *g, TreeInput *in)
{
    ImzReader r;
    imz_reader_init(&r, g->data, g->len);
    LlTokenHead head;
    if (imz_ll_get_token_head(&r, &head))
        return IMZ_ERR_TRUNCATED;
    in->tree = imz_malloc(ctx, sizeof(LlTree));
    if (!in->tree)
        return IMZ_ERR_NOMEM;
    ImzBacDec d;
    ImzBacCell cells[LL_TREE_CELLS];
    imz_bac_dec_init(&d, head.tables, head.tables_len);
    int st = imz_ll_tree_get(&d, cells, in->tree);
    if (st)
        return st;
    in->tab = imz_malloc_array(ctx, (size_t)in->tree->n_leaves, sizeof(ImzRansTable));
    in->masks = imz_malloc(ctx, sizeof(LlTreeMasks));
    if (!in->tab || !in->masks)
        return IMZ_ERR_NOMEM;
    imz_ll_tree_masks(in->tree, in->masks);
    st = imz_ll_get_tables(&d, in->tree->n_leaves, in->tab);
    if (st)
        return st;
    c->tree = in->tree;
    c->masks = in->masks;
    c->tab = in->tab;
    imz_bitr_init(&c->rr, head.raw, head.raw_len);
    imz_rans_dec_init(&c->rd, r.p, imz_reader_left(&r));
    return IMZ_OK;
}

static void decode_group(void *arg)
{
    DecJob *j = arg;
    LlCoder c;
    LlLayout lay;
    TreeInput tin = {NULL, NULL, NULL};
    imz_ll_layout(j->si, (int)j->img->width, &lay);
    int st = imz_ll_coder_init(j->ctx, &c, &lay);
    if (st)
        goto done;
    if (j->warm && !j->first && !imz_ll_warm_take(j->warm, &c))
        st = IMZ_ERR_CORRUPT; /* group 0 failed first and reports why */
    if (!st && j->si->tree)
        st = start_tree(j->ctx, &c, &j->g, &tin);
    else
        imz_bac_dec_init(&c.dec, j->g.data, j->g.len);
    for (uint32_t y = j->g.y0; y < j->g.y1 && !st; y++) {
        imz_ll_next_row(&c);
        st = imz_ll_decode_row(&c);
        if (!st)
            st = imz_ll_unmap_row(&c, j->si, j->img, y);
        /* Far past the end only zeros come in: stop early rather than decode garbage. */
        if (!st && (c.dec.overrun > 8 || c.rd.overrun + c.rr.pad > 8))
            st = IMZ_ERR_TRUNCATED;
        if (!st && j->warm && j->first)
            imz_ll_warm_give(j->warm, &c, y + 1 - j->g.y0);
    }
    if (!st && c.dec.overrun)
        st = IMZ_ERR_TRUNCATED;
    if (!st && j->si->tree && (imz_bitr_overrun(&c.rr) || !imz_rans_dec_done(&c.rd)))
        st = IMZ_ERR_CORRUPT;
    imz_ll_coder_free(j->ctx, &c);
done:
    imz_mem_free(j->ctx, tin.tree);
    imz_mem_free(j->ctx, tin.tab);
    imz_mem_free(j->ctx, tin.masks);
    if (j->warm && j->first)
        imz_latch_open(&j->warm->ready, 0);
    j->status = st;
}

static int32_t get_zigzag(ImzReader *r)
{
    uint64_t u = imz_read_varint(r);
    if (u > 0xffffffffu) {
        r->overflow = 1;
        return 0;
    }
    return (u & 1) ? -(int32_t)((u + 1) >> 1) : (int32_t)(u >> 1);
}

/* Reads the used-value table of channel c (§3.2) and builds its rank -> value map. */
static int read_value_table(ImzContext *ctx, ImzReader *r, LlStreamInfo *si, int c, int32_t maxval)
{
    uint64_t span = imz_read_varint(r), used = imz_read_varint(r) + 1, len = imz_read_varint(r);
    if (r->overflow)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: value table truncated");
    if (span > (uint64_t)(maxval - si->ch_min[c]) || used > span + 1 ||
        (span == 0) != (used == 1) || len > imz_reader_left(r))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: bad value table of channel %d", c);
    const uint8_t *bits = imz_read_bytes(r, (size_t)len);
    uint16_t *tv = imz_malloc_array(ctx, (size_t)used, sizeof(uint16_t));
    if (!tv)
        return IMZ_ERR_NOMEM;
    si->to_value[c] = tv;
    int32_t first = si->ch_min[c], last = first + (int32_t)span;
    uint32_t n = 0;
    tv[n++] = (uint16_t)first;
    ImzBacDec d;
    imz_bac_dec_init(&d, bits, (size_t)len);
    ImzBacCell cell[4];
    for (int i = 0; i < 4; i++)
        imz_bac_cell_init(&cell[i]);
    int h = 3;
    for (int32_t v = first + 1; v < last; v++) {
        int b = imz_bac_get(&d, &cell[h]);
        h = ((h << 1) | b) & 3;
        if (b) {
            if (n + 1 >= used)
                return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: value table overfull");
            tv[n++] = (uint16_t)v;
        }
    }
    if (span > 0)
        tv[n++] = (uint16_t)last;
    if (n != used || d.overrun)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: value table of channel %d", c);
    si->ch_max[c] = (int32_t)used - 1;
    return IMZ_OK;
}

static int decode_stream(ImzContext *ctx, const uint8_t *params, size_t n_params,
                         const uint8_t *payload, size_t n_payload, ImzImage *out, LlStreamInfo *si)
{
    (void)params;
    if (n_params != 0)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: unexpected parameter bytes");
    ImzReader r;
    imz_reader_init(&r, payload, n_payload);
    unsigned version = imz_read_u8(&r);
    unsigned mode = imz_read_u8(&r);
    if (r.overflow)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "lossless: stream header truncated");
    if (version != LL_FORMAT_VERSION)
        return imz_fail(ctx, IMZ_ERR_UNSUPPORTED, "lossless: format version %u", version);
    if (mode == LL_PROFILE_PALETTE)
        return imz_ll_pal_decode(ctx, &r, out);
    if (mode == LL_MODE_FAST)
        return imz_ll_fast_decode(ctx, &r, out);
    si->channels = out->channels;
    si->depth = out->bit_depth;
    si->profile = (int)(mode & 3);
    si->rct = (int)((mode >> 2) & 7);
    si->heavy = (int)((mode >> 5) & 1);
    si->wide = (int)((mode >> 6) & 1);
    si->tree = (int)(mode >> 7);
    if (si->profile >= LL_N_PROFILES || si->rct >= LL_N_RCT || (si->channels < 3 && si->rct) ||
        (si->heavy && si->profile != LL_PROFILE_NORMAL) || (si->wide && !si->heavy) ||
        (si->tree && (si->profile != LL_PROFILE_NORMAL || si->heavy)))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: bad mode byte 0x%02x", mode);
    imz_ll_plane_setup(si);
    int32_t maxval = (int32_t)((1u << si->depth) - 1);
    for (int c = 0; c < si->channels; c++) {
        uint64_t mn = imz_read_varint(&r), step = imz_read_varint(&r);
        if (r.overflow)
            break;
        if (mn > (uint64_t)maxval || step > (uint64_t)maxval + 1)
            return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: bad range of channel %d", c);
        si->ch_min[c] = (int32_t)mn;
        si->ch_step[c] = (int32_t)step;
        if (step == 0) {
            int st = read_value_table(ctx, &r, si, c, maxval);
            if (st)
                return st;
        } else {
            si->ch_max[c] = (maxval - si->ch_min[c]) / si->ch_step[c];
        }
    }
    for (int p = 0; p < si->n_planes && !r.overflow; p++) {
        int32_t lo = get_zigzag(&r), span = get_zigzag(&r);
        /* Transformed planes of 16-bit samples stay within +-2^17. */
        if (lo < -(1 << 17) || lo > (1 << 17) || span < 0 || span > (1 << 18) ||
            lo + span > (1 << 17))
            return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: bad range of plane %d", p);
        si->lo[p] = lo;
        si->hi[p] = lo + span;
    }
    uint64_t warm = imz_read_varint(&r);
    LlGroup groups[LL_MAX_GROUPS];
    int ng = 0;
    int st = imz_ll_get_groups(ctx, &r, out->height, groups, &ng);
    if (st)
        return st;
    if (warm && (ng == 1 || warm > groups[0].y1))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "lossless: warm start after %llu rows",
                        (unsigned long long)warm);
    LlWarmStart ws;
    DecJob *jobs = imz_calloc(ctx, (size_t)ng, sizeof(DecJob));
    st = imz_ll_warm_init(ctx, &ws, (uint32_t)warm, si->n_planes, si->heavy);
    if (!jobs || st) {
        imz_ll_warm_free(ctx, &ws);
        imz_mem_free(ctx, jobs);
        return IMZ_ERR_NOMEM;
    }
    for (int g = 0; g < ng; g++) {
        jobs[g].ctx = ctx;
        jobs[g].img = out;
        jobs[g].si = si;
        jobs[g].g = groups[g];
        jobs[g].warm = warm ? &ws : NULL;
        jobs[g].first = g == 0;
    }
    imz_parallel_run(ctx, jobs, sizeof *jobs, ng, decode_group);
    imz_ll_warm_free(ctx, &ws);
    for (int g = 0; g < ng && !st; g++)
        st = jobs[g].status;
    imz_mem_free(ctx, jobs);
    if (st == IMZ_ERR_CORRUPT)
        return imz_fail(ctx, st, "lossless: corrupt residual data");
    if (st == IMZ_ERR_TRUNCATED)
        return imz_fail(ctx, st, "lossless: residual data truncated");
    if (st)
        return imz_fail(ctx, st, "lossless: decoding failed");
    return IMZ_OK;
}

int imz_ll_decode(ImzContext *ctx, const uint8_t *params, size_t n_params, const uint8_t *payload,
                  size_t n_payload, ImzImage *out)
{
    if ((uint64_t)out->width * (uint64_t)out->channels > LL_MAX_ROW_SAMPLES)
        return imz_fail(
            ctx, IMZ_ERR_LIMIT, "lossless: rows of %llu samples are over the limit of %u",
            (unsigned long long)out->width * (unsigned long long)out->channels, LL_MAX_ROW_SAMPLES);
    LlStreamInfo si;
    memset(&si, 0, sizeof si);
    int st = decode_stream(ctx, params, n_params, payload, n_payload, out, &si);
    for (int c = 0; c < 4; c++)
        imz_mem_free(ctx, si.to_value[c]);
    return st;
}
