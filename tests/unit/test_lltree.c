// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Unit tests of the lossless codec's context trees (src/codec/lossless/ll_tree.h): the leaf sets
// find the same leaf as a walk down the tree, a tree survives its own code, the reader refuses
// or bounds whatever bytes it is given, and the learner finds a split the tokens depend on.

#include <stdlib.h>
#include <string.h>

#include "codec/lossless/ll_tree.h"
#include "test.h"

static uint32_t rng(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* A random tree in the layout imz_ll_tree_get builds: children placed together, depth first. */
static void grow(LlTree *t, int at, int depth, uint32_t *s)
{
    if (depth >= 8 || rng(s) % 4 == 0) { /* at most 2^8 = LL_TREE_MAX_LEAVES leaves */
        t->node[at] = (LlTreeNode){LL_TREE_LEAF, 0, (uint16_t)t->n_leaves++};
        return;
    }
    int kids = t->n_nodes;
    t->n_nodes += 2;
    t->node[at] = (LlTreeNode){(uint8_t)(rng(s) % LL_TREE_NFEAT), (uint8_t)(rng(s) % LL_TREE_NVAL),
                               (uint16_t)kids};
    grow(t, kids, depth + 1, s);
    grow(t, kids + 1, depth + 1, s);
}

static void random_tree(LlTree *t, uint32_t *s)
{
    t->n_nodes = 1;
    t->n_leaves = 0;
    grow(t, 0, 0, s);
}

TEST(lltree_leaf_sets_agree_with_the_walk)
{
    uint32_t s = 12345;
    LlTree *t = malloc(sizeof *t);
    LlTreeMasks *mk = malloc(sizeof *mk);
    REQUIRE(t && mk);
    int bad = 0, deep = 0;
    for (int k = 0; k < 200; k++) {
        random_tree(t, &s);
        deep += t->n_leaves > 64;
        imz_ll_tree_masks(t, mk);
        for (int i = 0; i < 2000; i++) {
            uint8_t f[LL_TREE_NFEAT];
            for (int j = 0; j < LL_TREE_NFEAT; j++)
                f[j] = (uint8_t)(rng(&s) % LL_TREE_NVAL);
            bad += imz_ll_tree_leaf(t, f) != imz_ll_tree_leaf_fast(mk, f);
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(deep > 0); /* some trees reach past the first 64-leaf word */
    free(t);
    free(mk);
}

TEST(lltree_round_trips_through_its_code)
{
    uint32_t s = 777;
    LlTree *t = malloc(sizeof *t), *u = malloc(sizeof *u);
    REQUIRE(t && u);
    for (int k = 0; k < 50; k++) {
        random_tree(t, &s);
        ImzBuf out;
        imz_buf_init(&out, test_ctx());
        ImzBacEnc e;
        ImzBacCell cells[LL_TREE_CELLS];
        imz_bac_enc_init(&e, &out);
        imz_ll_tree_put(&e, cells, t);
        imz_bac_enc_finish(&e);
        REQUIRE(out.status == IMZ_OK);
        ImzBacDec d;
        imz_bac_dec_init(&d, out.data, out.len);
        CHECK_EQ(imz_ll_tree_get(&d, cells, u), IMZ_OK);
        CHECK_EQ(u->n_nodes, t->n_nodes);
        CHECK_EQ(u->n_leaves, t->n_leaves);
        CHECK(!memcmp(u->node, t->node, sizeof(LlTreeNode) * (size_t)t->n_nodes));
        imz_buf_free(&out);
    }
    free(t);
    free(u);
}

/* Any bytes: the reader fails cleanly or gives a tree whose every walk ends at a leaf in range. */
TEST(lltree_reader_bounds_any_input)
{
    uint32_t s = 4242;
    LlTree *t = malloc(sizeof *t);
    REQUIRE(t);
    uint8_t buf[600];
    int ok = 0, refused = 0;
    for (int k = 0; k < 400; k++) {
        /* a fill of 0xff first: every node splits, so the leaf limit must stop the reader */
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = k == 0 ? 0xff : (uint8_t)rng(&s);
        ImzBacDec d;
        ImzBacCell cells[LL_TREE_CELLS];
        imz_bac_dec_init(&d, buf, (size_t)(k == 0 ? sizeof buf : rng(&s) % sizeof buf));
        int st = imz_ll_tree_get(&d, cells, t);
        if (st) {
            CHECK_EQ(st, IMZ_ERR_CORRUPT);
            refused++;
            continue;
        }
        ok++;
        CHECK(t->n_leaves >= 1 && t->n_leaves <= LL_TREE_MAX_LEAVES);
        CHECK(t->n_nodes == 2 * t->n_leaves - 1);
        for (int i = 0; i < t->n_nodes; i++) {
            const LlTreeNode *n = &t->node[i];
            if (n->feat == LL_TREE_LEAF)
                CHECK(n->next < t->n_leaves);
            else
                CHECK(n->feat < LL_TREE_NFEAT && n->next + 1 < t->n_nodes);
        }
    }
    CHECK(ok > 0 && refused > 0);
    free(t);
}

TEST(lltree_learner_splits_where_the_tokens_change)
{
    enum { N = 20000 };
    uint8_t *feat = malloc((size_t)N * LL_TREE_NFEAT), *tok = malloc(N);
    REQUIRE(feat && tok);
    uint32_t s = 99;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < LL_TREE_NFEAT; j++)
            feat[i * LL_TREE_NFEAT + j] = (uint8_t)(rng(&s) % LL_TREE_NVAL);
        /* small tokens where feature 3 is at most 10, large ones above */
        tok[i] = (uint8_t)(feat[i * LL_TREE_NFEAT + 3] <= 10 ? rng(&s) % 4 : 20 + rng(&s) % 4);
    }
    LlTree *t = malloc(sizeof *t);
    REQUIRE(t);
    REQUIRE(imz_ll_tree_learn(test_ctx(), t, feat, tok, N, 1.0) == IMZ_OK);
    CHECK(t->node[0].feat == 3 && t->node[0].thr == 10);
    CHECK(t->n_leaves >= 2 && t->n_leaves <= LL_TREE_MAX_LEAVES);
    free(t);
    free(feat);
    free(tok);
}
