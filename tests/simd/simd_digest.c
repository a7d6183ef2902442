// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Prints one line per (image, effort, quality, chroma format) of the lossy codec and per (image,
// effort) of the lossless codec: the size and a hash of the stream, and a hash of its decoded
// pixels. It is linked twice, once with the library as built and once with the kernels that have
// SIMD clones compiled for the baseline only (IMZ_PORTABLE); test_simd_paths.sh checks that both
// print the same lines.
// Usage: simd_digest [IMAGE...]

#include <stdio.h>
#include <stdlib.h>

#include "imageio/imageio.h"
#include "imz.h"

static uint64_t fnv1a(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211u;
    return h;
}

/* Noise, then a smooth diagonal ramp with a sharp edge: content for every block size. */
static int synthetic(ImzContext *ctx, ImzImage *img, int kind, uint32_t w, uint32_t h)
{
    if (imz_image_alloc(ctx, img, w, h, 3, 8))
        return -1;
    uint32_t s = 12345;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                s = s * 1103515245u + 12345u;
                uint16_t v = kind == 0 ? (uint16_t)(s >> 24)
                                       : (uint16_t)((x + 2 * y + 40 * c) % 256 < 128 ? x + y
                                                                                     : 255 - y);
                img->data[((size_t)y * w + x) * 3 + (size_t)c] = (uint16_t)(v & 255);
            }
    return 0;
}

/* Codes img with one codec and its options, decodes it, and prints the line. */
static int digest_one(ImzContext *ctx, const char *name, const ImzImage *img, const char *codec,
                      const ImzOption *opt, int n_opt, const char *label)
{
    uint8_t *enc = NULL;
    size_t n = 0;
    ImzImage dec;
    if (imz_encode(ctx, img, codec, opt, n_opt, &enc, &n) || imz_decode(ctx, enc, n, &dec)) {
        fprintf(stderr, "%s: %s\n", name, imz_last_error(ctx));
        imz_free(ctx, enc);
        return -1;
    }
    size_t samples = (size_t)dec.width * dec.height * dec.channels;
    printf("%s %s %s: %zu bytes %016llx, pixels %016llx\n", name, codec, label, n,
           (unsigned long long)fnv1a(14695981039346656037u, enc, n),
           (unsigned long long)fnv1a(14695981039346656037u, dec.data, samples * sizeof *dec.data));
    imz_image_free(ctx, &dec);
    imz_free(ctx, enc);
    return 0;
}

static int digest(ImzContext *ctx, const char *name, const ImzImage *img)
{
    static const char *const efforts[] = {"1", "3", "5", "9"};
    static const char *const qualities[] = {"15", "60", "95"};
    static const char *const chroma[] = {"420", "444"};
    char label[64];
    if (img->bit_depth <= 8)
        for (int e = 0; e < 4; e++)
            for (int q = 0; q < 3; q++)
                for (int c = 0; c < 2; c++) {
                    ImzOption opt[3] = {{"effort", efforts[e]}, {"quality", qualities[q]},
                                        {"subsampling", chroma[c]}};
                    snprintf(label, sizeof label, "e%s q%s %s", efforts[e], qualities[q],
                             chroma[c]);
                    if (digest_one(ctx, name, img, "lossy", opt, 3, label))
                        return -1;
                }
    /* the lossless row coders: fast profile, normal model, heavy model */
    static const char *const ll_efforts[] = {"2", "5", "9"};
    for (int e = 0; e < 3; e++) {
        ImzOption opt[1] = {{"effort", ll_efforts[e]}};
        snprintf(label, sizeof label, "e%s", ll_efforts[e]);
        if (digest_one(ctx, name, img, "lossless", opt, 1, label))
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    ImzContext *ctx;
    if (imz_context_create(&ctx, NULL))
        return 1;
    imz_set_threads(ctx, 1);
    int status = 0;
    for (int kind = 0; kind < 2 && !status; kind++) {
        ImzImage img;
        if (synthetic(ctx, &img, kind, 77, 45))
            status = 1;
        else {
            status = digest(ctx, kind ? "ramp" : "noise", &img) ? 1 : 0;
            imz_image_free(ctx, &img);
        }
    }
    for (int i = 1; i < argc && !status; i++) {
        ImzImage img;
        char err[256];
        uint8_t *data = NULL;
        long len = -1;
        FILE *f = fopen(argv[i], "rb");
        if (f && fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (data = malloc((size_t)len)) && fread(data, 1, (size_t)len, f) == (size_t)len &&
            imz_read_image(ctx, data, (size_t)len, &img, err, sizeof err) == 0) {
            status = digest(ctx, argv[i], &img) ? 1 : 0;
            imz_image_free(ctx, &img);
        } else {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            status = 1;
        }
        free(data);
        if (f)
            fclose(f);
    }
    imz_context_destroy(ctx);
    return status;
}
