// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
/* JPEG-LS round trip with CharLS (Debian libcharls-dev), for side-by-side lossless measurement.
   usage: jlsconv in.png out.jls [hp1|hp2|hp3|none]   |   jlsconv -d in.jls  (decodes, checks nothing, for timing) */
#include <charls/charls.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc >= 3 && !strcmp(argv[1], "-d")) {
        FILE *f = fopen(argv[2], "rb"); fseek(f, 0, SEEK_END); long n = ftell(f); rewind(f);
        unsigned char *src = malloc(n); if (fread(src, 1, n, f) != (size_t)n) return 1; fclose(f);
        charls_jpegls_decoder *d = charls_jpegls_decoder_create();
        charls_jpegls_decoder_set_source_buffer(d, src, n);
        if (charls_jpegls_decoder_read_header(d)) return 1;
        size_t sz; charls_jpegls_decoder_get_destination_size(d, 0, &sz);
        unsigned char *dst = malloc(sz);
        if (charls_jpegls_decoder_decode_to_buffer(d, dst, sz, 0)) return 1;
        if (argc > 3) { FILE *o = fopen(argv[3], "wb"); fwrite(dst, 1, sz, o); fclose(o); }
        return 0;
    }
    png_image img; memset(&img, 0, sizeof img); img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, argv[1])) return 1;
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) return 1;
    charls_jpegls_encoder *e = charls_jpegls_encoder_create();
    charls_frame_info fi = { img.width, img.height, 8, 3 };
    charls_jpegls_encoder_set_frame_info(e, &fi);
    charls_jpegls_encoder_set_interleave_mode(e, CHARLS_INTERLEAVE_MODE_SAMPLE);
    int ct = CHARLS_COLOR_TRANSFORMATION_HP1;
    if (argc > 3) ct = !strcmp(argv[3], "hp2") ? 2 : !strcmp(argv[3], "hp3") ? 3 : !strcmp(argv[3], "none") ? 0 : 1;
    charls_jpegls_encoder_set_color_transformation(e, ct);
    size_t cap; charls_jpegls_encoder_get_estimated_destination_size(e, &cap);
    unsigned char *out = malloc(cap);
    charls_jpegls_encoder_set_destination_buffer(e, out, cap);
    if (charls_jpegls_encoder_encode_from_buffer(e, buf, PNG_IMAGE_SIZE(img), 0)) return 1;
    size_t n; charls_jpegls_encoder_get_bytes_written(e, &n);
    FILE *f = fopen(argv[2], "wb"); fwrite(out, 1, n, f); fclose(f);
    return 0;
}
