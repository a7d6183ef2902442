// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Sample mapping of the `lossless` codec (docs/format/lossless.md §4): per-channel offset and
// step, the reversible colour transforms, and the plane order (alpha first). The forward direction
// serves the encoder, the inverse (with range checks on every sample) the decoder.

#include "codec/lossless/ll.h"

void imz_ll_plane_setup(LlStreamInfo *si)
{
    si->n_planes = si->channels;
    si->alpha_plane = (si->channels == 2 || si->channels == 4) ? 0 : -1;
}

void imz_ll_layout(const LlStreamInfo *si, int width, LlLayout *lay)
{
    lay->width = width;
    lay->n_planes = si->n_planes;
    lay->profile = si->profile;
    lay->heavy = si->heavy;
    lay->wide = si->wide;
    lay->tree = si->tree;
    lay->alpha_plane = si->alpha_plane;
    for (int p = 0; p < si->n_planes; p++) {
        lay->lo[p] = si->lo[p];
        lay->hi[p] = si->hi[p];
    }
}

void imz_ll_map_row(const ImzImage *img, const LlStreamInfo *si, uint32_t y, int rct, int32_t *out)
{
    int ch = img->channels, np = si->n_planes, w = (int)img->width;
    const uint16_t *s = img->data + (size_t)y * w * ch;
    int32_t m[4];
    for (int x = 0; x < w; x++, s += ch, out += np) {
        for (int c = 0; c < ch; c++)
            m[c] = si->to_rank[c]        ? si->to_rank[c][s[c]]
                   : si->ch_step[c] == 1 ? s[c] - si->ch_min[c]
                                         : (s[c] - si->ch_min[c]) / si->ch_step[c];
        int32_t *o = out;
        if (si->alpha_plane >= 0)
            *o++ = m[ch - 1];
        if (ch >= 3)
            imz_ll_rct_fwd(rct, m[0], m[1], m[2], o);
        else
            o[0] = m[0];
    }
}

int imz_ll_unmap_row(const LlCoder *c, const LlStreamInfo *si, ImzImage *img, uint32_t y)
{
    int ch = img->channels, np = si->n_planes, w = (int)img->width;
    uint16_t *d = img->data + (size_t)y * w * ch;
    const int32_t *pv[4];
    for (int p = 0; p < np; p++)
        pv[p] = c->plane[p].v[0] + LL_PAD;
    int nc = si->alpha_plane >= 0 ? ch - 1 : ch;
    int first = si->alpha_plane >= 0 ? 1 : 0;
    for (int x = 0; x < w; x++, d += ch) {
        int32_t m[4], in[3];
        if (nc >= 3) {
            in[0] = pv[first][x], in[1] = pv[first + 1][x], in[2] = pv[first + 2][x];
            imz_ll_rct_inv(si->rct, in, &m[0], &m[1], &m[2]);
        } else {
            m[0] = pv[first][x];
        }
        if (si->alpha_plane >= 0)
            m[ch - 1] = pv[0][x];
        for (int k = 0; k < ch; k++) {
            if (m[k] < 0 || m[k] > si->ch_max[k])
                return IMZ_ERR_CORRUPT;
            d[k] = si->to_value[k] ? si->to_value[k][m[k]]
                                   : (uint16_t)(si->ch_min[k] + m[k] * si->ch_step[k]);
        }
    }
    return IMZ_OK;
}
