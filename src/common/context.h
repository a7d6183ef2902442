// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The library context (allocator, limits, thread count, last error) and the internal helpers every
// module uses: allocation through the context's hooks, overflow-checked size arithmetic, and
// imz_fail(), which records a one-line reason and returns the status so callers can write
// `return imz_fail(ctx, IMZ_ERR_CORRUPT, "bad length %u", n);`.

#ifndef IMZ_COMMON_CONTEXT_H
#define IMZ_COMMON_CONTEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "imz.h"

struct ImzContext {
    ImzAllocator alloc;
    uint64_t max_pixels;
    int n_threads;
    char error[256];
};

#if defined(__GNUC__)
#define IMZ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IMZ_PRINTF(f, a)
#endif

/** Records the reason for a failure on ctx and returns status (which must be negative). */
int imz_fail(ImzContext *ctx, int status, const char *fmt, ...) IMZ_PRINTF(3, 4);

/** Allocates size bytes through the context's allocator; NULL (and a NOMEM reason) on failure. */
void *imz_malloc(ImzContext *ctx, size_t size);
/** Like imz_malloc, zero-filled. */
void *imz_calloc(ImzContext *ctx, size_t n, size_t elem);
/** Allocates n * elem bytes with overflow check. */
void *imz_malloc_array(ImzContext *ctx, size_t n, size_t elem);
/** Grows a block: a new block of new_size with the first old_size bytes copied; frees the old. */
void *imz_realloc(ImzContext *ctx, void *ptr, size_t old_size, size_t new_size);
void imz_mem_free(ImzContext *ctx, void *ptr);

/** Overflow-checked size arithmetic: 1 on success, 0 if the result would not fit. */
static inline int imz_mul_size(size_t a, size_t b, size_t *out)
{
    if (b && a > SIZE_MAX / b)
        return 0;
    *out = a * b;
    return 1;
}

static inline int imz_add_size(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return 0;
    *out = a + b;
    return 1;
}

/** Checks an image shape against the arguments' ranges and the context's pixel limit. */
int imz_check_shape(ImzContext *ctx, uint64_t width, uint64_t height, int channels, int depth);

/** Number of samples of img (width * height * channels); the shape was checked on creation. */
static inline size_t imz_image_samples(const ImzImage *img)
{
    return (size_t)img->width * img->height * img->channels;
}

#endif
