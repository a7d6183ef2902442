#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `make demo`: a short tour of the imz tool on the image kept in the repository. It benchmarks every
# codec, then encodes with the default codec, decodes, checks the result is bit-exact, and
# summarises what `imz analyze` finds. Usage: scripts/demo.sh PATH/TO/imz
set -e

if [ $# -ne 1 ]; then
    echo "usage: $0 PATH/TO/imz" >&2
    exit 2
fi
case $1 in
/*) IMZ=$1 ;;
*) IMZ=$(pwd)/$1 ;;
esac
if [ ! -x "$IMZ" ]; then
    echo "demo: $1: no such program (run 'make' first)" >&2
    exit 1
fi
cd "$(dirname "$0")/.."
IMG=tests/data/kodim23_crop.png
TMP=$(mktemp -d "${TMPDIR:-/tmp}/imz-demo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

echo "== $("$IMZ" --version): every codec at its default settings (sizes are whole .imz files)"
"$IMZ" bench "$IMG"

CODEC=$("$IMZ" codecs | awk '/\[default\]/ { print $1 }')
echo
echo "== Round trip with the default codec ($CODEC)"
echo "\$ imz encode $IMG demo.imz"
"$IMZ" encode "$IMG" "$TMP/demo.imz" | sed "s|$TMP/||g"
echo "\$ imz decode demo.imz demo.png"
"$IMZ" decode "$TMP/demo.imz" "$TMP/demo.png" | sed "s|$TMP/||g"
echo "\$ imz compare $IMG demo.png"
"$IMZ" compare "$IMG" "$TMP/demo.png" | grep -E '^(shape|PSNR-Y|SSIM|bit-exact)' | sed 's/^/  /'
"$IMZ" compare --json "$IMG" "$TMP/demo.png" | grep -q '"bit_exact": true' || {
    echo "demo: the round trip is not bit-exact" >&2
    exit 1
}

echo
echo "== What makes it compressible: imz analyze $IMG"
"$IMZ" analyze "$IMG" | sed -e '/^$/d' -e 's/^/  /'
