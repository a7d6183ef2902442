// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The command line's allocator. A one-shot process touches every page of its image buffers exactly
// once, and with 4 KiB pages the kernel's page faults cost as much as a fast codec's whole work
// (about 1.5 us per page here: 8 MB of buffers is 3 ms of faults). So blocks of 1 MiB or more get
// a mapping of their own, aligned to 2 MiB, whose whole 2 MiB pages (and a last part of 1 MiB or
// more) are marked for transparent huge pages, which the kernel fills one fault per 2 MiB; a huge
// page costs about as much as 70 small-page faults. Smaller blocks come from malloc. Where huge
// pages are off or unavailable, the mapping falls back to small pages. Under AddressSanitizer
// everything comes from malloc, so that the sanitizer keeps watching the large buffers.

#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IMZ_CLI_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define IMZ_CLI_ASAN 1
#endif

#if defined(__linux__) && !defined(IMZ_CLI_ASAN)
#include <sys/mman.h>
#define HAVE_HUGE_MAPPINGS 1
#else
#define HAVE_HUGE_MAPPINGS 0
#endif

#define BIG_BLOCK ((size_t)1 << 20)
#define HUGE_PAGE ((size_t)2 << 20)

/* Every block starts with this header, so that imz_cli_free knows how the block was made. The size
 * keeps the returned pointer aligned for any type. */
typedef union BlockHeader {
    struct {
        void *base;    /* what malloc or mmap returned */
        size_t mapped; /* length of the mapping; 0 for a malloc block */
    } b;
    max_align_t align;
} BlockHeader;

/* A block of size bytes; zeroed if asked (the mapped ones are zero-filled pages already, which the
 * kernel supplies only when they are touched). */
static void *block_alloc(size_t size, int zeroed)
{
    const size_t hdr = sizeof(BlockHeader);
    if (size > SIZE_MAX - hdr - HUGE_PAGE)
        return NULL;
#if HAVE_HUGE_MAPPINGS
    if (size >= BIG_BLOCK) {
        /* The data starts on a 2 MiB boundary (the header sits just before it), which is what lets
         * the kernel back the block with whole huge pages. */
        const size_t mapped = (hdr + size + 2 * HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        uint8_t *base =
            mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (base != MAP_FAILED) {
            uint8_t *data = (uint8_t *)(((uintptr_t)base + hdr + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
            madvise(data, (size + HUGE_PAGE / 2) & ~(HUGE_PAGE - 1), MADV_HUGEPAGE);
            BlockHeader *h = (BlockHeader *)(void *)(data - hdr);
            h->b.base = base;
            h->b.mapped = mapped;
            return data;
        }
    }
#endif
    BlockHeader *h = zeroed ? calloc(hdr + (size ? size : 1), 1) : malloc(hdr + (size ? size : 1));
    if (!h)
        return NULL;
    h->b.base = h;
    h->b.mapped = 0;
    return h + 1;
}

void *imz_cli_alloc(size_t size)
{
    return block_alloc(size, 0);
}

void imz_cli_free(void *ptr)
{
    if (!ptr)
        return;
    BlockHeader *h = (BlockHeader *)ptr - 1;
#if HAVE_HUGE_MAPPINGS
    if (h->b.mapped) {
        munmap(h->b.base, h->b.mapped);
        return;
    }
#endif
    free(h->b.base);
}

void *imz_cli_realloc(void *ptr, size_t old_size, size_t new_size)
{
    void *p = imz_cli_alloc(new_size);
    if (p && ptr) {
        memcpy(p, ptr, old_size < new_size ? old_size : new_size);
        imz_cli_free(ptr);
    }
    return p;
}

static void *ctx_alloc(void *opaque, size_t size)
{
    (void)opaque;
    return imz_cli_alloc(size);
}

static void *ctx_zalloc(void *opaque, size_t size)
{
    (void)opaque;
    return block_alloc(size, 1);
}

static void ctx_free(void *opaque, void *ptr)
{
    (void)opaque;
    imz_cli_free(ptr);
}

const ImzAllocator imz_cli_allocator = {ctx_alloc, ctx_free, NULL, ctx_zalloc};
