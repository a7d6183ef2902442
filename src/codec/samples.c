// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Byte serialisation of samples; see samples.h.

#include "codec/samples.h"

void imz_samples_pack(const ImzImage *img, ImzBuf *out)
{
    const size_t n = imz_image_samples(img);
    const int bytes = imz_sample_bytes(img);
    uint8_t *dst = imz_buf_reserve(out, n * (size_t)bytes);
    if (!dst)
        return;
    for (size_t i = 0; i < n; i++) {
        if (bytes == 2)
            *dst++ = (uint8_t)(img->data[i] >> 8);
        *dst++ = (uint8_t)img->data[i];
    }
    out->len += n * (size_t)bytes;
}

int imz_samples_unpack(ImzContext *ctx, const uint8_t *src, ImzImage *img)
{
    const size_t n = imz_image_samples(img);
    const unsigned maxv = (1u << img->bit_depth) - 1;
    unsigned or_all = 0;
    if (imz_sample_bytes(img) == 2)
        for (size_t i = 0; i < n; i++, src += 2)
            or_all |= img->data[i] = (uint16_t)(src[0] << 8 | src[1]);
    else
        for (size_t i = 0; i < n; i++)
            or_all |= img->data[i] = src[i];
    if (or_all > maxv)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "sample exceeds bit depth %d", img->bit_depth);
    return IMZ_OK;
}
