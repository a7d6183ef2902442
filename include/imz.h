// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Public API of libimz: one image type, a context that carries the allocator, limits and the last
// error message, and calls to encode/decode .imz files, list codecs, and measure images.
// Every fallible call returns IMZ_OK (0) or a negative IMZ_ERR_* code; the context then holds a
// one-line reason (imz_last_error). The library never prints, never exits and keeps no global
// mutable state, so independent contexts may be used from different threads.

#ifndef IMZ_H
#define IMZ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define IMZ_API __attribute__((visibility("default")))
#else
#define IMZ_API
#endif

#define IMZ_VERSION_MAJOR 0
#define IMZ_VERSION_MINOR 1
#define IMZ_VERSION_PATCH 0

/** Status codes. Append only; the numbers are stable. */
enum {
    IMZ_OK = 0,
    IMZ_ERR_INVALID_ARG = -1,
    IMZ_ERR_NOMEM = -2,
    IMZ_ERR_CORRUPT = -3,
    IMZ_ERR_TRUNCATED = -4,
    IMZ_ERR_UNSUPPORTED = -5,
    IMZ_ERR_LIMIT = -6,
    IMZ_ERR_IO = -7,
    IMZ_ERR_INTERNAL = -8,
};

/** Default limit on width × height, checked before any pixel buffer is allocated. */
#define IMZ_DEFAULT_MAX_PIXELS (1ull << 28)
#define IMZ_MAX_CHANNELS 4

/**
 * An image: interleaved samples, one uint16_t per sample whatever the bit depth (1..16), rows
 * packed without padding. Sample (x, y, c) is data[(y * width + x) * channels + c].
 * Images made by imz_image_alloc or returned by imz_decode are freed with imz_image_free.
 */
typedef struct ImzImage {
    uint32_t width, height;
    uint8_t channels;  /**< 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    uint8_t bit_depth; /**< 1..16; every sample is < 2^bit_depth */
    uint16_t *data;
} ImzImage;

/**
 * Custom allocator; NULL at context creation means malloc/calloc/free. `zalloc` (may be NULL)
 * returns zero-filled blocks: without it they are cleared after `alloc`, which touches every page,
 * so a decoder given a file that announces a huge image pays for the whole image before it finds
 * that the data is missing. Blocks from either are freed with `free`.
 */
typedef struct ImzAllocator {
    void *(*alloc)(void *opaque, size_t size);
    void (*free)(void *opaque, void *ptr);
    void *opaque;
    void *(*zalloc)(void *opaque, size_t size);
} ImzAllocator;

typedef struct ImzContext ImzContext;

IMZ_API const char *imz_version_string(void);
IMZ_API const char *imz_strerror(int status);

/** Creates a context. @return IMZ_OK or IMZ_ERR_NOMEM / IMZ_ERR_INVALID_ARG. */
IMZ_API int imz_context_create(ImzContext **out, const ImzAllocator *alloc);
/** Destroys a context; accepts NULL. */
IMZ_API void imz_context_destroy(ImzContext *ctx);
/** Sets the pixel-count limit for images decoded or allocated through ctx (0 = default). */
IMZ_API void imz_set_max_pixels(ImzContext *ctx, uint64_t max_pixels);
/** Worker threads codecs may use (1 = single-threaded, deterministic; 0 = one per core). */
IMZ_API void imz_set_threads(ImzContext *ctx, int n_threads);
/** The one-line reason for the last failure on ctx ("" if none). Valid until the next call. */
IMZ_API const char *imz_last_error(const ImzContext *ctx);

/** Allocates img->data for the given shape (checks the pixel limit and the arguments). */
IMZ_API int imz_image_alloc(ImzContext *ctx, ImzImage *img, uint32_t width, uint32_t height,
                            int channels, int bit_depth);
/** Frees img->data and clears img; accepts an image that was never allocated (zeroed). */
IMZ_API void imz_image_free(ImzContext *ctx, ImzImage *img);
/** Frees a buffer returned by imz_encode. */
IMZ_API void imz_free(ImzContext *ctx, void *ptr);

/* ---- Codecs ------------------------------------------------------------------------------ */

/** One named, numeric codec option. Choice options take one of the names in `choices`. */
typedef struct ImzOptionInfo {
    const char *name; /**< CLI spelling without dashes, e.g. "predictor" */
    const char *help;
    double min, max, def;
    int is_integer;
    const char *const *choices; /**< NULL-terminated names for values 0..n-1, or NULL */
} ImzOptionInfo;

typedef struct ImzCodecInfo {
    const char *name;
    const char *summary;
    int id;       /**< the codec id stored in .imz files */
    int lossless; /**< 1 if decode(encode(img)) == img for every accepted image */
    int n_options;
    const ImzOptionInfo *options;
} ImzCodecInfo;

IMZ_API int imz_codec_count(void);
/** Describes codec i (0 <= i < imz_codec_count()). @return IMZ_OK or IMZ_ERR_INVALID_ARG. */
IMZ_API int imz_codec_info(int i, ImzCodecInfo *info);
/** Index of the codec called `name`, or -1. */
IMZ_API int imz_codec_find(const char *name);
/** The codec used when none is named: the strongest lossless one. */
IMZ_API const char *imz_default_codec(void);

/** A codec option set by name; value is numeric or the name of a choice. */
typedef struct ImzOption {
    const char *name;
    const char *value;
} ImzOption;

/**
 * Encodes img as a complete .imz file with the named codec and options.
 * On success *out (freed with imz_free) holds *out_len bytes.
 * @return IMZ_OK, IMZ_ERR_INVALID_ARG (unknown codec or option, bad value, image the codec
 *         cannot take), IMZ_ERR_LIMIT, IMZ_ERR_NOMEM or IMZ_ERR_INTERNAL.
 */
IMZ_API int imz_encode(ImzContext *ctx, const ImzImage *img, const char *codec,
                       const ImzOption *opts, int n_opts, uint8_t **out, size_t *out_len);

/** What a .imz header says, read without decoding the payload. */
typedef struct ImzInfo {
    uint32_t width, height;
    int channels, bit_depth;
    int format_version;
    int codec_id;
    const char *codec_name; /**< static string, "unknown" for an unregistered id */
    size_t header_bytes;    /**< fixed header + codec parameters + header CRC */
    size_t payload_bytes;   /**< sum of chunk payloads */
    int n_chunks;
} ImzInfo;

/** Parses and checks the header and every chunk's length and CRC. */
IMZ_API int imz_read_info(ImzContext *ctx, const uint8_t *data, size_t len, ImzInfo *info);

/**
 * Decodes a complete .imz file into *img (allocated here, freed with imz_image_free).
 * @return IMZ_OK, IMZ_ERR_TRUNCATED, IMZ_ERR_CORRUPT, IMZ_ERR_UNSUPPORTED, IMZ_ERR_LIMIT,
 *         IMZ_ERR_NOMEM or IMZ_ERR_INVALID_ARG.
 */
IMZ_API int imz_decode(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img);

/* ---- Metrics ------------------------------------------------------------------------------ */

typedef struct ImzMetrics {
    double mse[IMZ_MAX_CHANNELS];  /**< per channel */
    double psnr[IMZ_MAX_CHANNELS]; /**< per channel, dB; INFINITY when identical */
    double mse_all, psnr_all;      /**< over all channels */
    double psnr_y;                 /**< PSNR of BT.601 luma (RGB inputs), else = psnr_all */
    double ssim; /**< mean SSIM over channels (Wang et al. 2004, 11x11 Gaussian) */
    double peak; /**< 2^bit_depth - 1 */
} ImzMetrics;

/**
 * Compares two images of equal shape (depths may differ only if both are <= 8: values are compared
 * as they are). @return IMZ_OK or IMZ_ERR_INVALID_ARG (shape mismatch), IMZ_ERR_NOMEM.
 */
IMZ_API int imz_compare(ImzContext *ctx, const ImzImage *a, const ImzImage *b, ImzMetrics *m);

/** SSIM of one channel of two same-shaped images, with the given peak (data range). */
IMZ_API int imz_ssim_channel(ImzContext *ctx, const ImzImage *a, const ImzImage *b, int channel,
                             double peak, double *ssim);

/* ---- Analysis ----------------------------------------------------------------------------- */

/** Predictors for the `delta` codec and for analysis. */
typedef enum ImzPredictor {
    IMZ_PRED_LEFT = 0,  /**< W; first column predicts from N */
    IMZ_PRED_UP = 1,    /**< N; first row predicts from W */
    IMZ_PRED_AVG = 2,   /**< (W + N) / 2 */
    IMZ_PRED_PAETH = 3, /**< PNG's Paeth */
    IMZ_PRED_MED = 4,   /**< LOCO-I median edge detector */
    IMZ_PRED_COUNT = 5
} ImzPredictor;

/** "left", "up", "avg", "paeth", "med"; "unknown" out of range. */
IMZ_API const char *imz_predictor_name(int predictor);

/** Order-0 entropy in bits per sample of all samples of img. */
IMZ_API int imz_entropy(ImzContext *ctx, const ImzImage *img, double *bits_per_sample);

/**
 * Residual image for a predictor: residual = sample - prediction taken modulo 2^bit_depth and
 * stored centred (residual + 2^(bit_depth-1), wrapped), so a zero residual shows as mid-grey.
 * Also reports the order-0 entropy of the residuals in bits per sample.
 * *residual is allocated here (free with imz_image_free); either output pointer may be NULL.
 */
IMZ_API int imz_residuals(ImzContext *ctx, const ImzImage *img, int predictor, ImzImage *residual,
                          double *entropy_bits_per_sample);

#ifdef __cplusplus
}
#endif
#endif
