// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Round trips of the baseline codecs: lossless ones bit-exact on synthetic edge cases and on every
// image of ../shared/data/kodak and gray16; lossy ones to the right shape with sane quality;
// encoder determinism; and the ordering delta < huffman < raw on Kodak.

#include <math.h>
#include <stdlib.h>

#include "test.h"

static const char *const lossless_codecs[] = {"raw", "rle", "huffman", "delta", "deflate"};
#define N_LOSSLESS 5

static void check_lossless(const ImzImage *img, const char *what)
{
    for (int k = 0; k < N_LOSSLESS; k++) {
        ImzImage out = {0};
        if (test_roundtrip(img, lossless_codecs[k], NULL, 0, &out))
            CHECK_MSG(test_images_equal(img, &out), "%s: %s not bit-exact", lossless_codecs[k],
                      what);
        imz_image_free(test_ctx(), &out);
    }
}

TEST(lossless_synthetic_edge_cases)
{
    static const struct {
        const char *kind;
        uint32_t w, h;
    } shapes[] = {{"noise", 1, 1},    {"noise", 1, 37},    {"noise", 41, 1},
                  {"constant", 16, 9}, {"gradient", 33, 17}, {"checker", 24, 24},
                  {"extremes", 13, 7}, {"noise", 65, 3}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int ch = 1; ch <= 4; ch++)
            for (int depth = 1; depth <= 16; depth++) {
                if (depth > 2 && depth < 16 && depth != 8 && depth != 12 && (depth + ch) % 3)
                    continue; /* a spread of depths per shape keeps the run short */
                ImzImage img;
                REQUIRE(test_make_image(&img, shapes[s].kind, shapes[s].w, shapes[s].h, ch,
                                        depth, (uint32_t)(s * 31 + (size_t)ch)) == 0);
                char what[96];
                snprintf(what, sizeof what, "%s %ux%u ch%d depth%d", shapes[s].kind,
                         shapes[s].w, shapes[s].h, ch, depth);
                check_lossless(&img, what);
                imz_image_free(test_ctx(), &img);
            }
}

TEST(delta_every_predictor)
{
    static const char *const preds[] = {"left", "up", "avg", "paeth", "med", "best"};
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 29, 23, 3, 10, 7) == 0);
    for (int p = 0; p < 6; p++) {
        ImzOption o = {"predictor", preds[p]};
        ImzImage out = {0};
        if (test_roundtrip(&img, "delta", &o, 1, &out))
            CHECK_MSG(test_images_equal(&img, &out), "delta --predictor %s", preds[p]);
        imz_image_free(test_ctx(), &out);
    }
    imz_image_free(test_ctx(), &img);
}

TEST(constant_image_sizes)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "constant", 256, 256, 3, 8, 5) == 0);
    ImzImage out = {0};
    /* rle: a handful of bytes; delta: Huffman cannot go below one bit per sample */
    size_t bytes = test_roundtrip(&img, "rle", NULL, 0, &out);
    CHECK_MSG(bytes > 0 && bytes < 80, "rle: constant 256x256 RGB took %zu bytes", bytes);
    imz_image_free(test_ctx(), &out);
    bytes = test_roundtrip(&img, "delta", NULL, 0, &out);
    CHECK_MSG(bytes > 0 && bytes <= 256 * 256 * 3 / 8 + 200, "delta: %zu bytes", bytes);
    imz_image_free(test_ctx(), &out);
    imz_image_free(test_ctx(), &img);
}

TEST(lossy_requant_and_downsample)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "gradient", 97, 61, 3, 8, 1) == 0);
    static const char *const bits[] = {"1", "4", "7", "8"};
    double last = 0;
    for (int i = 0; i < 4; i++) {
        ImzOption o = {"bits", bits[i]};
        ImzImage out = {0};
        if (test_roundtrip(&img, "requant", &o, 1, &out)) {
            double p = test_psnr(&img, &out);
            CHECK_MSG(p > last, "requant --bits %s: PSNR %.2f not above %.2f", bits[i], p, last);
            last = p;
        }
        imz_image_free(test_ctx(), &out);
    }
    CHECK(isinf(last)); /* all 8 bits kept: exact */
    static const char *const filters[] = {"bicubic", "lanczos"};
    for (int f = 0; f < 2; f++) {
        ImzOption o[2] = {{"factor", "2"}, {"filter", filters[f]}};
        ImzImage out = {0};
        if (test_roundtrip(&img, "downsample", o, 2, &out)) {
            CHECK(out.width == img.width && out.height == img.height);
            double p = test_psnr(&img, &out);
            CHECK_MSG(p > 30, "downsample %s on a gradient: PSNR %.2f", filters[f], p);
        }
        imz_image_free(test_ctx(), &out);
    }
    ImzImage one;
    REQUIRE(test_make_image(&one, "noise", 1, 1, 1, 16, 3) == 0);
    ImzOption o = {"factor", "16"};
    ImzImage out = {0};
    if (test_roundtrip(&one, "downsample", &o, 1, &out))
        CHECK(test_images_equal(&one, &out)); /* one pixel averages to itself */
    imz_image_free(test_ctx(), &out);
    imz_image_free(test_ctx(), &one);
    imz_image_free(test_ctx(), &img);
}

static void dataset_roundtrip(const char *sub, size_t totals[N_LOSSLESS])
{
    const char *dir = test_data_dir(sub);
    if (!dir)
        return;
    char *names[64];
    int n = test_list_png(dir, names, 64);
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        ImzImage img;
        if (test_load_image(names[i], &img) == IMZ_OK) {
            for (int k = 0; k < N_LOSSLESS; k++) {
                ImzImage out = {0};
                size_t bytes = test_roundtrip(&img, lossless_codecs[k], NULL, 0, &out);
                CHECK_MSG(bytes && test_images_equal(&img, &out), "%s: %s not bit-exact",
                          lossless_codecs[k], names[i]);
                totals[k] += bytes;
                imz_image_free(test_ctx(), &out);
            }
            imz_image_free(test_ctx(), &img);
        }
        free(names[i]);
    }
}

TEST(kodak_bit_exact_and_ordered)
{
    if (!test_data_dir("kodak"))
        SKIP("../shared/data/kodak not found");
    size_t totals[N_LOSSLESS] = {0};
    dataset_roundtrip("kodak", totals);
    for (int k = 0; k < N_LOSSLESS; k++)
        printf("  kodak %-8s %10zu bytes  %.3f bpp\n", lossless_codecs[k], totals[k],
               totals[k] * 8.0 / (24.0 * 768 * 512));
    CHECK(totals[3] < totals[2]); /* delta < huffman */
    CHECK(totals[2] < totals[0]); /* huffman < raw */
}

TEST(gray16_bit_exact)
{
    if (!test_data_dir("gray16"))
        SKIP("../shared/data/gray16 not found");
    size_t totals[N_LOSSLESS] = {0};
    dataset_roundtrip("gray16", totals);
    for (int k = 0; k < N_LOSSLESS; k++)
        printf("  gray16 %-8s %10zu bytes\n", lossless_codecs[k], totals[k]);
}

TEST(bundled_samples_bit_exact)
{
    static const char *const samples[] = {"kodim23_crop.png", "ct16_crop.png"};
    for (int i = 0; i < 2; i++) {
        ImzImage img;
        if (test_load_image(test_sample(samples[i]), &img) == IMZ_OK) {
            check_lossless(&img, samples[i]);
            imz_image_free(test_ctx(), &img);
        }
    }
}
