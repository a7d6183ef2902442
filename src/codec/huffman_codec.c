// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `huffman`: order-0 Huffman coding of the samples, one code per channel, the code-length tables
// stored and counted (docs/FORMAT.md §4.5). The reference for what prediction adds in `delta`.

#include "codec/residual.h"
#include "container/codec.h"

static int huffman_encode(ImzContext *ctx, const ImzImage *img, const double *opt,
                          ImzBuf *params, ImzBuf *payload)
{
    (void)opt;
    (void)params;
    return imz_residual_encode(ctx, img, IMZ_RESIDUAL_NO_PREDICTION, payload);
}

static int huffman_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                          const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    (void)params;
    if (n_params)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "huffman: unexpected parameters");
    return imz_residual_decode(ctx, payload, n_payload, IMZ_RESIDUAL_NO_PREDICTION, out);
}

const ImzCodec imz_codec_huffman = {
    .id = 3,
    .name = "huffman",
    .summary = "order-0 Huffman code of the samples, per channel",
    .lossless = 1,
    .encode = huffman_encode,
    .decode = huffman_decode,
};
