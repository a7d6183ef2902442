// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Tests for imz_entropy, imz_residuals, imz_predictor_name and imz_histogram_entropy: known
// distributions, noise (incompressible), a ramp (fully predictable), photos (predictable in
// part), constant images, and that residuals invert back to the image for every predictor.

#include <math.h>
#include <stdlib.h>

#include "analysis/analysis.h"
#include "imageio/imageio.h"
#include "predict/predict.h"
#include "test.h"

TEST(histogram_entropy)
{
    const uint32_t uniform4[] = {5, 5, 5, 5}, single[] = {0, 9, 0}, empty[] = {0, 0};
    const uint32_t skewed[] = {3, 1}, halves[] = {1, 0, 1};
    CHECK(fabs(imz_histogram_entropy(uniform4, 4) - 2) < 1e-12);
    CHECK(imz_histogram_entropy(single, 3) == 0);
    CHECK(imz_histogram_entropy(empty, 2) == 0);
    CHECK(fabs(imz_histogram_entropy(halves, 3) - 1) < 1e-12);
    double h = -(0.75 * log2(0.75) + 0.25 * log2(0.25));
    CHECK(fabs(imz_histogram_entropy(skewed, 2) - h) < 1e-12);
}

TEST(predictor_names)
{
    CHECK(!strcmp(imz_predictor_name(IMZ_PRED_LEFT), "left"));
    CHECK(!strcmp(imz_predictor_name(IMZ_PRED_UP), "up"));
    CHECK(!strcmp(imz_predictor_name(IMZ_PRED_AVG), "avg"));
    CHECK(!strcmp(imz_predictor_name(IMZ_PRED_PAETH), "paeth"));
    CHECK(!strcmp(imz_predictor_name(IMZ_PRED_MED), "med"));
    CHECK(!strcmp(imz_predictor_name(IMZ_PRED_COUNT), "unknown"));
    CHECK(!strcmp(imz_predictor_name(-1), "unknown"));
}

TEST(noise_is_incompressible)
{
    ImzImage img = {0}, res = {0};
    REQUIRE(test_make_image(&img, "noise", 512, 512, 1, 8, 42) == IMZ_OK);
    double h, hr;
    REQUIRE(imz_entropy(test_ctx(), &img, &h) == IMZ_OK);
    REQUIRE(imz_residuals(test_ctx(), &img, IMZ_PRED_LEFT, &res, &hr) == IMZ_OK);
    CHECK_MSG(h > 7.99 && h <= 8, "entropy %f", h);
    CHECK_MSG(hr > 7.99 && hr >= h - 0.01, "left residual entropy %f (image %f)", hr, h);
    CHECK(res.width == 512 && res.height == 512 && res.channels == 1 && res.bit_depth == 8);
    imz_image_free(test_ctx(), &img);
    imz_image_free(test_ctx(), &res);
}

TEST(ramp_is_predictable)
{
    /* Each row counts 0, 1, 2, ... wrapping at 256: every left residual is +1 except in the
     * first column, which is predicted from above. */
    ImzImage img = {0}, res = {0};
    REQUIRE(imz_image_alloc(test_ctx(), &img, 512, 64, 1, 8) == IMZ_OK);
    for (uint32_t y = 0; y < 64; y++)
        for (uint32_t x = 0; x < 512; x++)
            img.data[y * 512 + x] = (uint16_t)(x & 255);
    double h, hr;
    REQUIRE(imz_entropy(test_ctx(), &img, &h) == IMZ_OK);
    REQUIRE(imz_residuals(test_ctx(), &img, IMZ_PRED_LEFT, &res, &hr) == IMZ_OK);
    CHECK_MSG(fabs(h - 8) < 1e-9, "entropy %f", h);
    CHECK_MSG(hr < 0.1, "left residual entropy %f", hr);
    CHECK_EQ(res.data[0], 128);
    CHECK_EQ(res.data[1], 129);
    CHECK_EQ(res.data[256], 129); /* 0 after 255 wraps to +1 */
    CHECK_EQ(res.data[512], 128);
    /* `up` sees every row repeat the one above: only row 0 costs anything. */
    double hu;
    REQUIRE(imz_residuals(test_ctx(), &img, IMZ_PRED_UP, NULL, &hu) == IMZ_OK);
    CHECK_MSG(hu < 0.2, "up residual entropy %f", hu);
    imz_image_free(test_ctx(), &img);
    imz_image_free(test_ctx(), &res);
}

static void check_photo(const char *path)
{
    ImzImage img = {0};
    if (test_load_image(path, &img) != IMZ_OK) {
        CHECK_MSG(0, "cannot load %s", path);
        return;
    }
    double h;
    CHECK(imz_entropy(test_ctx(), &img, &h) == IMZ_OK);
    for (int p = 0; p < IMZ_PRED_COUNT; p++) {
        double hr;
        CHECK(imz_residuals(test_ctx(), &img, p, NULL, &hr) == IMZ_OK);
        if (p == IMZ_PRED_LEFT)
            CHECK_MSG(hr < 0.8 * h, "%s: left residual entropy %f, image %f", path, hr, h);
        printf("  %s: entropy %.3f, %s residuals %.3f bits/sample\n", strrchr(path, '/') + 1, h,
               imz_predictor_name(p), hr);
    }
    imz_image_free(test_ctx(), &img);
}

TEST(photo_is_predictable)
{
    check_photo(test_sample("kodim23_crop.png"));
    const char *kodak = test_data_dir("kodak");
    if (!kodak)
        SKIP("no Kodak images (../shared/data/kodak); checked the sample crop only");
    /* kodim23 (parrots): smooth areas and edges. Dense texture such as kodim01's brick and
     * foliage gains less from a single neighbour. */
    char path[1200];
    snprintf(path, sizeof path, "%s/kodim23.png", kodak);
    FILE *f = fopen(path, "rb");
    if (!f)
        SKIP("%s is missing", path);
    fclose(f);
    check_photo(path);
}

TEST(constant_residuals)
{
    const int depths[] = {1, 2, 8, 12, 16};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        for (int ch = 1; ch <= 4; ch++) {
            int d = depths[i];
            unsigned centre = 1u << (d - 1), mask = (1u << d) - 1;
            for (uint32_t seed = 0; seed < 2; seed++) {
                /* Channel c holds (seed + 37c) & mask everywhere. */
                ImzImage img = {0}, res = {0};
                REQUIRE(test_make_image(&img, "constant", 19, 7, ch, d, seed) == IMZ_OK);
                for (int p = 0; p < IMZ_PRED_COUNT; p++) {
                    double hr = -1;
                    REQUIRE(imz_residuals(test_ctx(), &img, p, &res, &hr) == IMZ_OK);
                    int bad = 0;
                    for (size_t k = 0; k < (size_t)19 * 7 * ch; k++) {
                        /* The first pixel is predicted from 0, so it shows its own value. */
                        unsigned want = k < (size_t)ch ? (img.data[k] + centre) & mask : centre;
                        bad += res.data[k] != want;
                    }
                    CHECK_MSG(!bad, "depth %d, %d channels, seed %u, %s: %d residuals off", d, ch,
                              seed, imz_predictor_name(p), bad);
                    if (seed == 0 && ch == 1) /* all zero, so no exception at the start */
                        CHECK_MSG(hr == 0, "entropy %f", hr);
                    else
                        CHECK(hr >= 0 && hr < 0.2);
                    imz_image_free(test_ctx(), &res);
                }
                imz_image_free(test_ctx(), &img);
            }
        }
    }
}

TEST(residuals_invert)
{
    /* Decoding residuals with the same predictor must give the image back, for every depth. */
    const int depths[] = {1, 5, 8, 16};
    for (size_t i = 0; i < sizeof depths / sizeof *depths; i++) {
        int d = depths[i], ch = 3;
        ImzImage img = {0}, res = {0}, back = {0};
        REQUIRE(test_make_image(&img, "noise", 23, 17, ch, d, (uint32_t)d) == IMZ_OK);
        REQUIRE(imz_image_alloc(test_ctx(), &back, 23, 17, ch, d) == IMZ_OK);
        unsigned centre = 1u << (d - 1), mask = (1u << d) - 1;
        for (int p = 0; p < IMZ_PRED_COUNT; p++) {
            REQUIRE(imz_residuals(test_ctx(), &img, p, &res, NULL) == IMZ_OK);
            for (uint32_t y = 0; y < 17; y++)
                for (uint32_t x = 0; x < 23; x++)
                    for (int c = 0; c < ch; c++) {
                        size_t k = ((size_t)y * 23 + x) * ch + c;
                        int pred = imz_predict_at(p, back.data, 23, ch, x, y, c);
                        back.data[k] = (uint16_t)((res.data[k] - centre + (unsigned)pred) & mask);
                    }
            CHECK_MSG(test_images_equal(&img, &back), "depth %d, %s", d, imz_predictor_name(p));
            imz_image_free(test_ctx(), &res);
        }
        imz_image_free(test_ctx(), &img);
        imz_image_free(test_ctx(), &back);
    }
}

TEST(bad_arguments)
{
    ImzContext *ctx = test_ctx();
    ImzImage img = {0};
    REQUIRE(test_make_image(&img, "noise", 8, 8, 1, 4, 1) == IMZ_OK);
    double h;
    CHECK(imz_residuals(ctx, &img, IMZ_PRED_COUNT, NULL, &h) == IMZ_ERR_INVALID_ARG);
    CHECK(imz_residuals(ctx, &img, -1, NULL, &h) == IMZ_ERR_INVALID_ARG);
    img.data[9] = 16; /* above a 4-bit range */
    CHECK(imz_entropy(ctx, &img, &h) == IMZ_ERR_INVALID_ARG);
    CHECK(imz_residuals(ctx, &img, IMZ_PRED_MED, NULL, &h) == IMZ_ERR_INVALID_ARG);
    CHECK(strstr(imz_last_error(ctx), "exceeds bit depth") != NULL);
    ImzImage empty = {0};
    CHECK(imz_entropy(ctx, &empty, &h) == IMZ_ERR_INVALID_ARG);
    imz_image_free(ctx, &img);
}
