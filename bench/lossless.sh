#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The lossless table in one run: imz's lossless codec at efforts min/default/max beside QOI, PNG
# (optipng -o2), JPEG-LS (CharLS, HP2), JPEG 2000, WebP lossless (-z 9), FFV1 and JPEG XL
# (-e 3/7/9), with bits per pixel, encode and decode MB/s and peak memory, every result checked
# bit-exact. Settings are those of the anchor measurements.
# Usage: bench/lossless.sh [DIR] [imz bench options...]   (IMZ=path/to/imz, default build/imz;
#        DIR defaults to ../shared/data/kodak; e.g. bench/lossless.sh DIR --repeat 3 -j 2)
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
imz=${IMZ:-$root/build/imz}
dir=${1:-$root/../shared/data/kodak}
[ $# -gt 0 ] && shift
if "$imz" codecs | grep -q '^lossless '; then
    codecs=lossless
else
    echo "note: no 'lossless' codec registered in this build; measuring delta and deflate" >&2
    codecs=delta,deflate
fi
exec "$imz" bench "$dir" --codecs "$codecs" --ladder \
    --against png,qoi,jpegls,j2k-ll,webp-ll,ffv1,jxl-e3,jxl-e7,jxl-e9 --repeat 1 -j 2 "$@"
