// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// imz_encode / imz_decode / imz_read_info: option parsing and validation, the .imz header and
// chunk layer (docs/FORMAT.md §2), and dispatch to the codec named in the header. Everything read
// from a file is bounds-checked here before any codec sees it; the codec gets its parameter bytes,
// the reassembled payload and an output image already allocated within the context's limits.

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "container/codec.h"
#include "container/container.h"
#include "common/crc32c.h"
#include "common/intops.h"

int imz_codec_count(void) { return imz_n_codecs; }

int imz_codec_info(int i, ImzCodecInfo *info)
{
    if (i < 0 || i >= imz_n_codecs || !info)
        return IMZ_ERR_INVALID_ARG;
    const ImzCodec *c = imz_codecs[i];
    info->name = c->name;
    info->summary = c->summary;
    info->id = c->id;
    info->lossless = c->lossless;
    info->n_options = c->n_options;
    info->options = c->options;
    return IMZ_OK;
}

int imz_codec_find(const char *name)
{
    for (int i = 0; name && i < imz_n_codecs; i++)
        if (!strcmp(imz_codecs[i]->name, name))
            return i;
    return -1;
}

const char *imz_default_codec(void)
{
    return imz_codec_by_name("lossless") ? "lossless" : "delta";
}

/* Parses one option value: a choice name, or a number within the option's range. */
static int parse_option(ImzContext *ctx, const ImzCodec *c, const ImzOptionInfo *o,
                        const char *text, double *out)
{
    if (o->choices) {
        for (int k = 0; o->choices[k]; k++)
            if (!strcmp(o->choices[k], text)) {
                *out = k;
                return IMZ_OK;
            }
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (!*text || *end || errno || isnan(v))
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "codec '%s': option '%s': invalid value '%s'",
                        c->name, o->name, text);
    if (o->is_integer && v != floor(v))
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG,
                        "codec '%s': option '%s' takes a whole number, not '%s'", c->name,
                        o->name, text);
    if (v < o->min || v > o->max)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG,
                        "codec '%s': option '%s' must be in %g..%g, not %s", c->name, o->name,
                        o->min, o->max, text);
    *out = v;
    return IMZ_OK;
}

static int check_samples(ImzContext *ctx, const ImzImage *img)
{
    const unsigned maxv = (1u << img->bit_depth) - 1;
    const size_t n = imz_image_samples(img);
    unsigned or_all = 0;
    if (img->bit_depth == 16)
        return IMZ_OK;
    /* Fixed-length inner loops, which -O2 vectorises, over all but the last few samples. */
    uint16_t acc[32] = {0};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 32; k++)
            acc[k] |= img->data[i + k];
    for (int k = 0; k < 32; k++)
        or_all |= acc[k];
    for (; i < n; i++)
        or_all |= img->data[i];
    if (or_all > maxv)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "sample values exceed bit depth %d",
                        img->bit_depth);
    return IMZ_OK;
}

/* Writes the payload as chunks of at most IMZ_MAX_CHUNK bytes, then the empty end chunk. */
static void put_chunk(ImzBuf *out, const uint8_t *data, size_t n)
{
    uint8_t lenbuf[4];
    wr_le32(lenbuf, (uint32_t)n);
    imz_buf_append(out, lenbuf, 4);
    imz_buf_append(out, data, n);
    imz_buf_put_le32(out, imz_crc32c(imz_crc32c(0, lenbuf, 4), data, n));
}

static void put_chunks(ImzBuf *out, const uint8_t *payload, size_t len)
{
    for (size_t pos = 0; pos < len; pos += IMZ_MAX_CHUNK)
        put_chunk(out, payload + pos, len - pos < IMZ_MAX_CHUNK ? len - pos : IMZ_MAX_CHUNK);
    put_chunk(out, NULL, 0);
}

int imz_encode(ImzContext *ctx, const ImzImage *img, const char *codec, const ImzOption *opts,
               int n_opts, uint8_t **out, size_t *out_len)
{
    if (!ctx || !img || !out || !out_len || (n_opts > 0 && !opts))
        return IMZ_ERR_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    if (!codec)
        codec = imz_default_codec();
    const ImzCodec *c = imz_codec_by_name(codec);
    if (!c)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "unknown codec '%s'", codec);
    int st = imz_check_shape(ctx, img->width, img->height, img->channels, img->bit_depth);
    if (st < 0)
        return st;
    if (!img->data)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "image has no pixel data");
    st = check_samples(ctx, img);
    if (st < 0)
        return st;

    double values[IMZ_MAX_CODEC_OPTIONS];
    for (int i = 0; i < c->n_options; i++)
        values[i] = c->options[i].def;
    for (int i = 0; i < n_opts; i++) {
        int k = opts[i].name ? imz_codec_option_index(c, opts[i].name) : -1;
        if (k < 0)
            return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "codec '%s' has no option '%s'", c->name,
                            opts[i].name ? opts[i].name : "(null)");
        if (!opts[i].value)
            return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "option '%s' needs a value", opts[i].name);
        st = parse_option(ctx, c, &c->options[k], opts[i].value, &values[k]);
        if (st < 0)
            return st;
    }

    ImzBuf params, payload, file;
    imz_buf_init(&params, ctx);
    imz_buf_init(&payload, ctx);
    imz_buf_init(&file, ctx);
    st = c->encode(ctx, img, values, &params, &payload);
    if (st == IMZ_OK && (params.status || payload.status))
        st = IMZ_ERR_NOMEM;
    if (st == IMZ_OK && params.len > 0xffff)
        st = imz_fail(ctx, IMZ_ERR_INTERNAL, "codec parameters too long");
    if (st == IMZ_OK) {
        uint8_t h[IMZ_FIXED_HEADER_LEN];
        memcpy(h, IMZ_MAGIC, IMZ_MAGIC_LEN);
        h[8] = IMZ_FORMAT_VERSION;
        h[9] = c->id;
        wr_le32(h + 10, img->width);
        wr_le32(h + 14, img->height);
        h[18] = img->channels;
        h[19] = img->bit_depth;
        wr_le16(h + 20, (uint16_t)params.len);
        imz_buf_append(&file, h, sizeof h);
        imz_buf_append(&file, params.data, params.len);
        imz_buf_put_le32(&file, imz_crc32c(imz_crc32c(0, h, sizeof h), params.data, params.len));
        put_chunks(&file, payload.data, payload.len);
        if (file.status)
            st = IMZ_ERR_NOMEM;
    }
    imz_buf_free(&params);
    imz_buf_free(&payload);
    if (st != IMZ_OK) {
        imz_buf_free(&file);
        return st;
    }
    *out = imz_buf_take(&file, out_len);
    return IMZ_OK;
}

/* The parsed frame of a file: where the codec parameters and the chunks are. */
typedef struct Frame {
    ImzInfo info;
    const uint8_t *params;
    size_t n_params;
    const uint8_t *chunks; /* first chunk's length field */
} Frame;

static int parse_frame(ImzContext *ctx, const uint8_t *data, size_t len, Frame *f)
{
    memset(f, 0, sizeof *f);
    if (len < IMZ_MAGIC_LEN || memcmp(data, IMZ_MAGIC, IMZ_MAGIC_LEN))
        return imz_fail(ctx, len < IMZ_MAGIC_LEN && !memcmp(data, IMZ_MAGIC, len)
                                 ? IMZ_ERR_TRUNCATED
                                 : IMZ_ERR_CORRUPT,
                        len < IMZ_MAGIC_LEN && !memcmp(data, IMZ_MAGIC, len)
                            ? "truncated .imz header"
                            : "not an .imz file (bad magic)");
    if (len < IMZ_FIXED_HEADER_LEN)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "truncated .imz header");
    ImzInfo *in = &f->info;
    in->format_version = data[8];
    in->codec_id = data[9];
    in->width = rd_le32(data + 10);
    in->height = rd_le32(data + 14);
    in->channels = data[18];
    in->bit_depth = data[19];
    f->n_params = rd_le16(data + 20);
    if (len < IMZ_FIXED_HEADER_LEN + f->n_params + 4)
        return imz_fail(ctx, IMZ_ERR_TRUNCATED, "truncated .imz header");
    f->params = data + IMZ_FIXED_HEADER_LEN;
    size_t hlen = IMZ_FIXED_HEADER_LEN + f->n_params;
    if (imz_crc32c(0, data, hlen) != rd_le32(data + hlen))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "header checksum mismatch");
    if (in->format_version != IMZ_FORMAT_VERSION)
        return imz_fail(ctx, IMZ_ERR_UNSUPPORTED, "unsupported format version %d",
                        in->format_version);
    const ImzCodec *c = imz_codec_by_id(in->codec_id);
    in->codec_name = c ? c->name : "unknown";
    in->header_bytes = hlen + 4;
    if (in->width == 0 || in->height == 0 || in->channels < 1 ||
        in->channels > IMZ_MAX_CHANNELS || in->bit_depth < 1 || in->bit_depth > 16)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "invalid image shape in header");
    /* Walk the chunks: every length must fit in the file and every CRC must match. */
    const uint8_t *p = data + in->header_bytes, *end = data + len;
    f->chunks = p;
    for (;;) {
        if (end - p < 8)
            return imz_fail(ctx, IMZ_ERR_TRUNCATED, "truncated chunk");
        uint32_t n = rd_le32(p);
        if ((size_t)(end - p) - 8 < n)
            return imz_fail(ctx, IMZ_ERR_TRUNCATED, "truncated chunk (%u bytes announced)", n);
        if (imz_crc32c(0, p, 4 + (size_t)n) != rd_le32(p + 4 + n))
            return imz_fail(ctx, IMZ_ERR_CORRUPT, "chunk %d checksum mismatch", in->n_chunks);
        p += 8 + (size_t)n;
        if (n == 0)
            break;
        in->n_chunks++;
        in->payload_bytes += n;
    }
    if (p != end)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "%zu unexpected bytes after the end chunk",
                        (size_t)(end - p));
    return IMZ_OK;
}

int imz_read_info(ImzContext *ctx, const uint8_t *data, size_t len, ImzInfo *info)
{
    if (!ctx || (!data && len) || !info)
        return IMZ_ERR_INVALID_ARG;
    Frame f;
    int st = parse_frame(ctx, data ? data : (const uint8_t *)"", len, &f);
    *info = f.info;
    return st;
}

int imz_decode(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img)
{
    if (!ctx || (!data && len) || !img)
        return IMZ_ERR_INVALID_ARG;
    memset(img, 0, sizeof *img);
    Frame f;
    int st = parse_frame(ctx, data ? data : (const uint8_t *)"", len, &f);
    if (st < 0)
        return st;
    const ImzCodec *c = imz_codec_by_id(f.info.codec_id);
    if (!c)
        return imz_fail(ctx, IMZ_ERR_UNSUPPORTED, "unknown codec id %d", f.info.codec_id);
    st = imz_image_alloc(ctx, img, f.info.width, f.info.height, f.info.channels,
                         f.info.bit_depth);
    if (st < 0)
        return st;

    /* One chunk (the common case) is passed in place; several are joined. */
    const uint8_t *payload = f.chunks + 4;
    uint8_t *joined = NULL;
    if (f.info.n_chunks > 1) {
        joined = imz_malloc(ctx, f.info.payload_bytes);
        if (!joined) {
            imz_image_free(ctx, img);
            return IMZ_ERR_NOMEM;
        }
        size_t pos = 0;
        for (const uint8_t *p = f.chunks;; ) {
            uint32_t n = rd_le32(p);
            if (!n)
                break;
            memcpy(joined + pos, p + 4, n);
            pos += n;
            p += 8 + (size_t)n;
        }
        payload = joined;
    }
    st = c->decode(ctx, f.params, f.n_params, payload, f.info.payload_bytes, img);
    imz_mem_free(ctx, joined);
    if (st < 0) {
        imz_image_free(ctx, img);
        return st;
    }
    return IMZ_OK;
}
