// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Encoder of the `lossless` codec (docs/format/lossless.md): analyses the image (per-channel range
// and step, choice of colour transform), writes the stream header, then codes each group of rows
// with the shared model of ll_model.c, in parallel when the context allows threads.

#include <string.h>

#include "codec/lossless/ll.h"
#include "codec/lossless/ll_fast.h"
#include "common/intops.h"
#include "common/parallel.h"
#include "container/codec.h"

static int effort_profile(int effort)
{
    return effort <= 2 ? LL_PROFILE_FAST : LL_PROFILE_NORMAL;
}

static uint32_t gcd_u32(uint32_t a, uint32_t b)
{
    while (b) {
        uint32_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Estimated cost of channel c (median-edge-detector residual bit lengths on every fourth row),
 * with samples mapped through rank[] or, if rank is NULL, as they are. */
static uint64_t channel_cost(const ImzImage *img, int c, const uint16_t *rank)
{
    int ch = img->channels;
    size_t w = img->width;
    uint64_t cost = 0;
    for (uint32_t y = 1; y < img->height; y += 4) {
        const uint16_t *cur = img->data + (size_t)y * w * ch + c, *up = cur - w * ch;
        for (size_t x = 1; x < w; x++) {
            int32_t N = up[x * ch], W = cur[(x - 1) * ch], NW = up[(x - 1) * ch], v = cur[x * ch];
            if (rank)
                N = rank[N], W = rank[W], NW = rank[NW], v = rank[v];
            int32_t mx = imax(N, W), mn = imin(N, W), g = N + W - NW;
            uint32_t a = (uint32_t)iabs(v - (g > mx ? mx : g < mn ? mn : g));
            cost += a ? (uint64_t)ulog2(a) * 2 + 2 : 1;
        }
    }
    return cost;
}

/* Per-channel minimum and step (§3.2): samples become (s - min) / step, or their rank among the
 * values that occur when under 90% of the range is used, the image is large enough for the table
 * of used values to pay for itself, and ranks are estimated to code smaller. */
static int analyse_channels(ImzContext *ctx, const ImzImage *img, LlStreamInfo *si)
{
    int ch = img->channels;
    size_t n = (size_t)img->width * img->height;
    for (int c = 0; c < ch; c++) {
        uint32_t mn = 0xffff, mx = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t s = img->data[i * ch + c];
            mn = s < mn ? s : mn;
            mx = s > mx ? s : mx;
        }
        uint32_t g = 0;
        for (size_t i = 0; i < n && g != 1; i++)
            g = gcd_u32(img->data[i * ch + c] - mn, g);
        si->ch_min[c] = (int32_t)mn;
        si->ch_step[c] = g ? (int32_t)g : 1;
        si->ch_max[c] = (int32_t)((mx - mn) / (g ? g : 1));
        uint32_t range = mx - mn + 1;
        if (g > 1 || (uint64_t)range * 64 >= n)
            continue;
        uint16_t *rank = imz_calloc(ctx, 65536, sizeof(uint16_t));
        if (!rank)
            return IMZ_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            rank[img->data[i * ch + c]] = 1;
        uint32_t used = 0;
        for (uint32_t v = mn; v <= mx; v++)
            rank[v] = rank[v] ? (uint16_t)used++ : 0;
        if (used * 10 < range * 9 && channel_cost(img, c, rank) < channel_cost(img, c, NULL)) {
            si->to_rank[c] = rank;
            si->ch_step[c] = 0;
            si->ch_max[c] = (int32_t)used - 1;
        } else {
            imz_mem_free(ctx, rank);
        }
    }
    return IMZ_OK;
}

/* The set of used values of a table-mode channel, as an adaptive bitmap over (min, max). */
static void put_value_table(ImzContext *ctx, ImzBuf *payload, const uint16_t *rank, int32_t first,
                            int32_t used)
{
    int32_t last = first;
    for (int32_t v = 65535; v > first; v--)
        if (rank[v]) {
            last = v;
            break;
        }
    ImzBuf bits;
    imz_buf_init(&bits, ctx);
    ImzBacEnc e;
    imz_bac_enc_init(&e, &bits);
    ImzBacCell cell[4];
    for (int i = 0; i < 4; i++)
        imz_bac_cell_init(&cell[i]);
    int h = 3;
    for (int32_t v = first + 1; v < last; v++) {
        int b = rank[v] != 0;
        imz_bac_put(&e, &cell[h], b);
        h = ((h << 1) | b) & 3;
    }
    imz_bac_enc_finish(&e);
    imz_buf_put_varint(payload, (uint64_t)(last - first));
    imz_buf_put_varint(payload, (uint64_t)used - 1);
    imz_buf_put_varint(payload, bits.len);
    imz_buf_append(payload, bits.data, bits.len);
    if (bits.status)
        payload->status = bits.status;
    imz_buf_free(&bits);
}

/* A cheap cost estimate of coding the colour planes after transform `rct`: the sum of the bit
 * lengths of gradient-predictor residuals on every fourth row. */
static uint64_t rct_cost(const ImzImage *img, const LlStreamInfo *si, int rct, int32_t *rows)
{
    int w = (int)img->width, np = si->n_planes, p0 = np - 3;
    uint64_t cost = 0;
    int32_t *prev = rows, *cur = rows + (size_t)4 * w;
    for (uint32_t y = 1; y < img->height; y += 4) {
        imz_ll_map_row(img, si, y - 1, rct, prev);
        imz_ll_map_row(img, si, y, rct, cur);
        for (int x = 1; x < w; x++)
            for (int p = p0; p < np; p++) {
                int32_t N = prev[x * np + p], W = cur[(x - 1) * np + p];
                int32_t NW = prev[(x - 1) * np + p];
                int32_t mx = imax(N, W), mn = imin(N, W), g = N + W - NW;
                int32_t pr = g > mx ? mx : g < mn ? mn : g;
                uint32_t a = (uint32_t)iabs(cur[x * np + p] - pr);
                cost += a ? (uint64_t)ulog2(a) * 2 + 2 : 1;
            }
    }
    return cost;
}

typedef struct RctJob {
    const ImzImage *img;
    const LlStreamInfo *si;
    int rct;
    int32_t *rows;
    uint64_t cost;
} RctJob;

static void rct_job(void *arg)
{
    RctJob *j = arg;
    j->cost = rct_cost(j->img, j->si, j->rct, j->rows);
}

/* The transform of least estimated cost (a tie goes to the lower id); the estimates run on the
 * context's threads, one transform each. */
static int choose_rct(ImzContext *ctx, const ImzImage *img, const LlStreamInfo *si)
{
    const size_t per_job = (size_t)img->width * 8;
    int32_t *rows = imz_malloc_array(ctx, per_job * LL_N_RCT, sizeof(int32_t));
    if (!rows)
        return -1;
    RctJob jobs[LL_N_RCT];
    for (int r = 0; r < LL_N_RCT; r++)
        jobs[r] = (RctJob){img, si, r, rows + per_job * (size_t)r, 0};
    imz_parallel_run(ctx, jobs, sizeof *jobs, LL_N_RCT, rct_job);
    int best = LL_RCT_NONE;
    for (int r = 0; r < LL_N_RCT; r++)
        if (jobs[r].cost < jobs[best].cost)
            best = r;
    imz_mem_free(ctx, rows);
    return best;
}

/* Number of pixels equal to their left neighbour in every channel. */
static uint64_t flat_share(const ImzImage *img)
{
    int ch = img->channels;
    uint64_t n = 0;
    for (uint32_t y = 0; y < img->height; y++) {
        const uint16_t *row = img->data + (size_t)y * img->width * ch;
        for (uint32_t x = 1; x < img->width; x++)
            n += !memcmp(row + (size_t)x * ch, row + (size_t)(x - 1) * ch, (size_t)ch * 2);
    }
    return n;
}

typedef struct RangeJob {
    const ImzImage *img;
    const LlStreamInfo *si;
    uint32_t y0, y1;
    int32_t *row;
    int32_t lo[4], hi[4];
} RangeJob;

static void range_job(void *arg)
{
    RangeJob *j = arg;
    const int np = j->si->n_planes, w = (int)j->img->width;
    for (int p = 0; p < np; p++) {
        j->lo[p] = INT32_MAX;
        j->hi[p] = INT32_MIN;
    }
    for (uint32_t y = j->y0; y < j->y1; y++) {
        imz_ll_map_row(j->img, j->si, y, j->si->rct, j->row);
        for (int x = 0; x < w; x++)
            for (int p = 0; p < np; p++) {
                int32_t v = j->row[x * np + p];
                j->lo[p] = v < j->lo[p] ? v : j->lo[p];
                j->hi[p] = v > j->hi[p] ? v : j->hi[p];
            }
    }
}

/* Exact plane ranges after the transform (§3.3), over bands of rows on the context's threads. */
static int plane_ranges(ImzContext *ctx, const ImzImage *img, LlStreamInfo *si)
{
    enum { MAX_BANDS = 8 };
    int n = imin(imin(imz_thread_count(ctx), MAX_BANDS), (int)img->height);
    const size_t row_len = (size_t)img->width * 4;
    int32_t *rows = imz_malloc_array(ctx, row_len * (size_t)n, sizeof(int32_t));
    if (!rows)
        return IMZ_ERR_NOMEM;
    RangeJob jobs[MAX_BANDS];
    for (int i = 0; i < n; i++) {
        jobs[i].img = img;
        jobs[i].si = si;
        jobs[i].y0 = (uint32_t)((uint64_t)img->height * (uint64_t)i / (uint64_t)n);
        jobs[i].y1 = (uint32_t)((uint64_t)img->height * (uint64_t)(i + 1) / (uint64_t)n);
        jobs[i].row = rows + row_len * (size_t)i;
    }
    imz_parallel_run(ctx, jobs, sizeof *jobs, n, range_job);
    for (int p = 0; p < si->n_planes; p++) {
        si->lo[p] = jobs[0].lo[p];
        si->hi[p] = jobs[0].hi[p];
        for (int i = 1; i < n; i++) {
            si->lo[p] = imin(si->lo[p], jobs[i].lo[p]);
            si->hi[p] = imax(si->hi[p], jobs[i].hi[p]);
        }
    }
    imz_mem_free(ctx, rows);
    return IMZ_OK;
}

typedef struct EncJob {
    ImzContext *ctx;
    const ImzImage *img;
    const LlStreamInfo *si;
    uint32_t y0, y1;
    LlWarmStart *warm; /* NULL: fresh models */
    int first;         /* group 0: hands its models over */
    ImzBuf out;
    int status;
} EncJob;

/* Codes rows [y0, y1) of the job's image with coder c; group 0 hands its models over when
 * `give` is set. */
static void code_rows(EncJob *j, LlCoder *c, int32_t *row, uint32_t y0, uint32_t y1, int give)
{
    int np = j->si->n_planes, w = (int)j->img->width;
    for (uint32_t y = y0; y < y1; y++) {
        imz_ll_next_row(c);
        imz_ll_map_row(j->img, j->si, y, j->si->rct, row);
        for (int p = 0; p < np; p++) {
            int32_t *dst = c->plane[p].v[0] + LL_PAD;
            for (int x = 0; x < w; x++)
                dst[x] = row[x * np + p];
        }
        imz_ll_encode_row(c);
        if (give)
            imz_ll_warm_give(j->warm, c, y + 1 - j->y0);
    }
}

/* A fresh coder for the job, with group 0's models if the job takes them. */
static int start_coder(EncJob *j, LlCoder *c)
{
    LlLayout lay;
    imz_ll_layout(j->si, (int)j->img->width, &lay);
    int st = imz_ll_coder_init(j->ctx, c, &lay);
    if (st)
        return st;
    if (j->warm && !j->first && !imz_ll_warm_take(j->warm, c)) {
        imz_ll_coder_free(j->ctx, c);
        return IMZ_ERR_NOMEM; /* only memory can fail group 0, which reports it first */
    }
    return IMZ_OK;
}

/* §8.1: a first pass over the group collects the features and tokens of every learn_every-th
 * row and learns the tree from them; a second pass codes every sample's token under the tree's
 * contexts, then the group's bytes are the tree and tables, the raw bits and the rANS stream. */
static int encode_tree_group(EncJob *j, LlCoder *c, int32_t *row)
{
    ImzContext *ctx = j->ctx;
    const size_t w = j->img->width, np = (size_t)j->si->n_planes, rows = j->y1 - j->y0;
    size_t n = 0, rans_cap = 0;
    if (!imz_mul_size(rows * w, np, &n) || !imz_mul_size(n, 2, &rans_cap) ||
        !imz_add_size(rans_cap, 8, &rans_cap))
        return IMZ_ERR_LIMIT;
    /* the group's share of the image's learning budget: with more groups, each learns from
     * fewer samples, so that threads share the learning as they share the coding */
    size_t learn = (size_t)((uint64_t)j->si->tree_learn * rows / j->img->height);
    learn = learn > 4096 ? learn : 4096;
    uint32_t every = (uint32_t)((n + learn - 1) / learn);
    every = every ? every : 1;
    /* and within the rows taken, every stride-th sample, for rows longer than the budget */
    const size_t taken = ((rows + every - 1) / every) * w * np;
    const size_t stride = (taken + learn - 1) / learn;
    const size_t cap = taken / stride + 1;
    LlTree *tree = imz_malloc(ctx, sizeof *tree);
    c->learn_feat = imz_malloc_array(ctx, cap, LL_TREE_NFEAT);
    c->learn_tok = imz_malloc(ctx, cap);
    int st = !tree || !c->learn_feat || !c->learn_tok ? IMZ_ERR_NOMEM : IMZ_OK;
    if (!st) {
        c->learn_every = every;
        c->learn_stride = stride;
        code_rows(j, c, row, j->y0, j->y1, j->warm && j->first);
        st = imz_ll_tree_learn(ctx, tree, c->learn_feat, c->learn_tok, c->learn_n,
                               c->learn_n ? (double)n / (double)c->learn_n : 1.0);
    }
    imz_mem_free(ctx, c->learn_feat);
    imz_mem_free(ctx, c->learn_tok);
    imz_ll_coder_free(ctx, c);
    if (!st)
        st = start_coder(j, c);
    if (st) {
        imz_mem_free(ctx, tree);
        return st;
    }
    const int n_ctx = tree->n_leaves;
    ImzBuf head, raw;
    imz_buf_init(&head, ctx);
    imz_buf_init(&raw, ctx);
    uint8_t *rans = imz_malloc(ctx, rans_cap);
    ImzRansSym(*sym)[LL_NTOK] = imz_malloc_array(ctx, (size_t)n_ctx, sizeof *sym);
    ImzRansEncSym *esym = imz_malloc_array(ctx, (size_t)n_ctx * LL_NTOK, sizeof *esym);
    LlTreeMasks *masks = imz_malloc(ctx, sizeof *masks);
    if (masks)
        imz_ll_tree_masks(tree, masks);
    c->tree = tree;
    c->masks = masks;
    c->sym = imz_malloc_array(ctx, n ? n : 1, sizeof(uint16_t));
    c->counts = imz_calloc(ctx, (size_t)n_ctx * LL_NTOK, sizeof(uint32_t));
    if (!rans || !sym || !esym || !masks || !c->sym || !c->counts)
        st = IMZ_ERR_NOMEM;
    if (!st) {
        /* a row's raw bits: at most LL_RAW_MAX per sample, plus the 8-byte store of ll_raw_put */
        const size_t row_room = w * np * LL_RAW_MAX / 8 + 16;
        for (uint32_t y = j->y0; y < j->y1 && !st; y++) {
            uint8_t *room = imz_buf_reserve(&raw, row_room);
            if (!room) {
                st = IMZ_ERR_NOMEM;
                break;
            }
            c->raw.p = room;
            code_rows(j, c, row, y, y + 1, 0);
            raw.len += (size_t)(c->raw.p - room);
        }
        ll_raw_finish(&c->raw, &raw);
    }
    if (!st) {
        ImzBacEnc e;
        ImzBacCell cells[LL_TREE_CELLS];
        imz_bac_enc_init(&e, &head);
        imz_ll_tree_put(&e, cells, tree);
        imz_ll_put_tables(&e, c->counts, n_ctx, sym);
        imz_bac_enc_finish(&e);
        for (int k = 0; k < n_ctx; k++)
            for (int t = 0; t < LL_NTOK; t++)
                imz_rans_enc_sym_init(&esym[k * LL_NTOK + t], sym[k][t]);
        ImzRansEnc re;
        imz_rans_enc_init(&re, rans, rans + rans_cap);
        /* n_sym, not n: a constant plane codes no tokens */
        for (size_t i = c->n_sym; i-- > 0;)
            imz_rans_enc_put(&re, &esym[c->sym[i]]);
        imz_rans_enc_flush(&re);
        imz_ll_put_token_head(&j->out, &head, &raw);
        imz_buf_append(&j->out, re.pos, (size_t)(rans + rans_cap - re.pos));
        st = head.status ? head.status : raw.status ? raw.status : j->out.status;
    }
    imz_buf_free(&head);
    imz_buf_free(&raw);
    imz_mem_free(ctx, rans);
    imz_mem_free(ctx, sym);
    imz_mem_free(ctx, esym);
    imz_mem_free(ctx, c->sym);
    imz_mem_free(ctx, c->counts);
    imz_mem_free(ctx, tree);
    imz_mem_free(ctx, masks);
    return st;
}

static void encode_group(void *arg)
{
    EncJob *j = arg;
    LlCoder c;
    int32_t *row = imz_malloc_array(j->ctx, (size_t)j->img->width * 4, sizeof(int32_t));
    j->status = row ? start_coder(j, &c) : IMZ_ERR_NOMEM;
    if (!j->status) {
        if (j->si->tree) {
            j->status = encode_tree_group(j, &c, row);
        } else {
            imz_bac_enc_init(&c.enc, &j->out);
            code_rows(j, &c, row, j->y0, j->y1, j->warm && j->first);
            imz_bac_enc_finish(&c.enc);
            j->status = j->out.status;
        }
        imz_ll_coder_free(j->ctx, &c);
    }
    imz_mem_free(j->ctx, row);
    if (j->warm && j->first)
        imz_latch_open(&j->warm->ready, 0);
}

static void put_zigzag(ImzBuf *b, int32_t v)
{
    imz_buf_put_varint(b, v < 0 ? ((uint64_t)(-(int64_t)v) << 1) - 1 : (uint64_t)v << 1);
}

static int encode_stream(ImzContext *ctx, const ImzImage *img, int effort, LlStreamInfo *si,
                         ImzBuf *payload)
{
    si->channels = img->channels;
    si->depth = img->bit_depth;
    si->profile = effort_profile(effort);
    si->heavy = 0;
    si->wide = 0;
    si->tree = 0;
    int ast = analyse_channels(ctx, img, si);
    if (ast)
        return ast;
    si->rct = LL_RCT_NONE;
    imz_ll_plane_setup(si);
    if (img->channels >= 3) {
        int r = choose_rct(ctx, img, si);
        if (r < 0)
            return IMZ_ERR_NOMEM;
        si->rct = r;
    }
    int st = plane_ranges(ctx, img, si);
    if (st)
        return st;
    /* Efforts 3-6 code profile 1 with tree contexts (§8.1), learnt from about 2^17, 2^18, 2^19
     * and 2^22 samples: on eight Kodak images more samples give smaller streams (0.18% from 2^17
     * to 2^18, 0.09% from there to 2^19, 0.06% more to every sample) for longer encoding (4%, 9%
     * and 74% more). */
    const int tree_effort = effort >= 3 && effort < LL_HEAVY_EFFORT;
    si->tree_learn = 1u << (effort <= 3 ? 17 : effort == 4 ? 18 : effort == 5 ? 19 : 22);
    if (effort >= 3 && flat_share(img) * 2 > (uint64_t)img->width * img->height) {
        /* Synthetic content (most pixels repeat their left neighbour): the plain median
         * predictor of profile 0 often beats the blend, so try both on the whole image. */
        size_t len[2] = {SIZE_MAX, SIZE_MAX};
        for (int prof = 0; prof < 2; prof++) {
            si->profile = prof;
            si->tree = prof == LL_PROFILE_NORMAL && tree_effort;
            EncJob j = {ctx, img, si, 0, img->height, NULL, 0, {0}, 0};
            imz_buf_init(&j.out, ctx);
            encode_group(&j);
            st = j.status;
            len[prof] = j.out.len;
            imz_buf_free(&j.out);
            if (st)
                return st;
        }
        si->profile = len[0] < len[1] ? LL_PROFILE_FAST : LL_PROFILE_NORMAL;
    }
    /* The heavy model (least-squares sub-predictor, models D and F) costs about twice the time. */
    if (si->profile == LL_PROFILE_NORMAL && effort >= LL_HEAVY_EFFORT)
        si->heavy = 1;
    si->tree = si->profile == LL_PROFILE_NORMAL && tree_effort;
    /* The wider local window pays on large images only: the six 16-bit scans and photos of 1-5
     * megapixels in gray16 gain 0.03-0.17% from it, eight 0.4-megapixel Kodak photos lose 0.07%
     * and the 512x512 scans up to 0.28% (§7). */
    if (si->heavy && (uint64_t)img->width * img->height >= LL_WIDE_PIXELS)
        si->wide = 1;
    if (effort >= 8 && img->channels >= 3) {
        /* Efforts 8 and 9 try every transform on the middle quarter of the rows with the lighter
         * model, to bound the time (on Kodak a third chose as well, for a third more of the
         * trials' time); the trials run on the context's threads. On Kodak they save 0.28% over
         * the estimate that effort 7 keeps, for a third more encoding time. */
        uint32_t h = img->height, part = 4;
        uint32_t y0 = (h - h / part) / 2, y1 = y0 + imax(1, (int)(h / part));
        int best_rct = si->rct, heavy = si->heavy;
        si->heavy = 0;
        LlStreamInfo trial[LL_N_RCT];
        EncJob tj[LL_N_RCT];
        for (int r = 0; r < LL_N_RCT; r++) {
            trial[r] = *si; /* shares the value tables, which the trials only read */
            trial[r].rct = r;
            st = plane_ranges(ctx, img, &trial[r]);
            if (st)
                return st;
        }
        for (int r = 0; r < LL_N_RCT; r++) {
            tj[r] = (EncJob){ctx, img, &trial[r], y0, y1, NULL, 0, {0}, 0};
            imz_buf_init(&tj[r].out, ctx);
        }
        imz_parallel_run(ctx, tj, sizeof *tj, LL_N_RCT, encode_group);
        size_t best = SIZE_MAX;
        for (int r = 0; r < LL_N_RCT; r++) {
            if (!st)
                st = tj[r].status;
            if (tj[r].out.len < best) {
                best = tj[r].out.len;
                best_rct = r;
            }
            imz_buf_free(&tj[r].out);
        }
        if (st)
            return st;
        si->rct = best_rct;
        si->heavy = heavy;
        memcpy(si->lo, trial[best_rct].lo, sizeof si->lo);
        memcpy(si->hi, trial[best_rct].hi, sizeof si->hi);
    }

    /* Groups of rows (§3.4): one per thread, each at least 16 rows; the first group codes
     * LL_WARM_ROWS more rows, after which the others start from its models. */
    LlGroup groups[LL_MAX_GROUPS];
    uint32_t warm = LL_WARM_ROWS;
    int n_groups = imz_ll_plan_groups(img->height, imz_thread_count(ctx), &warm, groups);
    LlWarmStart ws;
    EncJob *jobs = imz_calloc(ctx, (size_t)n_groups, sizeof(EncJob));
    st = imz_ll_warm_init(ctx, &ws, warm, si->n_planes, si->heavy);
    if (!jobs || st) {
        imz_ll_warm_free(ctx, &ws);
        imz_mem_free(ctx, jobs);
        return IMZ_ERR_NOMEM;
    }
    for (int g = 0; g < n_groups; g++) {
        jobs[g].ctx = ctx;
        jobs[g].img = img;
        jobs[g].si = si;
        jobs[g].y0 = groups[g].y0;
        jobs[g].y1 = groups[g].y1;
        jobs[g].warm = warm ? &ws : NULL;
        jobs[g].first = g == 0;
        imz_buf_init(&jobs[g].out, ctx);
    }
    imz_parallel_run(ctx, jobs, sizeof *jobs, n_groups, encode_group);
    imz_ll_warm_free(ctx, &ws);

    for (int g = 0; g < n_groups && !st; g++)
        st = jobs[g].status;
    if (!st) {
        imz_buf_put_u8(payload, LL_FORMAT_VERSION);
        imz_buf_put_u8(payload, (unsigned)(si->profile | si->rct << 2 | si->heavy << 5 |
                                           si->wide << 6 | si->tree << 7));
        for (int c = 0; c < img->channels; c++) {
            imz_buf_put_varint(payload, (uint64_t)si->ch_min[c]);
            imz_buf_put_varint(payload, (uint64_t)si->ch_step[c]);
            if (si->to_rank[c])
                put_value_table(ctx, payload, si->to_rank[c], si->ch_min[c], si->ch_max[c] + 1);
        }
        for (int p = 0; p < si->n_planes; p++) {
            put_zigzag(payload, si->lo[p]);
            put_zigzag(payload, si->hi[p] - si->lo[p]);
        }
        for (int g = 0; g < n_groups; g++)
            groups[g].len = jobs[g].out.len;
        imz_buf_put_varint(payload, warm);
        imz_ll_put_groups(payload, groups, n_groups);
        for (int g = 0; g < n_groups; g++)
            imz_buf_append(payload, jobs[g].out.data, jobs[g].out.len);
        st = payload->status;
    }
    for (int g = 0; g < n_groups; g++)
        imz_buf_free(&jobs[g].out);
    imz_mem_free(ctx, jobs);
    if (st == IMZ_ERR_NOMEM)
        return imz_fail(ctx, st, "out of memory while encoding");
    return st;
}

/* The image without the palette profile: the fast profile (§12) at effort 1, else §3-§10. */
static int encode_image(ImzContext *ctx, const ImzImage *img, int effort, ImzBuf *payload)
{
    if (effort <= 1) {
        imz_buf_put_u8(payload, LL_FORMAT_VERSION);
        imz_buf_put_u8(payload, LL_MODE_FAST);
        return imz_ll_fast_encode(ctx, img, payload);
    }
    LlStreamInfo si;
    memset(&si, 0, sizeof si);
    int st = encode_stream(ctx, img, effort, &si, payload);
    for (int c = 0; c < 4; c++)
        imz_mem_free(ctx, si.to_rank[c]);
    return st;
}

static int ll_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                     ImzBuf *payload)
{
    (void)params;
    int effort = (int)opt[0];
    if ((uint64_t)img->width * (uint64_t)img->channels > LL_MAX_ROW_SAMPLES)
        return imz_fail(
            ctx, IMZ_ERR_LIMIT, "lossless: rows of %llu samples are over the limit of %u",
            (unsigned long long)img->width * (unsigned long long)img->channels, LL_MAX_ROW_SAMPLES);
    uint32_t n_colours = 0;
    int st = imz_ll_pal_count(ctx, img, LL_PAL_MAX, &n_colours);
    if (st)
        return imz_fail(ctx, st, "lossless: out of memory");
    int try_pal = n_colours <= LL_PAL_MAX;
    /* A few colours, or mostly flat: the palette profile (§11) is the likely winner. */
    int pal_only =
        try_pal && (n_colours <= 256 || flat_share(img) * 2 > (uint64_t)img->width * img->height);
    if (try_pal) {
        ImzBuf pb;
        imz_buf_init(&pb, ctx);
        imz_buf_put_u8(&pb, LL_FORMAT_VERSION);
        imz_buf_put_u8(&pb, LL_PROFILE_PALETTE);
        st = imz_ll_pal_encode(ctx, img, &pb);
        if (!st && (pal_only && effort < 3)) {
            imz_buf_append(payload, pb.data, pb.len);
            imz_buf_free(&pb);
            return payload->status;
        }
        if (st) {
            imz_buf_free(&pb);
            return st == IMZ_ERR_NOMEM ? imz_fail(ctx, st, "lossless: out of memory") : st;
        }
        size_t base = payload->len;
        st = encode_image(ctx, img, effort, payload);
        if (!st && pb.len <= payload->len - base) {
            payload->len = base;
            imz_buf_append(payload, pb.data, pb.len);
            st = payload->status;
        }
        imz_buf_free(&pb);
        if (st == IMZ_ERR_NOMEM)
            return imz_fail(ctx, st, "lossless: out of memory");
        return st;
    }
    st = encode_image(ctx, img, effort, payload);
    if (st == IMZ_ERR_NOMEM)
        return imz_fail(ctx, st, "lossless: out of memory");
    return st;
}

static const ImzOptionInfo ll_options[] = {
    {"effort", "speed/ratio trade-off: 1 fastest, 9 smallest", 1, 9, 5, 1, NULL},
};

const ImzCodec imz_codec_lossless = {
    .id = 16,
    .name = "lossless",
    .summary = "context-modelling lossless coder: blended predictors, tree contexts with rANS "
               "(mixed context models at -e 7..9)",
    .lossless = 1,
    .options = ll_options,
    .n_options = 1,
    .encode = ll_encode,
    .decode = imz_ll_decode,
};
