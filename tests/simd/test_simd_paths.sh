#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The lossy codec's kernels and the lossless row coders with SIMD clones (IMZ_SIMD_CLONES and
# IMZ_SIMD_CLONES_V3, chosen for the running CPU) give the same streams and the same decoded
# pixels as their portable build.
# Usage: test_simd_paths.sh SIMD_DIGEST SIMD_DIGEST_PORTABLE SOURCE_DIR
set -euo pipefail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
samples=("$3/tests/data/kodim23_crop.png" "$3/tests/data/ct16_crop.png")
"$1" "${samples[@]}" >"$T/native"
"$2" "${samples[@]}" >"$T/portable"
lines=$(wc -l <"$T/native")
if [ "$lines" -lt 84 ]; then
    echo "FAIL: only $lines digests"
    exit 1
fi
if ! diff "$T/native" "$T/portable"; then
    echo "FAIL: the SIMD and portable builds disagree"
    exit 1
fi
echo "PASS: $lines lossy and lossless streams and decodes identical in the SIMD and portable builds"
