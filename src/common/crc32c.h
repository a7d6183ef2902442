// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// CRC-32C (Castagnoli), as used by iSCSI, ext4 and SSE4.2's crc32 instruction: reflected, initial
// value and final XOR 0xFFFFFFFF. The container protects its header and every chunk with it.

#ifndef IMZ_COMMON_CRC32C_H
#define IMZ_COMMON_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/** Continues a CRC: pass 0 to start; imz_crc32c(imz_crc32c(0, a), b) == CRC of a followed by b. */
uint32_t imz_crc32c(uint32_t crc, const void *data, size_t len);

#endif
