#!/bin/sh
# Installs the Debian packages imz needs to build and test, only those that are missing.
# Build: compiler, CMake, libpng, libjpeg-turbo, zlib. Tests: Python with NumPy and scikit-image
# (the SSIM cross-check). Runs apt-get only when something is missing.
set -e
need="build-essential cmake pkg-config libpng-dev libjpeg62-turbo-dev libwebp-dev libjpeg-turbo-progs webp zlib1g-dev python3 python3-numpy python3-skimage liblapacke-dev libopenblas-dev"
missing=""
for p in $need; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
