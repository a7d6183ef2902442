// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Round trips of `pca` in both modes (whole-channel SVD and the block KLT): every shape and channel
// count, determinism, quality that rises with the number of components, near-exact results when
// every component is kept, the analysis functions on images with a known spectrum, and the
// classic kodim23 setting (150 components) on Kodak.

#include <math.h>
#include <stdlib.h>

#include "codec/pca/pca.h"
#include "imageio/imageio.h"
#include "test.h"

TEST(pca_every_shape_both_modes)
{
    static const struct {
        const char *kind;
        uint32_t w, h;
    } shapes[] = {{"noise", 1, 1},      {"noise", 1, 37},    {"noise", 41, 1},
                  {"gradient", 33, 17}, {"checker", 24, 24}, {"constant", 9, 9}};
    static const char *const blocks[] = {"0", "8", "3"};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int ch = 1; ch <= 4; ch++)
            for (int b = 0; b < 3; b++) {
                ImzImage img, out = {0};
                REQUIRE(test_make_image(&img, shapes[s].kind, shapes[s].w, shapes[s].h, ch,
                                        ch == 2 ? 16 : 8, (uint32_t)(s + 1)) == 0);
                /* every component kept: only quantisation is lost */
                ImzOption o[2] = {{"components", "4096"}, {"block", blocks[b]}};
                if (test_roundtrip(&img, "pca", o, 2, &out)) {
                    double p = test_psnr(&img, &out);
                    CHECK_MSG(p > 40, "pca block %s, all components, %s %ux%u ch%d: PSNR %.2f",
                              blocks[b], shapes[s].kind, shapes[s].w, shapes[s].h, ch, p);
                }
                imz_image_free(test_ctx(), &out);
                imz_image_free(test_ctx(), &img);
            }
}

TEST(pca_rank_one_image)
{
    /* an outer product is exactly one component */
    ImzImage img, out = {0};
    REQUIRE(imz_image_alloc(test_ctx(), &img, 60, 40, 1, 8) == IMZ_OK);
    for (uint32_t y = 0; y < 40; y++)
        for (uint32_t x = 0; x < 60; x++)
            img.data[y * 60 + x] = (uint16_t)((10 + y * 5) * (1 + x % 7) / 8);
    double sv[40], cum[40];
    int n = 0;
    REQUIRE(imz_pca_spectrum(test_ctx(), &img, 0, sv, &n) == IMZ_OK);
    CHECK_EQ(n, 40);
    CHECK(sv[0] > 0 && sv[1] < 0.05 * sv[0]); /* integer rounding adds a little noise */
    for (int i = 0; i < n; i++)
        sv[i] *= sv[i];
    imz_pca_explained(sv, n, cum);
    CHECK(cum[0] > 0.99 && fabs(cum[n - 1] - 1) < 1e-12);
    ImzOption o = {"components", "1"};
    if (test_roundtrip(&img, "pca", &o, 1, &out))
        CHECK_MSG(test_psnr(&img, &out) > 35, "rank-1: PSNR %.2f", test_psnr(&img, &out));
    imz_image_free(test_ctx(), &out);
    imz_image_free(test_ctx(), &img);
}

TEST(pca_quality_rises_with_components)
{
    ImzImage img;
    if (test_load_image(test_sample("kodim23_crop.png"), &img) != IMZ_OK)
        return;
    static const char *const ks[] = {"5", "20", "60", "150"};
    static const char *const bks[] = {"2", "6", "16", "48"};
    double last = 0, last_b = 0;
    size_t last_bytes = 0;
    for (int i = 0; i < 4; i++) {
        ImzOption o = {"components", ks[i]};
        ImzImage out = {0};
        size_t bytes = test_roundtrip(&img, "pca", &o, 1, &out);
        if (bytes) {
            double p = test_psnr(&img, &out);
            printf("  kodim23_crop pca K=%-4s %7zu bytes  PSNR %.2f\n", ks[i], bytes, p);
            CHECK_MSG(p > last && bytes > last_bytes, "pca K=%s: PSNR %.2f, %zu bytes", ks[i], p,
                      bytes);
            last = p;
            last_bytes = bytes;
        }
        imz_image_free(test_ctx(), &out);
        ImzOption ob[2] = {{"components", bks[i]}, {"block", "8"}};
        bytes = test_roundtrip(&img, "pca", ob, 2, &out);
        if (bytes) {
            double p = test_psnr(&img, &out);
            printf("  kodim23_crop pca --block 8 K=%-3s %7zu bytes  PSNR %.2f\n", bks[i], bytes, p);
            CHECK_MSG(p > last_b, "pca block 8 K=%s: PSNR %.2f", bks[i], p);
            last_b = p;
        }
        imz_image_free(test_ctx(), &out);
    }
    CHECK(last > 30 && last_b > 30);
    imz_image_free(test_ctx(), &img);
}

TEST(pca_block_spectrum)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 32, 32, 3, 8, 5) == 0);
    double eig[8 * 8 * 3], cum[8 * 8 * 3];
    int n = 0;
    REQUIRE(imz_pca_block_spectrum(test_ctx(), &img, 8, eig, &n) == IMZ_OK);
    CHECK_EQ(n, 192);
    for (int i = 1; i < n; i++)
        CHECK(eig[i] <= eig[i - 1]);
    imz_pca_explained(eig, n, cum);
    CHECK(fabs(cum[n - 1] - 1) < 1e-12);
    CHECK_EQ(imz_pca_block_spectrum(test_ctx(), &img, 0, eig, &n), IMZ_ERR_INVALID_ARG);
    imz_image_free(test_ctx(), &img);
}

TEST(pca_rejects_block_one)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 8, 8, 1, 8, 1) == 0);
    ImzOption o = {"block", "1"};
    uint8_t *buf = NULL;
    size_t len;
    CHECK_EQ(imz_encode(test_ctx(), &img, "pca", &o, 1, &buf, &len), IMZ_ERR_INVALID_ARG);
    imz_image_free(test_ctx(), &img);
}

TEST(kodak_classic_150_components)
{
    const char *dir = test_data_dir("kodak");
    if (!dir)
        SKIP("../shared/data/kodak not found");
    char path[1024];
    snprintf(path, sizeof path, "%s/kodim23.png", dir);
    ImzImage img, out = {0};
    if (test_load_image(path, &img) != IMZ_OK)
        return;
    ImzOption o = {"components", "150"};
    size_t bytes = test_roundtrip(&img, "pca", &o, 1, &out);
    if (bytes) {
        ImzMetrics m;
        REQUIRE(imz_compare(test_ctx(), &img, &out, &m) == IMZ_OK);
        printf("  kodim23 pca 150: %zu bytes, ratio %.1f, PSNR %.2f, SSIM %.4f\n", bytes,
               img.width * img.height * 3.0 / bytes, m.psnr_all, m.ssim);
        CHECK(m.psnr_all > 35.0);
    }
    imz_image_free(test_ctx(), &out);
    imz_image_free(test_ctx(), &img);
}
