// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// What every fuzz target defines (the libFuzzer entry point) and the helpers they share. A target
// reports a broken invariant with FUZZ_ASSERT, which aborts so that libFuzzer and the replay
// driver both see it as a crash.

#ifndef IMZ_FUZZ_TARGET_H
#define IMZ_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "imz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond);      \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Limits low enough that a hostile header cannot make one run slow or huge. */
#define FUZZ_MAX_PIXELS (1u << 20)

/* Reads every sample of a decoded image, so MSan would see uninitialised output and a sample over
 * the bit depth is caught. */
static inline void fuzz_check_image(const ImzImage *img)
{
    size_t n = (size_t)img->width * img->height * img->channels;
    unsigned maxv = (1u << img->bit_depth) - 1, or_all = 0;
    FUZZ_ASSERT(img->data != NULL);
    for (size_t i = 0; i < n; i++)
        or_all |= img->data[i] > maxv;
    FUZZ_ASSERT(or_all == 0);
}

#endif
