// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Netpbm formats by hand. Reads P1/P4 (PBM, 1 = black, so samples are inverted to 0 = black), P2/P5
// (PGM), P3/P6 (PPM) and P7 (PAM, DEPTH 1..4) with '#' comments in headers. MAXVAL 1..65535 gives
// the bit depth that holds it and samples are kept as stored, so maxval 1000 reads as 10-bit data
// with values up to 1000; samples above maxval are an error. Binary samples above 255 are two
// bytes, big-endian. Writes P5/P6 (maxval 2^depth-1) and P7 for other channel counts.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imageio/imageio_internal.h"

typedef struct Parser {
    const uint8_t *p;
    size_t len, pos;
    char *err;
    size_t err_len;
} Parser;

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_line(Parser *ps)
{
    while (ps->pos < ps->len && ps->p[ps->pos] != '\n' && ps->p[ps->pos] != '\r')
        ps->pos++;
}

static void skip_blanks(Parser *ps)
{
    while (ps->pos < ps->len) {
        if (is_space(ps->p[ps->pos]))
            ps->pos++;
        else if (ps->p[ps->pos] == '#')
            skip_line(ps);
        else
            break;
    }
}

static int truncated_header(Parser *ps)
{
    return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_TRUNCATED, "truncated PNM header");
}

/* Reads a decimal number after blanks and comments; values above UINT32_MAX are refused. */
static int read_number(Parser *ps, const char *what, uint32_t *out)
{
    skip_blanks(ps);
    if (ps->pos >= ps->len)
        return truncated_header(ps);
    if (ps->p[ps->pos] < '0' || ps->p[ps->pos] > '9')
        return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT, "PNM: bad %s", what);
    uint64_t v = 0;
    while (ps->pos < ps->len && ps->p[ps->pos] >= '0' && ps->p[ps->pos] <= '9') {
        v = v * 10 + (uint64_t)(ps->p[ps->pos++] - '0');
        if (v > UINT32_MAX)
            return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT, "PNM: %s too large",
                                    what);
    }
    if (ps->pos < ps->len && !is_space(ps->p[ps->pos]) && ps->p[ps->pos] != '#')
        return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT, "PNM: bad %s", what);
    *out = (uint32_t)v;
    return IMZ_OK;
}

typedef struct Header {
    int kind; /* 1..7 from the magic */
    uint32_t width, height, depth, maxval;
} Header;

static int word_is(const uint8_t *w, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(w, s, n) == 0;
}

static int read_pam_header(Parser *ps, Header *h)
{
    int have_w = 0, have_h = 0, have_d = 0, have_m = 0;
    for (;;) {
        skip_blanks(ps);
        if (ps->pos >= ps->len)
            return truncated_header(ps);
        const uint8_t *word = ps->p + ps->pos;
        size_t n = 0;
        while (ps->pos < ps->len && !is_space(ps->p[ps->pos])) {
            ps->pos++;
            n++;
        }
        int st = IMZ_OK;
        if (word_is(word, n, "ENDHDR")) {
            skip_line(ps);
            if (ps->pos >= ps->len)
                return truncated_header(ps);
            /* The raster starts after the end of the ENDHDR line ("\n", or "\r\n"). */
            if (ps->p[ps->pos] == '\r' && ps->pos + 1 < ps->len && ps->p[ps->pos + 1] == '\n')
                ps->pos++;
            ps->pos++;
            break;
        } else if (word_is(word, n, "WIDTH")) {
            st = read_number(ps, "WIDTH", &h->width);
            have_w = 1;
        } else if (word_is(word, n, "HEIGHT")) {
            st = read_number(ps, "HEIGHT", &h->height);
            have_h = 1;
        } else if (word_is(word, n, "DEPTH")) {
            st = read_number(ps, "DEPTH", &h->depth);
            have_d = 1;
        } else if (word_is(word, n, "MAXVAL")) {
            st = read_number(ps, "MAXVAL", &h->maxval);
            have_m = 1;
        } else if (word_is(word, n, "TUPLTYPE")) {
            skip_line(ps); /* the channel count comes from DEPTH */
        } else {
            return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT,
                                    "PAM: unknown header field '%.*s'", (int)(n < 20 ? n : 20),
                                    (const char *)word);
        }
        if (st < 0)
            return st;
    }
    const char *missing = !have_w   ? "WIDTH"
                          : !have_h ? "HEIGHT"
                          : !have_d ? "DEPTH"
                          : !have_m ? "MAXVAL"
                                    : NULL;
    if (missing)
        return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT, "PAM: header lacks %s",
                                missing);
    if (h->depth < 1 || h->depth > 4)
        return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_UNSUPPORTED,
                                "PAM: DEPTH %u not supported (1..4)", (unsigned)h->depth);
    return IMZ_OK;
}

static int read_header(Parser *ps, Header *h)
{
    memset(h, 0, sizeof *h);
    h->kind = ps->p[1] - '0';
    ps->pos = 2;
    int st;
    if (h->kind == 7) {
        st = read_pam_header(ps, h);
        if (st < 0)
            return st;
    } else {
        if ((st = read_number(ps, "width", &h->width)) < 0 ||
            (st = read_number(ps, "height", &h->height)) < 0)
            return st;
        h->maxval = 1;
        if (h->kind != 1 && h->kind != 4 && (st = read_number(ps, "maxval", &h->maxval)) < 0)
            return st;
        h->depth = h->kind == 3 || h->kind == 6 ? 3 : 1;
        if (h->kind >= 4) {
            /* Exactly one whitespace byte separates a binary header from the raster. */
            if (ps->pos >= ps->len)
                return truncated_header(ps);
            if (!is_space(ps->p[ps->pos++]))
                return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT,
                                        "PNM: no whitespace before the raster");
        }
    }
    if (h->width == 0 || h->height == 0)
        return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT,
                                "PNM: invalid dimensions %ux%u", (unsigned)h->width,
                                (unsigned)h->height);
    if (h->maxval < 1 || h->maxval > 65535)
        return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT,
                                "PNM: maxval %u is not in 1..65535", (unsigned)h->maxval);
    return IMZ_OK;
}

static size_t samples_of(const ImzImage *img)
{
    return (size_t)img->width * img->height * img->channels;
}

static int bits_for(uint32_t maxval)
{
    int bits = 0;
    while (maxval >> bits)
        bits++;
    return bits;
}

static int sample_over(Parser *ps, uint32_t v, uint32_t maxval)
{
    return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT,
                            "PNM: sample %u exceeds maxval %u", (unsigned)v, (unsigned)maxval);
}

static int read_ascii(Parser *ps, const Header *h, ImzImage *img)
{
    size_t n = samples_of(img);
    for (size_t i = 0; i < n; i++) {
        if (h->kind == 1) {
            /* PBM digits need no separators. */
            skip_blanks(ps);
            if (ps->pos >= ps->len)
                return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_TRUNCATED,
                                        "truncated PNM data");
            uint8_t c = ps->p[ps->pos++];
            if (c != '0' && c != '1')
                return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_CORRUPT,
                                        "PBM: bad pixel character 0x%02x", c);
            img->data[i] = c == '0';
            continue;
        }
        uint32_t v;
        skip_blanks(ps);
        if (ps->pos >= ps->len)
            return imz_imageio_fail(ps->err, ps->err_len, IMZ_ERR_TRUNCATED, "truncated PNM data");
        int st = read_number(ps, "sample", &v);
        if (st < 0)
            return st;
        if (v > h->maxval)
            return sample_over(ps, v, h->maxval);
        img->data[i] = (uint16_t)v;
    }
    return IMZ_OK;
}

static int read_binary(Parser *ps, const Header *h, ImzImage *img)
{
    const uint8_t *p = ps->p + ps->pos;
    if (h->kind == 4) {
        size_t stride = ((size_t)img->width + 7) / 8;
        for (uint32_t y = 0; y < img->height; y++, p += stride)
            for (uint32_t x = 0; x < img->width; x++)
                img->data[(size_t)y * img->width + x] = !((p[x / 8] >> (7 - x % 8)) & 1);
        return IMZ_OK;
    }
    size_t n = samples_of(img);
    /* Full-range files, nearly all of them, cannot hold a sample over maxval: plain copies. */
    if (h->maxval == 255) {
        for (size_t i = 0; i < n; i++)
            img->data[i] = p[i];
        return IMZ_OK;
    }
    if (h->maxval == 65535) {
        for (size_t i = 0; i < n; i++)
            img->data[i] = (uint16_t)(p[2 * i] << 8 | p[2 * i + 1]);
        return IMZ_OK;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t v = *p++;
        if (h->maxval > 255)
            v = v << 8 | *p++;
        if (v > h->maxval)
            return sample_over(ps, v, h->maxval);
        img->data[i] = (uint16_t)v;
    }
    return IMZ_OK;
}

int imz_pnm_read(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                 size_t err_len)
{
    Parser ps = {data, len, 0, err, err_len};
    Header h;
    if (len < 2)
        return truncated_header(&ps);
    int st = read_header(&ps, &h);
    if (st < 0)
        return st;

    /* Check the data is there before allocating, so a tiny file cannot claim a huge image. */
    uint64_t samples = (uint64_t)h.width * h.height; /* < 2^64: both are 32-bit */
    uint64_t need;
    int binary = h.kind >= 4;
    if (h.kind == 4)
        need = ((uint64_t)h.width + 7) / 8 * h.height;
    else if (samples > UINT64_MAX / 8)
        need = UINT64_MAX;
    else
        need = samples * h.depth * (binary && h.maxval > 255 ? 2 : 1);
    size_t have = len - ps.pos;
    if (have < need)
        return imz_imageio_fail(err, err_len, IMZ_ERR_TRUNCATED,
                                "truncated PNM data (%zu of %llu %s bytes)", have,
                                (unsigned long long)need, binary ? "sample" : "needed");

    st = imz_imageio_alloc(ctx, img, h.width, h.height, (int)h.depth,
                           h.kind == 1 || h.kind == 4 ? 1 : bits_for(h.maxval), err, err_len);
    if (st < 0)
        return st;
    st = binary ? read_binary(&ps, &h, img) : read_ascii(&ps, &h, img);
    if (st < 0)
        imz_image_free(ctx, img);
    return st;
}

int imz_pnm_write(const ImzImage *img, int pam, const ImzAllocator *alloc, uint8_t **out,
                  size_t *out_len, char *err, size_t err_len)
{
    static const char *const tupltypes[2][4] = {
        {"GRAYSCALE", "GRAYSCALE_ALPHA", "RGB", "RGB_ALPHA"},
        {"BLACKANDWHITE", "BLACKANDWHITE_ALPHA", "RGB", "RGB_ALPHA"},
    };
    char header[160];
    unsigned maxval = (1u << img->bit_depth) - 1;
    int hl;
    if (pam || img->channels == 2 || img->channels == 4)
        hl = snprintf(header, sizeof header,
                      "P7\nWIDTH %u\nHEIGHT %u\nDEPTH %d\nMAXVAL %u\nTUPLTYPE %s\nENDHDR\n",
                      (unsigned)img->width, (unsigned)img->height, img->channels, maxval,
                      tupltypes[img->bit_depth == 1][img->channels - 1]);
    else
        hl = snprintf(header, sizeof header, "P%c\n%u %u\n%u\n", img->channels == 1 ? '5' : '6',
                      (unsigned)img->width, (unsigned)img->height, maxval);
    if (hl < 0 || (size_t)hl >= sizeof header)
        return imz_imageio_fail(err, err_len, IMZ_ERR_INTERNAL, "PNM header too long");

    size_t n = (size_t)img->width * img->height * img->channels; /* checked by the caller */
    size_t bps = maxval > 255 ? 2 : 1, total;
    if (n > (SIZE_MAX - (size_t)hl) / bps)
        return imz_imageio_fail(err, err_len, IMZ_ERR_LIMIT, "image too large for this machine");
    total = (size_t)hl + n * bps;
    uint8_t *buf = alloc ? alloc->alloc(alloc->opaque, total) : malloc(total);
    if (!buf)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory (%zu bytes)", total);
    memcpy(buf, header, (size_t)hl);
    uint8_t *p = buf + hl;
    const uint16_t *s = img->data;
    if (bps == 1) {
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)s[i];
    } else {
        for (size_t i = 0; i < n; i++) {
            p[2 * i] = (uint8_t)(s[i] >> 8);
            p[2 * i + 1] = (uint8_t)s[i];
        }
    }
    *out = buf;
    *out_len = total;
    return IMZ_OK;
}
