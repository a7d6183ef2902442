// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `raw`: the samples stored as bytes (codec/samples.h). The reference point every ratio is
// measured against, and the simplest possible payload (docs/FORMAT.md §4.3).

#include "codec/samples.h"
#include "container/codec.h"

static int raw_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                      ImzBuf *payload)
{
    (void)ctx;
    (void)opt;
    (void)params;
    imz_samples_pack(img, payload);
    return payload->status;
}

static int raw_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                      const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "raw: unexpected parameters");
    if (n_payload != imz_image_samples(out) * (size_t)imz_sample_bytes(out))
        return imz_fail(ctx, n_payload < imz_image_samples(out) ? IMZ_ERR_TRUNCATED : IMZ_ERR_CORRUPT,
                        "raw: payload is %zu bytes, expected %zu", n_payload,
                        imz_image_samples(out) * (size_t)imz_sample_bytes(out));
    (void)params;
    return imz_samples_unpack(ctx, payload, out);
}

const ImzCodec imz_codec_raw = {
    .id = 1,
    .name = "raw",
    .summary = "uncompressed samples (1 or 2 bytes each)",
    .lossless = 1,
    .encode = raw_encode,
    .decode = raw_decode,
};
