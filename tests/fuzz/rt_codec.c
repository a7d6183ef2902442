// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Fuzz target: round trip through every codec. The input chooses the codec, an image of at most
// 64x64 with 1..4 channels and 1..16 bits, the codec's options and the pixels. Encoding must
// succeed (or refuse the image with IMZ_ERR_INVALID_ARG), give identical bytes when repeated,
// and decode: exactly for lossless codecs, to the same shape with in-range samples for lossy ones.

#include <stdio.h>
#include <string.h>

#include "fuzz_producer.h"
#include "fuzz_target.h"

#define MAX_OPTS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzProducer p;
    producer_init(&p, data, size);
    ImzCodecInfo ci;
    imz_codec_info((int)producer_u32_range(&p, 0, (uint32_t)imz_codec_count() - 1), &ci);
    uint32_t w = producer_u32_range(&p, 1, 64), h = producer_u32_range(&p, 1, 64);
    int ch = (int)producer_u32_range(&p, 1, 4), depth = (int)producer_u32_range(&p, 1, 16);

    ImzOption opts[MAX_OPTS];
    char values[MAX_OPTS][32];
    int n_opts = 0;
    for (int k = 0; k < ci.n_options && k < MAX_OPTS; k++) {
        const ImzOptionInfo *o = &ci.options[k];
        if (!producer_u32_range(&p, 0, 1))
            continue; /* keep the default */
        if (o->choices) {
            uint32_t n = 0;
            while (o->choices[n])
                n++;
            snprintf(values[n_opts], sizeof values[n_opts], "%s",
                     o->choices[producer_u32_range(&p, 0, n - 1)]);
        } else {
            double span = o->max - o->min;
            uint32_t top = span > 65535 ? 65535 : (uint32_t)span;
            double v = o->min + producer_u32_range(&p, 0, top);
            if (!o->is_integer)
                v += producer_u32_range(&p, 0, 99) / 100.0;
            if (v > o->max)
                v = o->max;
            snprintf(values[n_opts], sizeof values[n_opts], "%.17g", v);
        }
        opts[n_opts].name = o->name;
        opts[n_opts].value = values[n_opts];
        n_opts++;
    }

    ImzContext *ctx;
    if (imz_context_create(&ctx, NULL) != IMZ_OK)
        return 0;
    ImzImage img;
    if (imz_image_alloc(ctx, &img, w, h, ch, depth) != IMZ_OK) {
        imz_context_destroy(ctx);
        return 0;
    }
    const size_t n = (size_t)w * h * ch;
    const uint16_t mask = (uint16_t)((1u << depth) - 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t b[2];
        producer_bytes(&p, b, depth > 8 ? 2 : 1);
        img.data[i] = (uint16_t)((b[0] | b[1] << 8) & mask);
    }

    uint8_t *enc = NULL, *enc2 = NULL;
    size_t len = 0, len2 = 0;
    int st = imz_encode(ctx, &img, ci.name, opts, n_opts, &enc, &len);
    if (st != IMZ_OK) {
        if (st != IMZ_ERR_INVALID_ARG)
            fprintf(stderr, "%s: encode failed: %s\n", ci.name, imz_last_error(ctx));
        FUZZ_ASSERT(st == IMZ_ERR_INVALID_ARG);
        FUZZ_ASSERT(enc == NULL);
        goto done;
    }
    FUZZ_ASSERT(imz_encode(ctx, &img, ci.name, opts, n_opts, &enc2, &len2) == IMZ_OK);
    FUZZ_ASSERT(len == len2 && memcmp(enc, enc2, len) == 0);

    ImzImage out;
    st = imz_decode(ctx, enc, len, &out);
    if (st != IMZ_OK)
        fprintf(stderr, "%s: decode of its own output failed: %s\n", ci.name, imz_last_error(ctx));
    FUZZ_ASSERT(st == IMZ_OK);
    FUZZ_ASSERT(out.width == w && out.height == h && out.channels == ch && out.bit_depth == depth);
    fuzz_check_image(&out);
    if (ci.lossless)
        FUZZ_ASSERT(memcmp(out.data, img.data, n * sizeof *img.data) == 0);
    imz_image_free(ctx, &out);

done:
    imz_free(ctx, enc);
    imz_free(ctx, enc2);
    imz_image_free(ctx, &img);
    imz_context_destroy(ctx);
    return 0;
}
