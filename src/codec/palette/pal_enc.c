// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `palette` encoder: k-means colour quantisation and the palette bitstream
// (docs/format/palette.md). The image's distinct colours are clustered with their pixel counts as
// weights, so the work depends on the number of colours, not pixels; an image with no more distinct
// colours than the palette holds is kept exactly. Entries are the mean of their members in sample
// space (the value that minimises the squared error for the chosen grouping), then pixels are
// mapped to the nearest entry, optionally with Floyd–Steinberg error diffusion. Deterministic for a
// given seed.

#include <math.h>
#include <string.h>

#include "bitio/buf.h"
#include "codec/palette/pal_syntax.h"
#include "codec/palette/palette.h"
#include "common/rng.h"
#include "quant/kmeans.h"
#include "transform/oklab.h"

/* Distinct colours of an image: packed keys, pixel counts, and each pixel's colour number. */
typedef struct Colours {
    size_t n;
    uint64_t *key;
    float *count;
    uint32_t *of_pixel;
} Colours;

static inline uint64_t pack(const uint16_t *s, int ch)
{
    uint64_t k = 0;
    for (int c = 0; c < ch; c++)
        k |= (uint64_t)s[c] << (16 * c);
    return k;
}

#define TRAIN_MAX ((size_t)1 << 18) /* distinct colours k-means trains on at most */

static int find_colours(ImzContext *ctx, const ImzImage *img, Colours *cs)
{
    size_t npix = (size_t)img->width * img->height, cap = 16;
    int log_cap = 4;
    while (cap < 2 * npix) {
        cap <<= 1;
        log_cap++;
    }
    memset(cs, 0, sizeof *cs);
    int32_t *slot = imz_malloc_array(ctx, cap, sizeof *slot);
    cs->key = imz_malloc_array(ctx, npix, sizeof *cs->key);
    cs->count = imz_malloc_array(ctx, npix, sizeof *cs->count);
    cs->of_pixel = imz_malloc_array(ctx, npix, sizeof *cs->of_pixel);
    if (!slot || !cs->key || !cs->count || !cs->of_pixel) {
        imz_mem_free(ctx, slot);
        return IMZ_ERR_NOMEM;
    }
    memset(slot, 0xff, cap * sizeof *slot);
    for (size_t i = 0; i < npix; i++) {
        uint64_t k = pack(img->data + i * img->channels, img->channels);
        size_t h = (size_t)((k * 0x9e3779b97f4a7c15ull) >> (64 - log_cap));
        while (slot[h] >= 0 && cs->key[slot[h]] != k)
            h = (h + 1) & (cap - 1);
        if (slot[h] < 0) {
            slot[h] = (int32_t)cs->n;
            cs->key[cs->n] = k;
            cs->count[cs->n++] = 0;
        }
        cs->count[slot[h]] += 1;
        cs->of_pixel[i] = (uint32_t)slot[h];
    }
    imz_mem_free(ctx, slot);
    return IMZ_OK;
}

static void free_colours(ImzContext *ctx, Colours *cs)
{
    imz_mem_free(ctx, cs->key);
    imz_mem_free(ctx, cs->count);
    imz_mem_free(ctx, cs->of_pixel);
}

/* The clustering coordinates of one colour given as floats in sample units. RGB: samples scaled
 * to 0..255. Oklab: L, a, b times 255 (so lightness spans the same range), alpha as in RGB. */
static void features(const float *v, int ch, int oklab, float scale, float *out)
{
    if (oklab && ch >= 3) {
        float rgb[3], lab[3];
        for (int c = 0; c < 3; c++) {
            float t = v[c] * scale * (1.0f / 255);
            rgb[c] = t < 0 ? 0 : t > 1 ? 1 : t;
        }
        imz_oklab_from_srgb(rgb, lab);
        for (int c = 0; c < 3; c++)
            out[c] = lab[c] * 255;
        if (ch == 4)
            out[3] = v[3] * scale;
        return;
    }
    for (int c = 0; c < ch; c++)
        out[c] = v[c] * scale;
}

/* asg[i] = the centre nearest to point i, for n_pts points. */
static int map_nearest(ImzContext *ctx, const float *centres, int n, int dims, const float *pts,
                       size_t n_pts, uint32_t *asg)
{
    ImzKmeansIndex ix;
    if (imz_kmeans_index_init(ctx, &ix, centres, n, dims) < 0)
        return IMZ_ERR_NOMEM;
    for (size_t i = 0; i < n_pts; i++)
        asg[i] = (uint32_t)imz_kmeans_index_nearest(&ix, pts + i * (size_t)dims);
    imz_kmeans_index_free(ctx, &ix);
    return IMZ_OK;
}

static int ilog(int v)
{
    int l = 0;
    while (v > 1) {
        v >>= 1;
        l++;
    }
    return l;
}

static double lightness(const uint16_t *e, int ch)
{
    return ch >= 3 ? 0.299 * e[0] + 0.587 * e[1] + 0.114 * e[2] : e[0];
}

/* Error-diffused mapping of every pixel (Floyd–Steinberg, left to right). */
static int dither_map(ImzContext *ctx, const ImzImage *img, int oklab, const uint16_t *pal,
                      const float *pal_feat, int n, uint16_t *map)
{
    const int ch = img->channels;
    const uint32_t w = img->width;
    const float maxv = (float)((1u << img->bit_depth) - 1), scale = 255.0f / maxv;
    float *err = imz_calloc(ctx, (size_t)2 * (w + 2) * ch, sizeof *err);
    ImzKmeansIndex ix;
    if (!err || imz_kmeans_index_init(ctx, &ix, pal_feat, n, ch) < 0) {
        imz_mem_free(ctx, err);
        return IMZ_ERR_NOMEM;
    }
    for (uint32_t y = 0; y < img->height; y++) {
        float *cur = err + (size_t)(y & 1) * (w + 2) * ch,
              *nxt = err + (size_t)(~y & 1) * (w + 2) * ch;
        memset(nxt, 0, sizeof *nxt * (w + 2) * ch);
        for (uint32_t x = 0; x < w; x++) {
            const uint16_t *s = img->data + ((size_t)y * w + x) * ch;
            float v[4], f[4];
            for (int c = 0; c < ch; c++) {
                float t = s[c] + cur[(x + 1) * ch + c];
                v[c] = t < 0 ? 0 : t > maxv ? maxv : t;
            }
            features(v, ch, oklab, scale, f);
            int j = imz_kmeans_index_nearest(&ix, f);
            map[(size_t)y * w + x] = (uint16_t)j;
            for (int c = 0; c < ch; c++) {
                float e = v[c] - pal[j * ch + c];
                cur[(x + 2) * ch + c] += e * (7.0f / 16);
                nxt[x * ch + c] += e * (3.0f / 16);
                nxt[(x + 1) * ch + c] += e * (5.0f / 16);
                nxt[(x + 2) * ch + c] += e * (1.0f / 16);
            }
        }
    }
    imz_mem_free(ctx, err);
    imz_kmeans_index_free(ctx, &ix);
    return IMZ_OK;
}

int imz_palette_compute(ImzContext *ctx, const ImzImage *img, const ImzPaletteParams *p,
                        uint16_t *palette, int *n_colors, uint16_t *map, uint32_t *counts)
{
    if (p->colors < 1 || p->colors > IMZ_PAL_MAX_COLORS || img->channels < 1 || img->channels > 4)
        return imz_fail(ctx, IMZ_ERR_INVALID_ARG, "palette: %d colours, %d channels", p->colors,
                        img->channels);
    const int ch = img->channels, oklab = p->space == IMZ_PAL_SPACE_OKLAB && ch >= 3;
    const float maxv = (float)((1u << img->bit_depth) - 1), scale = 255.0f / maxv;
    const size_t npix = (size_t)img->width * img->height;
    Colours cs;
    int st = find_colours(ctx, img, &cs);
    if (st < 0) {
        free_colours(ctx, &cs);
        return imz_fail(ctx, st, "palette: out of memory");
    }
    float *feat = imz_malloc_array(ctx, cs.n, sizeof(float) * (size_t)ch);
    uint32_t *asg = imz_malloc_array(ctx, cs.n, sizeof *asg);
    double *sums = imz_calloc(ctx, (size_t)p->colors * (size_t)(ch + 1), sizeof *sums);
    float centres[IMZ_PAL_MAX_COLORS * 4], pal_feat[IMZ_PAL_MAX_COLORS * 4];
    uint16_t pal[IMZ_PAL_MAX_COLORS * 4];
    uint32_t cnt[IMZ_PAL_MAX_COLORS] = {0};
    int perm[IMZ_PAL_MAX_COLORS], inv[IMZ_PAL_MAX_COLORS], n = 0;
    uint16_t *tmp_map = NULL;
    float *train = NULL;
    if (!feat || !asg || !sums) {
        st = imz_fail(ctx, IMZ_ERR_NOMEM, "palette: out of memory");
        goto done;
    }
    for (size_t i = 0; i < cs.n; i++) {
        float v[4];
        for (int c = 0; c < ch; c++)
            v[c] = (float)(uint16_t)(cs.key[i] >> (16 * c));
        features(v, ch, oklab, scale, feat + i * ch);
    }
    if (cs.n <= (size_t)p->colors) {
        /* few enough colours: keep them all, exactly */
        n = (int)cs.n;
        for (int j = 0; j < n; j++) {
            asg[j] = (uint32_t)j;
            for (int c = 0; c < ch; c++)
                pal[j * ch + c] = (uint16_t)(cs.key[j] >> (16 * c));
        }
    } else {
        ImzKmeansParams kp = {.k = p->colors,
                              .dims = ch,
                              .max_iter = 100,
                              .init_trials = 2 + ilog(p->colors),
                              .restarts = p->colors <= 16 ? 3 : p->colors <= 64 ? 1 : 0,
                              .init_sample = (size_t)1 << 14,
                              .seed = p->seed};
        /* very many distinct colours (large or high-depth photos): train on a weighted random
         * sample of them; every colour is still mapped to its nearest entry below */
        const size_t n_train = cs.n > TRAIN_MAX ? TRAIN_MAX : cs.n;
        float *tf = feat, *tw = cs.count;
        if (n_train < cs.n) {
            train = imz_malloc_array(ctx, n_train, sizeof(float) * (size_t)(ch + 1));
            if (!train) {
                st = imz_fail(ctx, IMZ_ERR_NOMEM, "palette: out of memory");
                goto done;
            }
            tf = train;
            tw = train + n_train * (size_t)ch;
            ImzRng rng;
            imz_rng_seed(&rng, p->seed ^ 0x5a5a5a5aull);
            for (size_t i = 0; i < n_train; i++) {
                size_t r = imz_rng_below(&rng, cs.n);
                memcpy(tf + i * ch, feat + r * ch, sizeof(float) * (size_t)ch);
                tw[i] = cs.count[r];
            }
        }
        st = imz_kmeans_run(ctx, tf, tw, n_train, &kp, centres, n_train < cs.n ? NULL : asg, &n);
        if (st < 0)
            goto done;
        if (n_train < cs.n && map_nearest(ctx, centres, n, ch, feat, cs.n, asg) < 0) {
            st = IMZ_ERR_NOMEM;
            goto done;
        }
        /* entries: the count-weighted mean of the members, in sample units */
        for (size_t i = 0; i < cs.n; i++) {
            double *s = sums + (size_t)asg[i] * (ch + 1);
            for (int c = 0; c < ch; c++)
                s[c] += (double)cs.count[i] * (uint16_t)(cs.key[i] >> (16 * c));
            s[ch] += cs.count[i];
        }
        for (int j = 0; j < n; j++) {
            const double *s = sums + (size_t)j * (ch + 1);
            for (int c = 0; c < ch; c++) {
                double v = s[ch] > 0 ? floor(s[c] / s[ch] + 0.5) : 0;
                pal[j * ch + c] = (uint16_t)(v > maxv ? maxv : v);
            }
        }
    }
    for (int j = 0; j < n; j++) {
        float v[4];
        for (int c = 0; c < ch; c++)
            v[c] = pal[j * ch + c];
        features(v, ch, oklab, scale, pal_feat + j * ch);
    }
    /* order entries by lightness so that near indices mean near colours (pal_syntax.h) */
    for (int j = 0; j < n; j++)
        perm[j] = j;
    for (int j = 1; j < n; j++) {
        int t = perm[j], i = j;
        while (i > 0 && lightness(pal + perm[i - 1] * ch, ch) > lightness(pal + t * ch, ch))
            perm[i] = perm[i - 1], i--;
        perm[i] = t;
    }
    for (int j = 0; j < n; j++) {
        inv[perm[j]] = j;
        for (int c = 0; c < ch; c++) {
            palette[j * ch + c] = pal[perm[j] * ch + c];
            centres[j * ch + c] = pal_feat[perm[j] * ch + c];
        }
    }
    if (p->dither && cs.n > (size_t)p->colors) {
        uint16_t *m = map;
        if (!m && !(m = tmp_map = imz_malloc_array(ctx, npix, sizeof *m))) {
            st = imz_fail(ctx, IMZ_ERR_NOMEM, "palette: out of memory");
            goto done;
        }
        if (dither_map(ctx, img, oklab, palette, centres, n, m) < 0) {
            st = imz_fail(ctx, IMZ_ERR_NOMEM, "palette: out of memory");
            goto done;
        }
        for (size_t i = 0; i < npix; i++)
            cnt[m[i]]++;
    } else {
        /* each distinct colour to its nearest entry (the rounding of the means may move a few) */
        if (cs.n > (size_t)p->colors) {
            if (map_nearest(ctx, centres, n, ch, feat, cs.n, asg) < 0) {
                st = IMZ_ERR_NOMEM;
                goto done;
            }
        } else
            for (size_t i = 0; i < cs.n; i++)
                asg[i] = (uint32_t)inv[i];
        for (size_t i = 0; i < npix; i++) {
            uint32_t j = asg[cs.of_pixel[i]];
            cnt[j]++;
            if (map)
                map[i] = (uint16_t)j;
        }
    }
    *n_colors = n;
    if (counts)
        memcpy(counts, cnt, sizeof *counts * (size_t)n);
done:
    imz_mem_free(ctx, tmp_map);
    imz_mem_free(ctx, train);
    imz_mem_free(ctx, feat);
    imz_mem_free(ctx, asg);
    imz_mem_free(ctx, sums);
    free_colours(ctx, &cs);
    return st;
}

int imz_palette_encode(ImzContext *ctx, const ImzImage *img, const double *opt, ImzBuf *params,
                       ImzBuf *payload)
{
    ImzPaletteParams p = {.colors = (int)opt[0],
                          .dither = (int)opt[1],
                          .space = (int)opt[2],
                          .seed = (uint64_t)opt[3]};
    const int ch = img->channels;
    const size_t npix = (size_t)img->width * img->height;
    uint16_t pal[IMZ_PAL_MAX_COLORS * 4];
    int n;
    uint16_t *map = imz_malloc_array(ctx, npix, sizeof *map);
    if (!map)
        return imz_fail(ctx, IMZ_ERR_NOMEM, "palette: out of memory");
    int st = imz_palette_compute(ctx, img, &p, pal, &n, map, NULL);
    if (st == IMZ_OK) {
        imz_buf_put_u8(params, (p.dither ? IMZ_PAL_FLAG_DITHER : 0) |
                                   (p.space == IMZ_PAL_SPACE_OKLAB ? IMZ_PAL_FLAG_OKLAB : 0));
        imz_buf_put_le16(params, (unsigned)n);
        ImzBacEnc e;
        imz_bac_enc_init(&e, payload);
        ImzIntModel m[4];
        for (int c = 0; c < ch; c++)
            imz_int_model_init(&m[c]);
        for (int j = 0; j < n; j++)
            for (int c = 0; c < ch; c++)
                imz_int_put(&e, &m[c], (int32_t)pal[j * ch + c] - (j ? pal[(j - 1) * ch + c] : 0));
        st = imz_idxmap_encode(ctx, &e, map, img->width, img->height, n);
        imz_bac_enc_finish(&e);
    }
    imz_mem_free(ctx, map);
    return st;
}
