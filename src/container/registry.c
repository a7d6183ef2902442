// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The codec registry: one row per codec, in the order `imz codecs` lists them. Ids are stored in
// files and never reused (docs/FORMAT.md §3 lists them).

#include <string.h>

#include "container/codec.h"

extern const ImzCodec imz_codec_raw, imz_codec_rle, imz_codec_huffman, imz_codec_delta,
    imz_codec_deflate, imz_codec_lossless, imz_codec_requant, imz_codec_downsample, imz_codec_lossy,
    imz_codec_palette, imz_codec_vq, imz_codec_pca;

/* Lossless codecs first, from the simplest to the flagship, then the lossy ones likewise. */
const ImzCodec *const imz_codecs[] = {
    &imz_codec_raw,     &imz_codec_rle,        &imz_codec_huffman, &imz_codec_delta,
    &imz_codec_deflate, &imz_codec_lossless,   &imz_codec_requant, &imz_codec_downsample,
    &imz_codec_palette, &imz_codec_vq,         &imz_codec_pca,     &imz_codec_lossy,
};
const int imz_n_codecs = (int)(sizeof imz_codecs / sizeof imz_codecs[0]);

const ImzCodec *imz_codec_by_id(int id)
{
    for (int i = 0; i < imz_n_codecs; i++)
        if (imz_codecs[i]->id == id)
            return imz_codecs[i];
    return NULL;
}

const ImzCodec *imz_codec_by_name(const char *name)
{
    for (int i = 0; i < imz_n_codecs; i++)
        if (!strcmp(imz_codecs[i]->name, name))
            return imz_codecs[i];
    return NULL;
}

int imz_codec_option_index(const ImzCodec *c, const char *name)
{
    for (int i = 0; i < c->n_options; i++)
        if (!strcmp(c->options[i].name, name))
            return i;
    return -1;
}
