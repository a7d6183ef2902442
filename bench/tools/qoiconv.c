// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
/* Minimal QOI round-trip tool for side-by-side measurement (uses Debian's qoi.h and libpng via stb-free path). */
#define QOI_IMPLEMENTATION
#include <qoi.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: qoiconv in.png out.qoi | -d in.qoi out.raw\n"); return 2; }
    if (!strcmp(argv[1], "-d")) {
        qoi_desc d; void *px = qoi_read(argv[2], &d, 0);
        if (!px) return 1;
        FILE *f = fopen(argv[3], "wb"); fwrite(px, 1, (size_t)d.width * d.height * d.channels, f); fclose(f);
        free(px); return 0;
    }
    png_image img; memset(&img, 0, sizeof img); img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, argv[1])) return 1;
    img.format = PNG_FORMAT_RGB;
    unsigned char *buf = malloc(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, NULL, buf, 0, NULL)) return 1;
    qoi_desc d = { img.width, img.height, 3, QOI_SRGB };
    int n = qoi_write(argv[2], buf, &d);
    free(buf);
    return n ? 0 : 1;
}
