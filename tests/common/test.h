// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// A tiny test harness. Each test file is one executable: TEST(name) { ... } registers a test;
// CHECK* record failures and continue; SKIP(...) ends the current test as skipped with a reason.
// The run ends with the line "N passed, N failed, N skipped" and exits 1 if any test failed.
// Data under ../shared/data is found with test_data_dir(); tests skip, saying so, when it is
// absent.

#ifndef IMZ_TEST_H
#define IMZ_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "imz.h"

typedef void (*TestFn)(void);
void test_register(const char *name, TestFn fn);
void test_fail(const char *file, int line, const char *fmt, ...);
void test_skip(const char *fmt, ...);
int test_failed_now(void);

#define TEST(name)                                                                                 \
    static void name(void);                                                                        \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        test_register(#name, name);                                                                \
    }                                                                                              \
    static void name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                     \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            test_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
    } while (0)

#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long long va_ = (long long)(a), vb_ = (long long)(b);                                      \
        if (va_ != vb_)                                                                            \
            test_fail(__FILE__, __LINE__, "%s == %s (%lld != %lld)", #a, #b, va_, vb_);            \
    } while (0)

/** Ends the current test early if a check has failed (use before dereferencing results). */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);                                   \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define SKIP(...)                                                                                  \
    do {                                                                                           \
        test_skip(__VA_ARGS__);                                                                    \
        return;                                                                                    \
    } while (0)

/** Path of ../shared/data/<sub> next to the source tree, or NULL if absent. */
const char *test_data_dir(const char *sub);
/** Path of a file in tests/data/ of the source tree. */
const char *test_sample(const char *name);

/** Lists *.png files of a directory, sorted; returns count (<= max), names malloc'ed. */
int test_list_png(const char *dir, char **names, int max);

/** Reads each PNG of the data set `sub` (test_data_dir) in turn and calls fn(path, img, arg);
 *  an unreadable file is a failure. Returns the number of images, or -1 after marking the test
 *  skipped when the data set is absent (the caller then returns). */
int test_for_each_image(const char *sub,
                        void (*fn)(const char *path, const ImzImage *img, void *arg), void *arg);

/** A shared context for the test file (created on first use). */
ImzContext *test_ctx(void);

/** Synthetic images: kinds "noise", "gradient", "constant", "checker", "extremes". */
int test_make_image(ImzImage *img, const char *kind, uint32_t w, uint32_t h, int channels,
                    int depth, uint32_t seed);
/** Reads an image file (PNG, JPEG, PNM) into img; records a failure and returns non-zero if it
 * cannot. */
int test_load_image(const char *path, ImzImage *img);

/**
 * Encodes img with codec and options twice (checking the bytes are identical) and decodes the
 * result into *out. Returns the file size, or 0 after recording a failure (out then empty).
 */
size_t test_roundtrip(const ImzImage *img, const char *codec, const ImzOption *opts, int n_opts,
                      ImzImage *out);

/** Overall PSNR of b against a (INFINITY when identical; -1 when they cannot be compared). */
double test_psnr(const ImzImage *a, const ImzImage *b);

/** 1 if the images have the same shape and samples. */
int test_images_equal(const ImzImage *a, const ImzImage *b);

#endif
