// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Fuzz target: any bytes into imz_read_image, the PNG, JPEG and PNM/PAM readers of the CLI. A
// success must give a well-formed image; a failure a zeroed image and a reason.

#include <string.h>

#include "fuzz_target.h"
#include "imageio/imageio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ImzContext *ctx;
    if (imz_context_create(&ctx, NULL) != IMZ_OK)
        return 0;
    imz_set_max_pixels(ctx, FUZZ_MAX_PIXELS);
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);
    ImzImage img;
    char err[256] = "";
    int st = imz_read_image(ctx, copy, size, &img, err, sizeof err);
    if (st == IMZ_OK) {
        FUZZ_ASSERT(img.width > 0 && img.height > 0);
        FUZZ_ASSERT(img.channels >= 1 && img.channels <= 4);
        FUZZ_ASSERT(img.bit_depth >= 1 && img.bit_depth <= 16);
        fuzz_check_image(&img);
    } else {
        FUZZ_ASSERT(st < 0 && img.data == NULL && err[0] != '\0');
    }
    imz_image_free(ctx, &img);
    free(copy);
    imz_context_destroy(ctx);
    return 0;
}
