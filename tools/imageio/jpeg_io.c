// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// JPEG reading through libjpeg(-turbo) from memory: grayscale gives 1 channel, YCbCr and RGB give
// RGB, CMYK and YCCK are converted to RGB (Adobe-marked files store inverted CMYK, as Photoshop
// writes them). Always 8-bit. libjpeg's fatal errors longjmp back to the guard in this file; its
// warnings are silent except the end-of-data one, which is reported as truncation rather than
// returning an image whose missing part libjpeg filled with grey.

#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE */
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>

#include <jerror.h>

#include "imageio/imageio_internal.h"

/* A progressive file may legally hold any number of scans; real ones have about ten. */
#define MAX_SCANS 500

typedef struct JpegState {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    struct jpeg_progress_mgr progress;
    jmp_buf jump;
    int status;
    char *err;
    size_t err_len;
    ImzContext *ctx;
    ImzImage *img;
    const uint8_t *in;
    size_t in_len;
    uint8_t *row;
} JpegState;

/* cinfo is the first member, so libjpeg's callbacks can find the rest of the state. */
static JpegState *state_of(j_common_ptr cinfo)
{
    return (JpegState *)(void *)cinfo;
}

static _Noreturn void bail(JpegState *s, int status, const char *msg)
{
    if (s->status == IMZ_OK)
        s->status = imz_imageio_fail(s->err, s->err_len, status, "%s", msg);
    longjmp(s->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo)
{
    char msg[JMSG_LENGTH_MAX + 8];
    char text[JMSG_LENGTH_MAX];
    int status = IMZ_ERR_CORRUPT;
    cinfo->err->format_message(cinfo, text);
    switch (cinfo->err->msg_code) {
    case JERR_OUT_OF_MEMORY: status = IMZ_ERR_NOMEM; break;
    case JERR_IMAGE_TOO_BIG:
    case JERR_WIDTH_OVERFLOW: status = IMZ_ERR_LIMIT; break;
    case JERR_BAD_PRECISION:
    case JERR_CONVERSION_NOTIMPL:
    case JERR_NOT_COMPILED: status = IMZ_ERR_UNSUPPORTED; break;
    default: break;
    }
    snprintf(msg, sizeof msg, "JPEG: %s", text);
    bail(state_of(cinfo), status, msg);
}

static void on_emit_message(j_common_ptr cinfo, int level)
{
    if (level < 0) {
        if (cinfo->err->msg_code == JWRN_JPEG_EOF)
            bail(state_of(cinfo), IMZ_ERR_TRUNCATED, "truncated JPEG data");
        cinfo->err->num_warnings++;
    }
}

static void on_progress(j_common_ptr cinfo)
{
    JpegState *s = state_of(cinfo);
    if (s->cinfo.input_scan_number > MAX_SCANS) {
        char msg[64];
        snprintf(msg, sizeof msg, "JPEG: more than %d scans", MAX_SCANS);
        bail(s, IMZ_ERR_LIMIT, msg);
    }
}

static uint16_t mul255(unsigned a, unsigned b)
{
    return (uint16_t)((a * b + 127) / 255);
}

static int read_body(JpegState *s)
{
    j_decompress_ptr cinfo = &s->cinfo;
    jpeg_create_decompress(cinfo);
    cinfo->progress = &s->progress;
    jpeg_mem_src(cinfo, s->in, (unsigned long)s->in_len);
    jpeg_read_header(cinfo, TRUE);

    int channels = 3, cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB: cinfo->out_color_space = JCS_RGB; break;
    case JCS_CMYK:
    case JCS_YCCK:
        cinfo->out_color_space = JCS_CMYK;
        cmyk = 1;
        break;
    default:
        return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_UNSUPPORTED,
                                "JPEG: unsupported colour space (%d components)",
                                cinfo->num_components);
    }
    int st = imz_imageio_alloc(s->ctx, s->img, cinfo->image_width, cinfo->image_height, channels, 8,
                               s->err, s->err_len);
    if (st < 0)
        return st;

    jpeg_start_decompress(cinfo);
    int comps = cinfo->output_components;
    if (cinfo->output_width != s->img->width || cinfo->output_height != s->img->height ||
        comps != (cmyk ? 4 : channels))
        return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_INTERNAL,
                                "JPEG: unexpected output layout (%ux%u, %d components)",
                                (unsigned)cinfo->output_width, (unsigned)cinfo->output_height,
                                comps);
    size_t width = cinfo->output_width;
    s->row = malloc(width * (size_t)comps);
    if (!s->row)
        return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_NOMEM, "out of memory");
    int inverted = cinfo->saw_Adobe_marker;
    while (cinfo->output_scanline < cinfo->output_height) {
        uint16_t *dst = s->img->data + (size_t)cinfo->output_scanline * width * channels;
        JSAMPROW row = s->row;
        if (jpeg_read_scanlines(cinfo, &row, 1) != 1)
            return imz_imageio_fail(s->err, s->err_len, IMZ_ERR_CORRUPT,
                                    "JPEG: decoder returned no rows");
        const uint8_t *p = s->row;
        if (!cmyk) {
            for (size_t i = 0; i < width * (size_t)channels; i++)
                dst[i] = p[i];
            continue;
        }
        for (size_t x = 0; x < width; x++, p += 4, dst += 3) {
            unsigned k = inverted ? p[3] : 255u - p[3];
            for (int c = 0; c < 3; c++)
                dst[c] = mul255(inverted ? p[c] : 255u - p[c], k);
        }
    }
    jpeg_finish_decompress(cinfo);
    return IMZ_OK;
}

static int read_guarded(JpegState *s)
{
    if (setjmp(s->jump))
        return s->status < 0 ? s->status : IMZ_ERR_INTERNAL;
    return read_body(s);
}

int imz_jpeg_read(ImzContext *ctx, const uint8_t *data, size_t len, ImzImage *img, char *err,
                  size_t err_len)
{
    if ((unsigned long)len != len)
        return imz_imageio_fail(err, err_len, IMZ_ERR_LIMIT, "JPEG file too large");
    JpegState *s = calloc(1, sizeof *s);
    if (!s)
        return imz_imageio_fail(err, err_len, IMZ_ERR_NOMEM, "out of memory");
    s->ctx = ctx;
    s->img = img;
    s->in = data;
    s->in_len = len;
    s->err = err;
    s->err_len = err_len;
    s->cinfo.err = jpeg_std_error(&s->jerr);
    s->jerr.error_exit = on_error_exit;
    s->jerr.emit_message = on_emit_message;
    s->progress.progress_monitor = on_progress;
    int st = read_guarded(s);
    jpeg_destroy_decompress(&s->cinfo);
    free(s->row);
    free(s);
    if (st < 0)
        imz_image_free(ctx, img);
    return st;
}
