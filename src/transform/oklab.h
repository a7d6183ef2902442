// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// sRGB <-> Oklab (Björn Ottosson's perceptual colour space, 2020). Encoders cluster colours in
// Oklab so that equal distances mean roughly equal visible differences. Inputs and outputs of the
// sRGB side are gamma-encoded values in [0, 1]; Oklab L is in [0, 1], a and b within about ±0.4.
// Encoder-side only: no decoder depends on these floating-point results.

#ifndef IMZ_TRANSFORM_OKLAB_H
#define IMZ_TRANSFORM_OKLAB_H

/** Gamma-encoded sRGB (0..1 each) to Oklab. */
void imz_oklab_from_srgb(const float rgb[3], float lab[3]);
/** Oklab to gamma-encoded sRGB, not clipped (out-of-gamut colours fall outside 0..1). */
void imz_oklab_to_srgb(const float lab[3], float rgb[3]);

/** The sRGB transfer function and its inverse, on [0, 1]. */
float imz_srgb_to_linear(float v);
float imz_linear_to_srgb(float v);

#endif
