#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The standard codecs `imz bench` and bench/lossless.sh compare against (Debian packages, installed
# only when missing), and the two small helpers for QOI and JPEG-LS built into BUILD/bench-tools,
# where `imz bench` looks for them next to the imz binary.
# Usage: bench/deps.sh [BUILD]   (default build)
set -e
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
need="libjxl-tools webp libavif-bin libjpeg-turbo-progs libopenjp2-tools optipng libqoi-dev libcharls-dev libpng-dev imagemagick ffmpeg bc"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "bench deps: installing$missing"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
mkdir -p "$build/bench-tools"
cc=${CC:-cc}
if [ ! -x "$build/bench-tools/qoiconv" ] || [ "$here/tools/qoiconv.c" -nt "$build/bench-tools/qoiconv" ]; then
    $cc -O2 -w -o "$build/bench-tools/qoiconv" "$here/tools/qoiconv.c" -lpng
fi
if [ ! -x "$build/bench-tools/jlsconv" ] || [ "$here/tools/jlsconv.c" -nt "$build/bench-tools/jlsconv" ]; then
    $cc -O2 -w -o "$build/bench-tools/jlsconv" "$here/tools/jlsconv.c" -lpng -lcharls
fi
