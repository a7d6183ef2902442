// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `rle`: run-length coding of equal samples, channel by channel in raster order (runs continue
// across rows). PackBits generalised to varint lengths (docs/FORMAT.md §4.4): a header varint h
// with low bit 0 announces (h >> 1) + 1 literal samples; low bit 1 announces (h >> 1) + 3 copies
// of the one sample that follows. Samples take 1 or 2 bytes as in codec/samples.h.

#include "codec/samples.h"
#include "container/codec.h"

#define MIN_RUN 3

static inline uint16_t at(const ImzImage *img, int c, size_t i)
{
    return img->data[i * img->channels + (size_t)c];
}

static void put_sample(ImzBuf *out, unsigned v, int bytes)
{
    if (bytes == 2)
        imz_buf_put_u8(out, v >> 8);
    imz_buf_put_u8(out, v & 0xff);
}

static void put_literals(ImzBuf *out, const ImzImage *img, int c, size_t from, size_t to)
{
    if (from == to)
        return;
    imz_buf_put_varint(out, (uint64_t)(to - from - 1) << 1);
    for (size_t i = from; i < to; i++)
        put_sample(out, at(img, c, i), imz_sample_bytes(img));
}

static int rle_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                      ImzBuf *payload)
{
    (void)ctx;
    (void)opt;
    (void)params;
    const size_t n = (size_t)img->width * img->height;
    for (int c = 0; c < img->channels; c++) {
        size_t lit = 0, i = 0;
        while (i < n) {
            size_t run = 1;
            while (i + run < n && at(img, c, i + run) == at(img, c, i))
                run++;
            if (run >= MIN_RUN) {
                put_literals(payload, img, c, lit, i);
                imz_buf_put_varint(payload, (uint64_t)(run - MIN_RUN) << 1 | 1);
                put_sample(payload, at(img, c, i), imz_sample_bytes(img));
                lit = i + run;
            }
            i += run;
        }
        put_literals(payload, img, c, lit, n);
    }
    return payload->status;
}

static int rle_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                      const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    (void)params;
    if (n_params)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "rle: unexpected parameters");
    const size_t n = (size_t)out->width * out->height;
    const int bytes = imz_sample_bytes(out);
    const unsigned maxv = (1u << out->bit_depth) - 1;
    ImzReader r;
    imz_reader_init(&r, payload, n_payload);
    for (int c = 0; c < out->channels; c++) {
        for (size_t i = 0; i < n;) {
            uint64_t h = imz_read_varint(&r);
            int repeat = (int)(h & 1);
            uint64_t count = (h >> 1) + (repeat ? MIN_RUN : 1);
            if (r.overflow)
                return imz_fail(ctx, IMZ_ERR_TRUNCATED, "rle: data ends early");
            if (count > n - i)
                return imz_fail(ctx, IMZ_ERR_CORRUPT, "rle: run of %llu overflows the image",
                                (unsigned long long)count);
            for (uint64_t k = 0; k < count; k++, i++) {
                if (!repeat || k == 0) {
                    unsigned v = imz_read_u8(&r);
                    if (bytes == 2)
                        v = v << 8 | imz_read_u8(&r); /* big-endian */
                    if (v > maxv)
                        return imz_fail(ctx, IMZ_ERR_CORRUPT, "rle: sample exceeds depth");
                    out->data[i * out->channels + (size_t)c] = (uint16_t)v;
                } else {
                    out->data[i * out->channels + (size_t)c] =
                        out->data[(i - 1) * out->channels + (size_t)c];
                }
            }
            if (r.overflow)
                return imz_fail(ctx, IMZ_ERR_TRUNCATED, "rle: data ends early");
        }
    }
    if (imz_reader_left(&r))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "rle: %zu bytes left over", imz_reader_left(&r));
    return IMZ_OK;
}

const ImzCodec imz_codec_rle = {
    .id = 2,
    .name = "rle",
    .summary = "run-length coding of equal samples, per channel",
    .lossless = 1,
    .encode = rle_encode,
    .decode = rle_decode,
};
