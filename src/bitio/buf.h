// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Growable output byte buffer (ImzBuf) and a bounds-checked input byte reader (ImzReader).
// ImzBuf is sticky on failure: once an allocation fails every later append is a no-op and
// buf->status holds IMZ_ERR_NOMEM, so encoders check it once at the end.
// ImzReader never reads past its end: reads beyond it return zeros and set `overflow`.

#ifndef IMZ_BITIO_BUF_H
#define IMZ_BITIO_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/context.h"

typedef struct ImzBuf {
    ImzContext *ctx;
    uint8_t *data;
    size_t len, cap;
    int status; /* IMZ_OK or IMZ_ERR_NOMEM */
} ImzBuf;

void imz_buf_init(ImzBuf *b, ImzContext *ctx);
void imz_buf_free(ImzBuf *b);
/** Makes room for n more bytes; returns a pointer to them or NULL (status set). */
uint8_t *imz_buf_reserve(ImzBuf *b, size_t n);
void imz_buf_append(ImzBuf *b, const void *src, size_t n);
void imz_buf_put_u8(ImzBuf *b, unsigned v);
void imz_buf_put_le16(ImzBuf *b, unsigned v);
void imz_buf_put_le32(ImzBuf *b, uint32_t v);
/** LEB128 unsigned varint (7 bits a byte, low first). */
void imz_buf_put_varint(ImzBuf *b, uint64_t v);
/** Hands the bytes over to the caller (free with imz_mem_free) and resets b. */
uint8_t *imz_buf_take(ImzBuf *b, size_t *len);

typedef struct ImzReader {
    const uint8_t *p, *end;
    int overflow;
} ImzReader;

static inline void imz_reader_init(ImzReader *r, const uint8_t *p, size_t n)
{
    r->p = p;
    r->end = p + n;
    r->overflow = 0;
}

static inline size_t imz_reader_left(const ImzReader *r) { return (size_t)(r->end - r->p); }

static inline unsigned imz_read_u8(ImzReader *r)
{
    if (r->p >= r->end) {
        r->overflow = 1;
        return 0;
    }
    return *r->p++;
}

static inline unsigned imz_read_le16(ImzReader *r)
{
    unsigned lo = imz_read_u8(r);
    return lo | imz_read_u8(r) << 8;
}

static inline uint32_t imz_read_le32(ImzReader *r)
{
    uint32_t lo = imz_read_le16(r);
    return lo | (uint32_t)imz_read_le16(r) << 16;
}

/** Returns a pointer to the next n bytes and skips them, or NULL (overflow set). */
static inline const uint8_t *imz_read_bytes(ImzReader *r, size_t n)
{
    if (imz_reader_left(r) < n) {
        r->overflow = 1;
        r->p = r->end;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}

/** LEB128 varint of at most 10 bytes; sets overflow on a truncated or over-long value. */
uint64_t imz_read_varint(ImzReader *r);

#endif
