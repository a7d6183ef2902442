// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Context lifetime, allocation hooks, error recording and image allocation. This is the only file
// that calls malloc/free directly.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/context.h"

#define STR2(x) #x
#define STR(x) STR2(x)

const char *imz_version_string(void)
{
    return STR(IMZ_VERSION_MAJOR) "." STR(IMZ_VERSION_MINOR) "." STR(IMZ_VERSION_PATCH);
}

const char *imz_strerror(int status)
{
    switch (status) {
    case IMZ_OK:
        return "success";
    case IMZ_ERR_INVALID_ARG:
        return "invalid argument";
    case IMZ_ERR_NOMEM:
        return "out of memory";
    case IMZ_ERR_CORRUPT:
        return "corrupt data";
    case IMZ_ERR_TRUNCATED:
        return "truncated data";
    case IMZ_ERR_UNSUPPORTED:
        return "unsupported feature";
    case IMZ_ERR_LIMIT:
        return "over a resource limit";
    case IMZ_ERR_IO:
        return "I/O error";
    case IMZ_ERR_INTERNAL:
        return "internal error";
    default:
        return "unknown error";
    }
}

static void *default_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return malloc(size ? size : 1);
}

static void *default_zalloc(void *opaque, size_t size)
{
    (void)opaque;
    return calloc(size ? size : 1, 1);
}

static void default_free(void *opaque, void *ptr)
{
    (void)opaque;
    free(ptr);
}

int imz_context_create(ImzContext **out, const ImzAllocator *alloc)
{
    if (!out)
        return IMZ_ERR_INVALID_ARG;
    *out = NULL;
    ImzAllocator a = {default_alloc, default_free, NULL, default_zalloc};
    if (alloc) {
        if (!alloc->alloc || !alloc->free)
            return IMZ_ERR_INVALID_ARG;
        a = *alloc;
    }
    ImzContext *ctx = a.alloc(a.opaque, sizeof *ctx);
    if (!ctx)
        return IMZ_ERR_NOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = a;
    ctx->max_pixels = IMZ_DEFAULT_MAX_PIXELS;
    ctx->n_threads = 1;
    *out = ctx;
    return IMZ_OK;
}

void imz_context_destroy(ImzContext *ctx)
{
    if (ctx)
        ctx->alloc.free(ctx->alloc.opaque, ctx);
}

void imz_set_max_pixels(ImzContext *ctx, uint64_t max_pixels)
{
    if (ctx)
        ctx->max_pixels = max_pixels ? max_pixels : IMZ_DEFAULT_MAX_PIXELS;
}

void imz_set_threads(ImzContext *ctx, int n_threads)
{
    if (ctx)
        ctx->n_threads = n_threads < 0 ? 1 : n_threads > 64 ? 64 : n_threads;
}

const char *imz_last_error(const ImzContext *ctx)
{
    return ctx ? ctx->error : "no context";
}

int imz_fail(ImzContext *ctx, int status, const char *fmt, ...)
{
    if (ctx) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ctx->error, sizeof ctx->error, fmt, ap);
        va_end(ap);
    }
    return status;
}

void *imz_malloc(ImzContext *ctx, size_t size)
{
    void *p = ctx->alloc.alloc(ctx->alloc.opaque, size ? size : 1);
    if (!p)
        imz_fail(ctx, IMZ_ERR_NOMEM, "out of memory (%zu bytes)", size);
    return p;
}

void *imz_calloc(ImzContext *ctx, size_t n, size_t elem)
{
    size_t size;
    if (!imz_mul_size(n, elem, &size)) {
        imz_fail(ctx, IMZ_ERR_NOMEM, "allocation size overflows");
        return NULL;
    }
    /* Through zalloc (calloc by default): large blocks come zeroed from the system and are only
     * touched (and paid for) where they are used, so a decoder that gives up early on a file
     * announcing a huge image has not cleared it all. */
    if (ctx->alloc.zalloc) {
        void *p = ctx->alloc.zalloc(ctx->alloc.opaque, size);
        if (!p)
            imz_fail(ctx, IMZ_ERR_NOMEM, "out of memory (%zu bytes)", size);
        return p;
    }
    void *p = imz_malloc(ctx, size);
    if (p)
        memset(p, 0, size);
    return p;
}

void *imz_malloc_array(ImzContext *ctx, size_t n, size_t elem)
{
    size_t size;
    if (!imz_mul_size(n, elem, &size)) {
        imz_fail(ctx, IMZ_ERR_NOMEM, "allocation size overflows");
        return NULL;
    }
    return imz_malloc(ctx, size);
}

void *imz_realloc(ImzContext *ctx, void *ptr, size_t old_size, size_t new_size)
{
    void *p = imz_malloc(ctx, new_size);
    if (!p)
        return NULL;
    if (ptr) {
        memcpy(p, ptr, old_size < new_size ? old_size : new_size);
        imz_mem_free(ctx, ptr);
    }
    return p;
}

void imz_mem_free(ImzContext *ctx, void *ptr)
{
    if (ptr)
        ctx->alloc.free(ctx->alloc.opaque, ptr);
}

void imz_free(ImzContext *ctx, void *ptr)
{
    if (ctx)
        imz_mem_free(ctx, ptr);
}

int imz_check_shape(ImzContext *ctx, uint64_t width, uint64_t height, int channels, int depth)
{
    if (width == 0 || height == 0 || width > UINT32_MAX || height > UINT32_MAX)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "invalid dimensions %llux%llu",
                        (unsigned long long)width, (unsigned long long)height);
    if (channels < 1 || channels > IMZ_MAX_CHANNELS)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "invalid channel count %d", channels);
    if (depth < 1 || depth > 16)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "invalid bit depth %d", depth);
    if (width * height > ctx->max_pixels)
        return imz_fail(ctx, IMZ_ERR_LIMIT,
                        "%llux%llu image is over the pixel limit of %llu (raise it with "
                        "--max-pixels)",
                        (unsigned long long)width, (unsigned long long)height,
                        (unsigned long long)ctx->max_pixels);
    size_t bytes;
    if (!imz_mul_size((size_t)width * height, (size_t)channels * 2, &bytes))
        return imz_fail(ctx, IMZ_ERR_LIMIT, "image too large for this machine");
    return IMZ_OK;
}

int imz_image_alloc(ImzContext *ctx, ImzImage *img, uint32_t width, uint32_t height, int channels,
                    int bit_depth)
{
    if (!ctx || !img)
        return IMZ_ERR_INVALID_ARG;
    memset(img, 0, sizeof *img);
    int st = imz_check_shape(ctx, width, height, channels, bit_depth);
    if (st < 0)
        return st;
    img->data = imz_calloc(ctx, (size_t)width * height * channels, sizeof(uint16_t));
    if (!img->data)
        return IMZ_ERR_NOMEM;
    img->width = width;
    img->height = height;
    img->channels = (uint8_t)channels;
    img->bit_depth = (uint8_t)bit_depth;
    return IMZ_OK;
}

void imz_image_free(ImzContext *ctx, ImzImage *img)
{
    if (!img)
        return;
    if (ctx)
        imz_mem_free(ctx, img->data);
    memset(img, 0, sizeof *img);
}
