// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Fuzz target: any bytes into imz_read_info and imz_decode, the path every .imz file takes. A
// success must give an image of the shape the header announced with every sample in range; a
// failure must leave no image and a reason.

#include <string.h>

#include "fuzz_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ImzContext *ctx;
    if (imz_context_create(&ctx, NULL) != IMZ_OK)
        return 0;
    imz_set_max_pixels(ctx, FUZZ_MAX_PIXELS);
    /* An exact-size copy, so that reads past the end are heap overflows ASan reports. */
    uint8_t *copy = malloc(size ? size : 1);
    memcpy(copy, data, size);

    ImzInfo info;
    int st_info = imz_read_info(ctx, copy, size, &info);
    FUZZ_ASSERT(st_info <= 0);
    ImzImage img;
    int st = imz_decode(ctx, copy, size, &img);
    if (st == IMZ_OK) {
        FUZZ_ASSERT(st_info == IMZ_OK);
        FUZZ_ASSERT(img.width == info.width && img.height == info.height);
        FUZZ_ASSERT(img.channels == info.channels && img.bit_depth == info.bit_depth);
        fuzz_check_image(&img);
    } else {
        FUZZ_ASSERT(st < 0 && img.data == NULL);
        FUZZ_ASSERT(imz_last_error(ctx)[0] != '\0');
    }
    imz_image_free(ctx, &img);
    free(copy);
    imz_context_destroy(ctx);
    return 0;
}
