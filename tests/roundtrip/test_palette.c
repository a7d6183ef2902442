// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Round trips of the k-means codecs, `palette` and `vq`: every shape, channel count and depth
// decodes to the right shape; images with few enough colours (or blocks) come back exactly;
// encoding is deterministic for a seed; quality floors on the bundled Kodak crop and on Kodak;
// and the shared k-means itself on points with a known answer.

#include <math.h>
#include <stdlib.h>

#include "codec/palette/palette.h"
#include "imageio/imageio.h"
#include "quant/kmeans.h"
#include "test.h"

static const struct {
    const char *kind;
    uint32_t w, h;
} shapes[] = {{"noise", 1, 1},     {"noise", 1, 37},   {"noise", 41, 1},    {"gradient", 33, 17},
              {"checker", 24, 24}, {"constant", 9, 9}, {"extremes", 13, 7}, {"noise", 65, 3}};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

TEST(palette_every_shape_and_depth)
{
    static const int depths[] = {1, 8, 12, 16};
    for (size_t s = 0; s < N_SHAPES; s++)
        for (int ch = 1; ch <= 4; ch++)
            for (int di = 0; di < 4; di++) {
                ImzImage img, out = {0};
                REQUIRE(test_make_image(&img, shapes[s].kind, shapes[s].w, shapes[s].h, ch,
                                        depths[di], (uint32_t)(s * 7 + (size_t)ch)) == 0);
                ImzOption o = {"colors", "16"};
                test_roundtrip(&img, "palette", &o, 1, &out);
                /* checker, constant, 1-bit and tiny images have at most 16 colours */
                if (out.data &&
                    (!strcmp(shapes[s].kind, "checker") || !strcmp(shapes[s].kind, "constant") ||
                     depths[di] == 1 || shapes[s].w * shapes[s].h <= 16))
                    CHECK_MSG(test_images_equal(&img, &out), "palette: %s ch%d depth%d not exact",
                              shapes[s].kind, ch, depths[di]);
                imz_image_free(test_ctx(), &out);
                imz_image_free(test_ctx(), &img);
            }
}

TEST(palette_options_and_seeds)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "gradient", 97, 61, 3, 8, 1) == 0);
    static const char *const spaces[] = {"rgb", "oklab"};
    for (int sp = 0; sp < 2; sp++)
        for (int dither = 0; dither < 2; dither++) {
            ImzOption o[4] = {{"colors", "32"},
                              {"space", spaces[sp]},
                              {"dither", dither ? "1" : "0"},
                              {"seed", "7"}};
            ImzImage out = {0};
            if (test_roundtrip(&img, "palette", o, 4, &out)) {
                double p = test_psnr(&img, &out);
                CHECK_MSG(p > 30, "palette 32 %s dither %d on a gradient: PSNR %.2f", spaces[sp],
                          dither, p);
            }
            imz_image_free(test_ctx(), &out);
        }
    imz_image_free(test_ctx(), &img);
}

TEST(palette_on_kodak_crop)
{
    ImzImage img;
    if (test_load_image(test_sample("kodim23_crop.png"), &img) != IMZ_OK)
        return;
    static const char *const colors[] = {"16", "64", "256"};
    static const double floors[] = {25.0, 30.0, 34.0};
    double last = 0;
    for (int i = 0; i < 3; i++) {
        ImzOption o = {"colors", colors[i]};
        ImzImage out = {0};
        size_t bytes = test_roundtrip(&img, "palette", &o, 1, &out);
        if (bytes) {
            double p = test_psnr(&img, &out);
            printf("  kodim23_crop palette %-3s %7zu bytes  %.3f bpp  PSNR %.2f\n", colors[i],
                   bytes, bytes * 8.0 / (img.width * img.height), p);
            CHECK_MSG(p > floors[i] && p > last, "palette %s: PSNR %.2f", colors[i], p);
            last = p;
        }
        imz_image_free(test_ctx(), &out);
    }
    imz_image_free(test_ctx(), &img);
}

TEST(palette_compute_api)
{
    ImzImage img;
    REQUIRE(test_make_image(&img, "noise", 40, 30, 3, 8, 3) == 0);
    ImzPaletteParams p = {.colors = 8, .dither = 0, .space = IMZ_PAL_SPACE_OKLAB, .seed = 1};
    uint16_t pal[8 * 3], map[40 * 30];
    uint32_t counts[8];
    int n = 0;
    REQUIRE(imz_palette_compute(test_ctx(), &img, &p, pal, &n, map, counts) == IMZ_OK);
    CHECK_EQ(n, 8);
    uint32_t total = 0;
    for (int j = 0; j < n; j++)
        total += counts[j];
    CHECK_EQ(total, 40 * 30);
    for (int j = 1; j < n; j++) /* sorted by lightness */
        CHECK(0.299 * pal[j * 3] + 0.587 * pal[j * 3 + 1] + 0.114 * pal[j * 3 + 2] >=
              0.299 * pal[j * 3 - 3] + 0.587 * pal[j * 3 - 2] + 0.114 * pal[j * 3 - 1]);
    for (int i = 0; i < 40 * 30; i++)
        CHECK(map[i] < n);
    imz_image_free(test_ctx(), &img);
}

TEST(vq_every_shape)
{
    for (size_t s = 0; s < N_SHAPES; s++)
        for (int ch = 1; ch <= 4; ch += 1) {
            ImzImage img, out = {0};
            REQUIRE(test_make_image(&img, shapes[s].kind, shapes[s].w, shapes[s].h, ch,
                                    ch == 2 ? 16 : 8, (uint32_t)(s + 3)) == 0);
            ImzOption o[2] = {{"block", "4"}, {"codebook", "8"}};
            test_roundtrip(&img, "vq", o, 2, &out);
            /* checker (4x4 cells), constant and images of at most 8 blocks are exact */
            if (out.data &&
                (!strcmp(shapes[s].kind, "checker") || !strcmp(shapes[s].kind, "constant") ||
                 ((shapes[s].w + 3) / 4) * ((shapes[s].h + 3) / 4) <= 8))
                CHECK_MSG(test_images_equal(&img, &out), "vq: %s %ux%u ch%d not exact",
                          shapes[s].kind, shapes[s].w, shapes[s].h, ch);
            imz_image_free(test_ctx(), &out);
            imz_image_free(test_ctx(), &img);
        }
}

TEST(vq_on_kodak_crop)
{
    ImzImage img;
    if (test_load_image(test_sample("kodim23_crop.png"), &img) != IMZ_OK)
        return;
    static const char *const cfg[][2] = {{"4", "64"}, {"4", "256"}, {"2", "256"}, {"3", "100"}};
    static const double floors[] = {25.0, 27.0, 30.0, 27.0};
    for (int i = 0; i < 4; i++) {
        ImzOption o[2] = {{"block", cfg[i][0]}, {"codebook", cfg[i][1]}};
        ImzImage out = {0};
        size_t bytes = test_roundtrip(&img, "vq", o, 2, &out);
        if (bytes) {
            double p = test_psnr(&img, &out);
            printf("  kodim23_crop vq block %s codebook %-4s %7zu bytes  PSNR %.2f\n", cfg[i][0],
                   cfg[i][1], bytes, p);
            CHECK_MSG(p > floors[i], "vq %s/%s: PSNR %.2f", cfg[i][0], cfg[i][1], p);
        }
        imz_image_free(test_ctx(), &out);
    }
    imz_image_free(test_ctx(), &img);
}

TEST(kmeans_known_clusters)
{
    /* three tight groups: any seed must find their means */
    float pts[3 * 20], centres[3 * 2];
    static const float base[3][2] = {{0, 0}, {100, 0}, {0, 100}};
    for (int i = 0; i < 30; i++) {
        pts[i * 2] = base[i % 3][0] + (float)(i % 5) * 0.1f;
        pts[i * 2 + 1] = base[i % 3][1] + (float)(i % 7) * 0.1f;
    }
    for (uint64_t seed = 0; seed < 5; seed++) {
        ImzKmeansParams kp = {.k = 3,
                              .dims = 2,
                              .max_iter = 50,
                              .init_trials = 3,
                              .init_sample = 0,
                              .restarts = 1,
                              .seed = seed};
        uint32_t asg[30];
        int k = 0;
        REQUIRE(imz_kmeans_run(test_ctx(), pts, NULL, 30, &kp, centres, asg, &k) == IMZ_OK);
        CHECK_EQ(k, 3);
        for (int i = 0; i < 30; i++)
            CHECK(asg[i] == asg[i % 3]);
        CHECK(asg[0] != asg[1] && asg[1] != asg[2] && asg[0] != asg[2]);
    }
    /* fewer distinct points than centres: one centre per distinct point */
    float dup[8] = {1, 1, 1, 1, 5, 5, 1, 1};
    ImzKmeansParams kp = {.k = 4, .dims = 2, .max_iter = 10, .init_trials = 1, .seed = 3};
    int k = 0;
    REQUIRE(imz_kmeans_run(test_ctx(), dup, NULL, 4, &kp, centres, NULL, &k) == IMZ_OK);
    CHECK_EQ(k, 2);
}

TEST(kodak_palette_floors)
{
    const char *dir = test_data_dir("kodak");
    if (!dir)
        SKIP("../shared/data/kodak not found");
    char path[1024];
    snprintf(path, sizeof path, "%s/kodim23.png", dir);
    ImzImage img;
    if (test_load_image(path, &img) != IMZ_OK)
        return;
    ImzOption o = {"colors", "16"};
    ImzImage out = {0};
    size_t bytes = test_roundtrip(&img, "palette", &o, 1, &out);
    if (bytes) {
        ImzMetrics m;
        REQUIRE(imz_compare(test_ctx(), &img, &out, &m) == IMZ_OK);
        printf("  kodim23 palette 16: %zu bytes, ratio %.1f, PSNR %.2f, SSIM %.4f\n", bytes,
               img.width * img.height * 3.0 / bytes, m.psnr_all, m.ssim);
        CHECK(m.psnr_all > 26.0);
        CHECK(bytes < 30000);
    }
    imz_image_free(test_ctx(), &out);
    imz_image_free(test_ctx(), &img);
}
