// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `deflate`: zlib over the raw sample bytes (codec/samples.h), the general-purpose baseline
// (what gzip would do to the raw file). The payload is one zlib stream (docs/FORMAT.md §4.7).

#include <zlib.h>

#include "codec/samples.h"
#include "container/codec.h"

static const ImzOptionInfo deflate_options[] = {
    {"level", "zlib compression level", 1, 9, 9, 1, NULL},
};

static int deflate_encode(ImzContext *ctx, const ImzImage *img, const double *opt,
                          ImzBuf *params, ImzBuf *payload)
{
    (void)params;
    ImzBuf raw;
    imz_buf_init(&raw, ctx);
    imz_samples_pack(img, &raw);
    if (raw.status)
        return raw.status;
    uLong bound = compressBound((uLong)raw.len);
    uint8_t *dst = imz_buf_reserve(payload, bound);
    int st = IMZ_OK;
    if (!dst) {
        st = IMZ_ERR_NOMEM;
    } else {
        uLongf n = bound;
        if (compress2(dst, &n, raw.data, (uLong)raw.len, (int)opt[0]) != Z_OK)
            st = imz_fail(ctx, IMZ_ERR_INTERNAL, "zlib compression failed");
        else
            payload->len += n;
    }
    imz_buf_free(&raw);
    return st;
}

static int deflate_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                          const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    (void)params;
    if (n_params)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "deflate: unexpected parameters");
    size_t need = imz_image_samples(out) * (size_t)imz_sample_bytes(out);
    uint8_t *raw = imz_malloc(ctx, need);
    if (!raw)
        return IMZ_ERR_NOMEM;
    z_stream z = {0};
    int st = IMZ_OK;
    if (inflateInit(&z) != Z_OK) {
        imz_mem_free(ctx, raw);
        return imz_fail(ctx, IMZ_ERR_NOMEM, "deflate: cannot start zlib");
    }
    /* zlib counts in uInt: hand it input and output in slices of at most 1 GiB. */
    const uInt slice = 1u << 30;
    size_t in_left = n_payload, out_left = need;
    z.next_in = (Bytef *)(uintptr_t)payload;
    z.next_out = raw;
    int zr;
    do {
        if (!z.avail_in && in_left) {
            z.avail_in = in_left > slice ? slice : (uInt)in_left;
            in_left -= z.avail_in;
        }
        if (!z.avail_out && out_left) {
            z.avail_out = out_left > slice ? slice : (uInt)out_left;
            out_left -= z.avail_out;
        }
        zr = inflate(&z, Z_NO_FLUSH);
    } while (zr == Z_OK);
    int ended_in = !z.avail_in && !in_left, filled = !z.avail_out && !out_left;
    if (zr == Z_STREAM_END && (!ended_in || !filled))
        st = imz_fail(ctx, IMZ_ERR_CORRUPT, "deflate: stream size does not match the image");
    else if (zr == Z_BUF_ERROR && ended_in)
        st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "deflate: stream ends early");
    else if (zr != Z_STREAM_END)
        st = imz_fail(ctx, IMZ_ERR_CORRUPT, "deflate: %s", z.msg ? z.msg : "invalid stream");
    inflateEnd(&z);
    if (st == IMZ_OK)
        st = imz_samples_unpack(ctx, raw, out);
    imz_mem_free(ctx, raw);
    return st;
}

const ImzCodec imz_codec_deflate = {
    .id = 5,
    .name = "deflate",
    .summary = "zlib (deflate) over the raw sample bytes",
    .lossless = 1,
    .options = deflate_options,
    .n_options = 1,
    .encode = deflate_encode,
    .decode = deflate_decode,
};
