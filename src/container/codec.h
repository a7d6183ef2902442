// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The codec interface. A codec is one table of this type plus one row in registry.c. The container
// (container.c) owns everything around the codec: the file header, chunking, CRCs, limits and the
// allocation of the decoded image, so a codec only turns pixels into bytes and back.
//
// encode: writes the codec's parameter bytes (stored in the file header; may be empty) to `params`
//         and its payload to `payload`. `opt` holds one value per entry of `options`, already
//         range-checked by the caller. Returns IMZ_OK or a negative status (with imz_fail).
// decode: receives the stored parameter bytes and payload and fills `out`, which the container has
//         allocated with the shape from the header (width, height, channels, bit depth). It must
//         treat every byte as hostile: bounds-check everything, never read outside the buffers,
//         and return IMZ_ERR_CORRUPT / IMZ_ERR_TRUNCATED (with imz_fail) on bad data.

#ifndef IMZ_CONTAINER_CODEC_H
#define IMZ_CONTAINER_CODEC_H

#include "bitio/buf.h"
#include "common/context.h"

#define IMZ_MAX_CODEC_OPTIONS 16

typedef struct ImzCodec {
    uint8_t id; /* stable: stored in files */
    const char *name;
    const char *summary;
    int lossless;
    const ImzOptionInfo *options;
    int n_options;
    int (*encode)(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                  ImzBuf *payload);
    int (*decode)(ImzContext *ctx, const uint8_t *params, size_t n_params, const uint8_t *payload,
                  size_t n_payload, ImzImage *out);
} ImzCodec;

/** The registry: every codec, in listing order. */
extern const ImzCodec *const imz_codecs[];
extern const int imz_n_codecs;

const ImzCodec *imz_codec_by_id(int id);
const ImzCodec *imz_codec_by_name(const char *name);

/** Index of option `name` in codec c's table, or -1. */
int imz_codec_option_index(const ImzCodec *c, const char *name);

#endif
