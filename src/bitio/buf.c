// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Growable byte buffer and varint reader; see buf.h for the contracts.

#include "bitio/buf.h"

void imz_buf_init(ImzBuf *b, ImzContext *ctx)
{
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
}

void imz_buf_free(ImzBuf *b)
{
    imz_mem_free(b->ctx, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

uint8_t *imz_buf_reserve(ImzBuf *b, size_t n)
{
    if (b->status)
        return NULL;
    size_t need;
    if (!imz_add_size(b->len, n, &need)) {
        b->status = imz_fail(b->ctx, IMZ_ERR_NOMEM, "output buffer size overflows");
        return NULL;
    }
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        uint8_t *p = imz_realloc(b->ctx, b->data, b->len, cap);
        if (!p) {
            b->status = IMZ_ERR_NOMEM;
            return NULL;
        }
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void imz_buf_append(ImzBuf *b, const void *src, size_t n)
{
    uint8_t *dst = imz_buf_reserve(b, n);
    if (dst && n) {
        memcpy(dst, src, n);
        b->len += n;
    }
}

void imz_buf_put_u8(ImzBuf *b, unsigned v)
{
    uint8_t c = (uint8_t)v;
    imz_buf_append(b, &c, 1);
}

void imz_buf_put_le16(ImzBuf *b, unsigned v)
{
    uint8_t t[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    imz_buf_append(b, t, 2);
}

void imz_buf_put_le32(ImzBuf *b, uint32_t v)
{
    uint8_t t[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    imz_buf_append(b, t, 4);
}

void imz_buf_put_varint(ImzBuf *b, uint64_t v)
{
    uint8_t t[10];
    int n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            t[n] |= 0x80;
        n++;
    } while (v);
    imz_buf_append(b, t, (size_t)n);
}

uint8_t *imz_buf_take(ImzBuf *b, size_t *len)
{
    uint8_t *p = b->data;
    *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

uint64_t imz_read_varint(ImzReader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        unsigned c = imz_read_u8(r);
        if (r->overflow)
            return 0;
        if (shift == 63 && c > 1) {
            r->overflow = 1;
            return 0;
        }
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->overflow = 1;
    return 0;
}
