// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Learning, storing and reading the context trees of the `lossless` codec (§8.1).

#include "codec/lossless/ll_tree.h"

#include <math.h>
#include <string.h>

#include "codec/lossless/ll_tokens.h"
#include "common/intops.h"

/* The cost model of the learner, in bits: a leaf's table costs about TABLE_BITS per token it
 * uses and TABLE_BASE more; a split, SPLIT_BITS for its node. */
#define TABLE_BITS 6.0
#define TABLE_BASE 16.0
#define SPLIT_BITS 24.0
#define MIN_LEAF 256 /* samples (at full scale) of the smaller side of a split, at least */

typedef struct Leaf {
    size_t a, b; /* its samples: idx[a, b) */
    int node;    /* its node in the learner's tree */
    double gain; /* of its best split, in bits; <= 0: none */
    int feat, thr;
} Leaf;

typedef struct Learner {
    const uint8_t *feat, *tok;
    uint32_t *idx;
    uint32_t (*hist)[LL_TREE_NVAL][LL_NTOK]; /* [feature][value][token] */
    float *xlx;                              /* c * log2(c) for c <= n */
    double scale;
    size_t min_leaf;
} Learner;

/* Static cost, in bits at full scale, of the tokens counted in h (total n), with its table. */
static double leaf_cost(const Learner *L, const uint32_t *h, uint32_t n)
{
    double s = 0;
    int used = 0;
    for (int t = 0; t < LL_NTOK; t++) {
        s += L->xlx[h[t]];
        used += h[t] != 0;
    }
    return (L->xlx[n] - s) * L->scale + TABLE_BITS * used + TABLE_BASE;
}

/* Finds the best split of leaf l's samples. */
static void best_split(Learner *L, Leaf *l)
{
    memset(L->hist, 0, sizeof(uint32_t) * LL_TREE_NFEAT * LL_TREE_NVAL * LL_NTOK);
    for (size_t i = l->a; i < l->b; i++) {
        const uint32_t s = L->idx[i];
        const uint8_t *f = L->feat + (size_t)s * LL_TREE_NFEAT;
        const int t = L->tok[s];
        for (int k = 0; k < LL_TREE_NFEAT; k++)
            L->hist[k][f[k]][t]++;
    }
    uint32_t total[LL_NTOK] = {0};
    for (int v = 0; v < LL_TREE_NVAL; v++)
        for (int t = 0; t < LL_NTOK; t++)
            total[t] += L->hist[0][v][t];
    const uint32_t n = (uint32_t)(l->b - l->a);
    const double parent = leaf_cost(L, total, n);
    l->gain = 0;
    for (int k = 0; k < LL_TREE_NFEAT; k++) {
        uint32_t left[LL_NTOK] = {0}, right[LL_NTOK];
        uint32_t nl = 0;
        for (int v = 0; v + 1 < LL_TREE_NVAL; v++) {
            uint32_t add = 0;
            for (int t = 0; t < LL_NTOK; t++) {
                left[t] += L->hist[k][v][t];
                add += L->hist[k][v][t];
            }
            nl += add;
            if (!add)
                continue;
            if (nl < L->min_leaf)
                continue;
            if (n - nl < L->min_leaf)
                break;
            for (int t = 0; t < LL_NTOK; t++)
                right[t] = total[t] - left[t];
            double g = parent - leaf_cost(L, left, nl) - leaf_cost(L, right, n - nl) - SPLIT_BITS;
            if (g > l->gain) {
                l->gain = g;
                l->feat = k;
                l->thr = v;
            }
        }
    }
}

/* Copies the subtree at learner node i into t in depth-first order: a node's two children are
 * placed together when the node is, as imz_ll_tree_get places them. */
static void canonical(const LlTreeNode *src, int i, LlTree *t, int at)
{
    if (src[i].feat == LL_TREE_LEAF) {
        t->node[at] = (LlTreeNode){LL_TREE_LEAF, 0, (uint16_t)t->n_leaves++};
        return;
    }
    int kids = t->n_nodes;
    t->n_nodes += 2;
    t->node[at] = (LlTreeNode){src[i].feat, src[i].thr, (uint16_t)kids};
    canonical(src, src[i].next, t, kids);
    canonical(src, src[i].next + 1, t, kids + 1);
}

/* Grows the tree from the root leaf over all n samples into src, best split first, up to
 * LL_TREE_MAX_LEAVES leaves; `leaf` has room for that many. */
static void grow(Learner *L, Leaf *leaf, LlTreeNode *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        L->idx[i] = (uint32_t)i;
    L->xlx[0] = 0;
    for (size_t c = 1; c <= n; c++)
        L->xlx[c] = (float)((double)c * log2((double)c));
    int n_leaves = 1, n_nodes = 1;
    src[0] = (LlTreeNode){LL_TREE_LEAF, 0, 0};
    leaf[0] = (Leaf){0, n, 0, 0, 0, 0};
    best_split(L, &leaf[0]);
    while (n_leaves < LL_TREE_MAX_LEAVES) {
        int best = -1;
        for (int i = 0; i < n_leaves; i++)
            if (leaf[i].gain > 0 && (best < 0 || leaf[i].gain > leaf[best].gain))
                best = i;
        if (best < 0)
            break;
        Leaf *l = &leaf[best];
        /* partition its samples: feature <= thr first */
        size_t lo = l->a, hi = l->b;
        while (lo < hi) {
            if (L->feat[(size_t)L->idx[lo] * LL_TREE_NFEAT + l->feat] <= l->thr) {
                lo++;
            } else {
                uint32_t s = L->idx[--hi];
                L->idx[hi] = L->idx[lo];
                L->idx[lo] = s;
            }
        }
        src[l->node] = (LlTreeNode){(uint8_t)l->feat, (uint8_t)l->thr, (uint16_t)n_nodes};
        src[n_nodes] = (LlTreeNode){LL_TREE_LEAF, 0, 0};
        src[n_nodes + 1] = (LlTreeNode){LL_TREE_LEAF, 0, 0};
        Leaf right = {lo, l->b, n_nodes + 1, 0, 0, 0};
        *l = (Leaf){l->a, lo, n_nodes, 0, 0, 0};
        leaf[n_leaves] = right;
        n_nodes += 2;
        best_split(L, l);
        best_split(L, &leaf[n_leaves]);
        n_leaves++;
    }
}

int imz_ll_tree_learn(ImzContext *ctx, LlTree *t, const uint8_t *feat, const uint8_t *tok, size_t n,
                      double scale)
{
    Learner L = {feat, tok, NULL, NULL, NULL, scale, 0};
    L.min_leaf = (size_t)ceil(MIN_LEAF / scale);
    if (L.min_leaf < 16)
        L.min_leaf = 16;
    L.idx = imz_malloc_array(ctx, n ? n : 1, sizeof(uint32_t));
    L.hist = imz_malloc(ctx, sizeof(uint32_t) * LL_TREE_NFEAT * LL_TREE_NVAL * LL_NTOK);
    L.xlx = imz_malloc_array(ctx, n + 1, sizeof(float));
    Leaf *leaf = imz_malloc_array(ctx, LL_TREE_MAX_LEAVES, sizeof(Leaf));
    LlTreeNode *src = imz_malloc_array(ctx, 2 * LL_TREE_MAX_LEAVES, sizeof(LlTreeNode));
    const int st = L.idx && L.hist && L.xlx && leaf && src ? IMZ_OK : IMZ_ERR_NOMEM;
    if (!st) {
        grow(&L, leaf, src, n);
        t->n_nodes = 1;
        t->n_leaves = 0;
        canonical(src, 0, t, 0);
    }
    imz_mem_free(ctx, L.idx);
    imz_mem_free(ctx, L.hist);
    imz_mem_free(ctx, L.xlx);
    imz_mem_free(ctx, leaf);
    imz_mem_free(ctx, src);
    return st;
}

/* Clears, for every value that node i's test sends right, the leaves of its left subtree; returns
 * the number of leaves below node i, whose first is `first`. */
static int mask_node(const LlTree *t, int i, int first, LlTreeMasks *mk)
{
    const LlTreeNode *nd = &t->node[i];
    if (nd->feat == LL_TREE_LEAF)
        return 1;
    int left = mask_node(t, nd->next, first, mk);
    int right = mask_node(t, nd->next + 1, first + left, mk);
    for (int v = nd->thr + 1; v < LL_TREE_NVAL; v++)
        for (int l = first; l < first + left; l++)
            mk->m[nd->feat][v][l >> 6] &= ~(1ull << (l & 63));
    return left + right;
}

void imz_ll_tree_masks(const LlTree *t, LlTreeMasks *mk)
{
    memset(mk, 0xff, sizeof *mk);
    mask_node(t, 0, 0, mk);
}

/* cells: [0, 16) split flags by depth, [16, 32) the feature's bits (a binary tree of 4 levels),
 * then per feature the threshold's 5 bits (a binary tree of 32). */
static void put_bits(ImzBacEnc *e, ImzBacCell *cells, unsigned v, int nbits)
{
    unsigned node = 1;
    for (int i = nbits - 1; i >= 0; i--) {
        int b = (v >> i) & 1;
        imz_bac_put(e, &cells[node], b);
        node = node * 2 + (unsigned)b;
    }
}

static unsigned get_bits(ImzBacDec *d, ImzBacCell *cells, int nbits)
{
    unsigned node = 1;
    for (int i = 0; i < nbits; i++)
        node = node * 2 + (unsigned)imz_bac_get(d, &cells[node]);
    return node - (1u << nbits);
}

static void put_node(ImzBacEnc *e, ImzBacCell *cells, const LlTree *t, int i, int depth)
{
    const LlTreeNode *nd = &t->node[i];
    int split = nd->feat != LL_TREE_LEAF;
    imz_bac_put(e, &cells[imin(depth, 15)], split);
    if (!split)
        return;
    put_bits(e, cells + 16, nd->feat, 4);
    put_bits(e, cells + 32 + nd->feat * LL_TREE_NVAL, nd->thr, 5);
    put_node(e, cells, t, nd->next, depth + 1);
    put_node(e, cells, t, nd->next + 1, depth + 1);
}

void imz_ll_tree_put(ImzBacEnc *e, ImzBacCell *cells, const LlTree *t)
{
    for (int i = 0; i < LL_TREE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    put_node(e, cells, t, 0, 0);
}

int imz_ll_tree_get(ImzBacDec *d, ImzBacCell *cells, LlTree *t)
{
    for (int i = 0; i < LL_TREE_CELLS; i++)
        imz_bac_cell_init(&cells[i]);
    /* Depth first without recursion: a stream may describe a tree as deep as it has nodes. */
    struct {
        uint16_t node, depth;
    } stack[2 * LL_TREE_MAX_LEAVES];
    int sp = 0;
    stack[sp].node = 0;
    stack[sp++].depth = 0;
    t->n_nodes = 1;
    t->n_leaves = 0;
    while (sp > 0) {
        sp--;
        const int i = stack[sp].node, depth = stack[sp].depth;
        if (!imz_bac_get(d, &cells[imin(depth, 15)])) {
            if (t->n_leaves == LL_TREE_MAX_LEAVES)
                return IMZ_ERR_CORRUPT;
            t->node[i] = (LlTreeNode){LL_TREE_LEAF, 0, (uint16_t)t->n_leaves++};
            continue;
        }
        unsigned f = get_bits(d, cells + 16, 4);
        if (f >= LL_TREE_NFEAT || t->n_nodes + 2 > 2 * LL_TREE_MAX_LEAVES - 1)
            return IMZ_ERR_CORRUPT;
        unsigned thr = get_bits(d, cells + 32 + f * LL_TREE_NVAL, 5);
        t->node[i] = (LlTreeNode){(uint8_t)f, (uint8_t)thr, (uint16_t)t->n_nodes};
        /* the left child first, as the encoder wrote it */
        stack[sp].node = (uint16_t)(t->n_nodes + 1);
        stack[sp++].depth = (uint16_t)imin(depth + 1, 15);
        stack[sp].node = (uint16_t)t->n_nodes;
        stack[sp++].depth = (uint16_t)imin(depth + 1, 15);
        t->n_nodes += 2;
        if (d->overrun > 8)
            return IMZ_ERR_CORRUPT;
    }
    return IMZ_OK;
}
