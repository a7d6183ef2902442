#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The lossy codec's kernels with SIMD clones (IMZ_SIMD_CLONES, chosen for the running CPU) give
# the same streams and the same decoded pixels as their portable build.
# Usage: test_simd_paths.sh SIMD_DIGEST SIMD_DIGEST_PORTABLE SOURCE_DIR
set -euo pipefail
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
sample=$3/tests/data/kodim23_crop.png
"$1" "$sample" >"$T/native"
"$2" "$sample" >"$T/portable"
lines=$(wc -l <"$T/native")
if [ "$lines" -lt 48 ]; then
    echo "FAIL: only $lines digests"
    exit 1
fi
if ! diff "$T/native" "$T/portable"; then
    echo "FAIL: the SIMD and portable builds of the lossy kernels disagree"
    exit 1
fi
echo "PASS: $lines lossy streams and decodes identical in the SIMD and portable builds"
