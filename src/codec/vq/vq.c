// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `vq` (lossy): block vector quantisation (docs/format/vq.md). The image is cut into B x B blocks
// of all channels (edge blocks padded by replicating the last row and column); a codebook of K
// blocks is trained on the image's own blocks with k-means (quant/kmeans.h, the LBG iteration with
// k-means++ seeding) and stored in the file; each block is replaced by the index of its nearest
// codeword. Codewords are sorted by mean value, so that neighbouring blocks with similar content
// get near indices, and the block-index map is coded with the shared context-modelling index-map
// coder (codec/palette/pal_syntax.h). Codeword samples are coded as differences from the sample to
// their left (above, at the start of a row) within the codeword.

#include <math.h>
#include <string.h>

#include "codec/palette/pal_syntax.h"
#include "container/codec.h"
#include "common/rng.h"
#include "quant/kmeans.h"
#include "transform/blocks.h"

#define VQ_MAX_BLOCK 16
#define VQ_MAX_CODEBOOK 4096
#define TRAIN_MAX ((size_t)1 << 17) /* blocks the codebook is trained on at most */

static const ImzOptionInfo vq_options[] = {
    {"block", "block size B (B x B pixels per vector)", 2, VQ_MAX_BLOCK, 4, 1, NULL},
    {"codebook", "codebook size K", 2, VQ_MAX_CODEBOOK, 256, 1, NULL},
    {"seed", "seed of the k-means initialisation", 0, 4294967295.0, 1, 1, NULL},
};

/* Codeword sample models: [channel][first sample of the codeword or not]. */
typedef struct VqModels {
    ImzIntModel m[4][2];
} VqModels;

static void models_init(VqModels *vm)
{
    for (int c = 0; c < 4; c++)
        for (int f = 0; f < 2; f++)
            imz_int_model_init(&vm->m[c][f]);
}

/* The value a codeword sample is predicted from (docs/format/vq.md §3). */
static inline int32_t predict(const int32_t *cw, const int32_t *prev_cw, int b, int ch, int y,
                              int x, int c)
{
    if (x > 0)
        return cw[((y * b) + x - 1) * ch + c];
    if (y > 0)
        return cw[((y - 1) * b) * ch + c];
    return prev_cw ? prev_cw[c] : 0;
}

static int vq_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                     ImzBuf *payload)
{
    const int b = (int)opt[0], ch = img->channels, dim = b * b * ch;
    const uint32_t bw = (img->width + (uint32_t)b - 1) / (uint32_t)b,
                   bh = (img->height + (uint32_t)b - 1) / (uint32_t)b;
    const size_t nb = (size_t)bw * bh;
    const float maxv = (float)((1u << img->bit_depth) - 1), scale = 255.0f / maxv;
    float *pts = imz_malloc_array(ctx, nb, sizeof(float) * (size_t)dim);
    float *cent = imz_malloc_array(ctx, (size_t)opt[1], sizeof(float) * (size_t)dim);
    int32_t *cb = imz_malloc_array(ctx, (size_t)opt[1], sizeof(int32_t) * (size_t)dim);
    float *train = NULL;
    uint16_t *map = imz_malloc_array(ctx, nb, sizeof *map);
    int *perm = imz_malloc_array(ctx, (size_t)opt[1], sizeof *perm);
    double *key = imz_malloc_array(ctx, (size_t)opt[1], sizeof *key);
    int st = IMZ_OK, k = 0;
    if (!pts || !cent || !cb || !map || !perm || !key) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "vq: out of memory");
        goto done;
    }
    for (uint32_t by = 0; by < bh; by++)
        for (uint32_t bx = 0; bx < bw; bx++) {
            float *v = pts + ((size_t)by * bw + bx) * (size_t)dim;
            for (int y = 0; y < b; y++) {
                for (int x = 0; x < b; x++) {
                    const uint16_t *s = imz_block_pixel(img, bx, by, b, x, y);
                    for (int c = 0; c < ch; c++)
                        v[(y * b + x) * ch + c] = s[c] * scale;
                }
            }
        }
    ImzKmeansParams kp = {.k = (int)opt[1],
                          .dims = dim,
                          .max_iter = 30,
                          .init_trials = 1,
                          .init_sample = (size_t)1 << 14,
                          .restarts = 0,
                          .seed = (uint64_t)opt[2]};
    /* large images: train on a random sample of the blocks, then map every block */
    const size_t n_train = nb > TRAIN_MAX ? TRAIN_MAX : nb;
    const float *tp = pts;
    if (n_train < nb) {
        train = imz_malloc_array(ctx, n_train, sizeof(float) * (size_t)dim);
        if (!train) {
            st = imz_fail(ctx, IMZ_ERR_NOMEM, "vq: out of memory");
            goto done;
        }
        ImzRng rng;
        imz_rng_seed(&rng, (uint64_t)opt[2] ^ 0x5a5a5a5aull);
        for (size_t i = 0; i < n_train; i++)
            memcpy(train + i * (size_t)dim, pts + imz_rng_below(&rng, nb) * (size_t)dim,
                   sizeof(float) * (size_t)dim);
        tp = train;
    }
    st = imz_kmeans_run(ctx, tp, NULL, n_train, &kp, cent, NULL, &k);
    if (st < 0)
        goto done;
    /* codewords in sample units; sorted by mean so near indices mean similar blocks */
    for (int j = 0; j < k; j++) {
        double sum = 0;
        for (int i = 0; i < dim; i++) {
            float v = floorf(cent[(size_t)j * dim + i] / scale + 0.5f);
            v = v < 0 ? 0 : v > maxv ? maxv : v;
            cent[(size_t)j * dim + i] = v;
            sum += v;
        }
        key[j] = sum;
        perm[j] = j;
    }
    for (int j = 1; j < k; j++) {
        int t = perm[j], i = j;
        while (i > 0 && key[perm[i - 1]] > key[t])
            perm[i] = perm[i - 1], i--;
        perm[i] = t;
    }
    for (int j = 0; j < k; j++) {
        for (int i = 0; i < dim; i++)
            cb[(size_t)j * dim + i] = (int32_t)cent[(size_t)perm[j] * dim + i];
    }
    /* each block to its nearest rounded codeword */
    for (int j = 0; j < k; j++)
        for (int i = 0; i < dim; i++)
            cent[(size_t)j * dim + i] = (float)cb[(size_t)j * dim + i] * scale;
    ImzKmeansIndex ix;
    if (imz_kmeans_index_init(ctx, &ix, cent, k, dim) < 0) {
        st = IMZ_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < nb; i++)
        map[i] = (uint16_t)imz_kmeans_index_nearest(&ix, pts + i * (size_t)dim);
    imz_kmeans_index_free(ctx, &ix);

    imz_buf_put_u8(params, (unsigned)b);
    imz_buf_put_le16(params, (unsigned)(k - 1));
    ImzBacEnc e;
    imz_bac_enc_init(&e, payload);
    VqModels vm;
    models_init(&vm);
    for (int j = 0; j < k; j++) {
        const int32_t *cw = cb + (size_t)j * dim, *pcw = j ? cw - dim : NULL;
        for (int y = 0; y < b; y++)
            for (int x = 0; x < b; x++)
                for (int c = 0; c < ch; c++)
                    imz_int_put(&e, &vm.m[c][x == 0 && y == 0],
                                cw[(y * b + x) * ch + c] - predict(cw, pcw, b, ch, y, x, c));
    }
    st = imz_idxmap_encode(ctx, &e, map, bw, bh, k);
    imz_bac_enc_finish(&e);
done:
    imz_mem_free(ctx, pts);
    imz_mem_free(ctx, cent);
    imz_mem_free(ctx, cb);
    imz_mem_free(ctx, train);
    imz_mem_free(ctx, map);
    imz_mem_free(ctx, perm);
    imz_mem_free(ctx, key);
    return st;
}

static int vq_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                     const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != 3 || params[0] < 2 || params[0] > VQ_MAX_BLOCK)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "vq: invalid parameters");
    const int b = params[0], k = (params[1] | params[2] << 8) + 1, ch = out->channels;
    const int dim = b * b * ch;
    if (k > VQ_MAX_CODEBOOK)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "vq: codebook of %d", k);
    const int32_t maxv = (int32_t)((1u << out->bit_depth) - 1);
    const uint32_t bw = (out->width + (uint32_t)b - 1) / (uint32_t)b,
                   bh = (out->height + (uint32_t)b - 1) / (uint32_t)b;
    int32_t *cb = imz_malloc_array(ctx, (size_t)k, sizeof(int32_t) * (size_t)dim);
    uint16_t *map = imz_malloc_array(ctx, (size_t)bw * bh, sizeof *map);
    int st = IMZ_OK;
    if (!cb || !map) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "vq: out of memory");
        goto done;
    }
    ImzBacDec d;
    imz_bac_dec_init(&d, payload, n_payload);
    VqModels vm;
    models_init(&vm);
    for (int j = 0; j < k; j++) {
        int32_t *cw = cb + (size_t)j * dim;
        const int32_t *pcw = j ? cw - dim : NULL;
        for (int y = 0; y < b; y++)
            for (int x = 0; x < b; x++)
                for (int c = 0; c < ch; c++) {
                    int32_t v = imz_int_get(&d, &vm.m[c][x == 0 && y == 0]) +
                                predict(cw, pcw, b, ch, y, x, c);
                    if (v < 0 || v > maxv) {
                        st = imz_fail(ctx, d.overrun ? IMZ_ERR_TRUNCATED : IMZ_ERR_CORRUPT,
                                      "vq: codeword %d out of range", j);
                        goto done;
                    }
                    cw[(y * b + x) * ch + c] = v;
                }
    }
    st = imz_idxmap_decode(ctx, &d, map, bw, bh, k);
    if (st == IMZ_ERR_CORRUPT && d.overrun)
        st = IMZ_ERR_TRUNCATED;
    else if (st == IMZ_OK && d.overrun)
        st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "vq: payload ends early");
    else if (st == IMZ_OK && d.p != d.end)
        st = imz_fail(ctx, IMZ_ERR_CORRUPT, "vq: %zu bytes after the index map",
                      (size_t)(d.end - d.p));
    if (st < 0)
        goto done;
    for (uint32_t y = 0; y < out->height; y++)
        for (uint32_t x = 0; x < out->width; x++) {
            const int32_t *cw = cb + (size_t)map[(size_t)(y / b) * bw + x / b] * dim +
                                (size_t)(((y % b) * b + x % b) * ch);
            uint16_t *s = out->data + ((size_t)y * out->width + x) * ch;
            for (int c = 0; c < ch; c++)
                s[c] = (uint16_t)cw[c];
        }
done:
    imz_mem_free(ctx, cb);
    imz_mem_free(ctx, map);
    return st;
}

const ImzCodec imz_codec_vq = {
    .id = 41,
    .name = "vq",
    .summary = "lossy block vector quantisation with a per-image k-means codebook",
    .lossless = 0,
    .options = vq_options,
    .n_options = 3,
    .encode = vq_encode,
    .decode = vq_decode,
};
