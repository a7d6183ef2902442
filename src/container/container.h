// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The .imz container (docs/FORMAT.md §2): fixed header, codec parameters, header CRC, then the
// payload in length-prefixed chunks each with a CRC-32C, closed by an empty chunk.

#ifndef IMZ_CONTAINER_CONTAINER_H
#define IMZ_CONTAINER_CONTAINER_H

#include <stddef.h>
#include <stdint.h>

#define IMZ_MAGIC "\x89IMZ\r\n\x1a\n"
#define IMZ_MAGIC_LEN 8
#define IMZ_FORMAT_VERSION 1
#define IMZ_FIXED_HEADER_LEN 22
/** Largest chunk a writer emits; readers accept any length that fits in the file. */
#define IMZ_MAX_CHUNK (1u << 20)

#endif
