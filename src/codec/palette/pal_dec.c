// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `palette` decoder and the codec's table (docs/format/palette.md). Decoding is exact integer
// work: read the entries, decode the index map, look every pixel up. Every entry is checked
// against the bit depth and every index against the palette size; the arithmetic-coded stream
// must end exactly where the payload does.

#include "codec/palette/pal_syntax.h"
#include "codec/palette/palette.h"
#include "container/codec.h"

static const char *const space_names[] = {"rgb", "oklab", NULL};

static const ImzOptionInfo palette_options[] = {
    {"colors", "palette entries", 2, IMZ_PAL_MAX_COLORS, 256, 1, NULL},
    {"dither", "Floyd-Steinberg error diffusion (0 off, 1 on)", 0, 1, 0, 1, NULL},
    {"space", "colour space the colours are clustered in", 0, 1, IMZ_PAL_SPACE_RGB, 1, space_names},
    {"seed", "seed of the k-means initialisation", 0, 4294967295.0, 1, 1, NULL},
};

static int palette_decode(ImzContext *ctx, const uint8_t *params, size_t n_params,
                          const uint8_t *payload, size_t n_payload, ImzImage *out)
{
    if (n_params != 3 || params[0] > (IMZ_PAL_FLAG_DITHER | IMZ_PAL_FLAG_OKLAB))
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "palette: invalid parameters");
    const int n = params[1] | params[2] << 8, ch = out->channels;
    if (n < 1 || n > IMZ_PAL_MAX_COLORS)
        return imz_fail(ctx, IMZ_ERR_CORRUPT, "palette: %d entries", n);
    const int32_t maxv = (int32_t)((1u << out->bit_depth) - 1);
    uint16_t pal[IMZ_PAL_MAX_COLORS * 4];
    ImzBacDec d;
    imz_bac_dec_init(&d, payload, n_payload);
    ImzIntModel m[4];
    for (int c = 0; c < ch; c++)
        imz_int_model_init(&m[c]);
    for (int j = 0; j < n; j++)
        for (int c = 0; c < ch; c++) {
            int32_t v = imz_int_get(&d, &m[c]) + (j ? pal[(j - 1) * ch + c] : 0);
            if (v < 0 || v > maxv)
                return imz_fail(ctx, d.overrun ? IMZ_ERR_TRUNCATED : IMZ_ERR_CORRUPT,
                                "palette: entry %d out of range", j);
            pal[j * ch + c] = (uint16_t)v;
        }
    const size_t npix = (size_t)out->width * out->height;
    uint16_t *map = imz_malloc_array(ctx, npix, sizeof *map);
    if (!map)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "palette: out of memory");
    int st = imz_idxmap_decode(ctx, &d, map, out->width, out->height, n);
    if (st == IMZ_OK && d.overrun)
        st = imz_fail(ctx, IMZ_ERR_TRUNCATED, "palette: payload ends early");
    else if (st == IMZ_OK && d.p != d.end)
        st = imz_fail(ctx, IMZ_ERR_CORRUPT, "palette: %zu bytes after the index map",
                      (size_t)(d.end - d.p));
    else if (st == IMZ_ERR_CORRUPT && d.overrun)
        st = IMZ_ERR_TRUNCATED;
    if (st == IMZ_OK)
        for (size_t i = 0; i < npix; i++)
            for (int c = 0; c < ch; c++)
                out->data[i * ch + c] = pal[map[i] * ch + c];
    imz_mem_free(ctx, map);
    return st;
}

const ImzCodec imz_codec_palette = {
    .id = 40,
    .name = "palette",
    .summary = "lossy k-means colour quantisation (up to 256 colours), context-coded index map",
    .lossless = 0,
    .options = palette_options,
    .n_options = 4,
    .encode = imz_palette_encode,
    .decode = palette_decode,
};
