// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Context trees of the `lossless` codec (docs/format/lossless.md §8.1): a binary decision tree
// over small per-sample features (classes of the local activity, of where the prediction lies
// among the neighbours, ...) whose leaves are the contexts of the residual tokens. The encoder
// learns the tree for each group of rows from the group's own samples and stores it ahead of
// the tables; the decoder reads it and walks it once per sample.

#ifndef IMZ_CODEC_LOSSLESS_LL_TREE_H
#define IMZ_CODEC_LOSSLESS_LL_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/context.h"
#include "common/intops.h"
#include "entropy/bac.h"

#define LL_TREE_NFEAT 14       /* features per sample */
#define LL_TREE_NVAL 32        /* every feature value is below this */
#define LL_TREE_MAX_LEAVES 256 /* contexts of one group */
#define LL_TREE_LEAF 0xff      /* `feat` of a leaf */

/** A node: a leaf (feat == LL_TREE_LEAF) whose context is `next`, or a test that goes on to
 *  node `next` when feature `feat` is at most `thr`, else to node `next + 1`. */
typedef struct LlTreeNode {
    uint8_t feat, thr;
    uint16_t next;
} LlTreeNode;

typedef struct LlTree {
    int n_nodes, n_leaves;
    LlTreeNode node[2 * LL_TREE_MAX_LEAVES - 1];
} LlTree;

/** The context (leaf) of a sample with features f[0..LL_TREE_NFEAT): the definition, by a walk
 *  from the root; the coders use imz_ll_tree_leaf_fast, which tests/unit/test_lltree.c checks
 *  against it. */
static inline int imz_ll_tree_leaf(const LlTree *t, const uint8_t *f)
{
    const LlTreeNode *n = t->node;
    while (n->feat != LL_TREE_LEAF)
        n = &t->node[n->next + (f[n->feat] > n->thr)];
    return n->next;
}

/** The tree in a form that needs no walk (QuickScorer, Lucchese et al. 2015): for feature k at
 *  value v, the leaves still possible, as a bit set over the leaves in depth-first order. A
 *  leaf is ruled out when a node on feature k sends v right, away from the leaf's subtree; the
 *  sample's leaf is then the first leaf no feature rules out. The look-ups do not depend on each
 *  other, where a walk is a chain of dependent loads as long as the tree is deep. */
typedef struct LlTreeMasks {
    uint64_t m[LL_TREE_NFEAT][LL_TREE_NVAL][LL_TREE_MAX_LEAVES / 64];
} LlTreeMasks;

void imz_ll_tree_masks(const LlTree *t, LlTreeMasks *mk);

/** The leaf imz_ll_tree_leaf finds, from the masks. */
static inline int imz_ll_tree_leaf_fast(const LlTreeMasks *mk, const uint8_t *f)
{
    uint64_t w[LL_TREE_MAX_LEAVES / 64];
#if defined(__GNUC__) && !defined(IMZ_PORTABLE)
    /* The bit sets as one vector each: one AND per feature where the target has 256-bit
     * vectors. Loads go through memcpy, which assumes no alignment. */
    typedef uint64_t LeafSet __attribute__((vector_size(LL_TREE_MAX_LEAVES / 8)));
    LeafSet acc, m;
    memcpy(&acc, mk->m[0][f[0]], sizeof acc);
    for (int k = 1; k < LL_TREE_NFEAT; k++) {
        memcpy(&m, mk->m[k][f[k]], sizeof m);
        acc &= m;
    }
    memcpy(w, &acc, sizeof w);
#else
    for (int i = 0; i < LL_TREE_MAX_LEAVES / 64; i++)
        w[i] = mk->m[0][f[0]][i];
    for (int k = 1; k < LL_TREE_NFEAT; k++)
        for (int i = 0; i < LL_TREE_MAX_LEAVES / 64; i++)
            w[i] &= mk->m[k][f[k]][i];
#endif
    /* the leaf reached is always possible, so some word is non-zero */
    int i = 0;
    while (!w[i])
        i++;
    return 64 * i + ctz64(w[i]);
}

/** Number of adaptive cells the tree coder needs. */
#define LL_TREE_CELLS (16 + 16 + LL_TREE_NFEAT * LL_TREE_NVAL)

/**
 * Learns a tree for n samples, feat[i * LL_TREE_NFEAT + k] and token tok[i] < 48, that stand for
 * `scale` times as many: greedy splits, best first, each taken while it saves more than it costs
 * (a leaf's table, the node) by the static entropy of the tokens.
 * @return IMZ_OK or IMZ_ERR_NOMEM.
 */
int imz_ll_tree_learn(ImzContext *ctx, LlTree *t, const uint8_t *feat, const uint8_t *tok, size_t n,
                      double scale);

/** Codes the tree into e, nodes in depth-first order; `cells` (LL_TREE_CELLS of them) are
 *  initialised here. */
void imz_ll_tree_put(ImzBacEnc *e, ImzBacCell *cells, const LlTree *t);
/** Reads a tree written by imz_ll_tree_put. @return IMZ_OK or IMZ_ERR_CORRUPT (too many nodes,
 *  or a feature out of range). */
int imz_ll_tree_get(ImzBacDec *d, ImzBacCell *cells, LlTree *t);

#endif
