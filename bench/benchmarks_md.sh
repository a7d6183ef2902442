#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Writes BENCHMARKS.md (on stdout) from one or more result folders under bench/results, each
# holding what `imz bench --out` wrote (summary.md, results.csv, rd_*.svg), with the check of
# the standard codecs against the anchor measurements, or another summary.md with its own
# heading (bench/gray16.sh's).
# Usage: bench/benchmarks_md.sh bench/results/NAME... > BENCHMARKS.md
root=$(cd "$(dirname "$0")/.." && pwd)
cat <<'HEAD'
# Benchmarks

Written by bench/benchmarks_md.sh from `imz bench` runs on the 24 Kodak images (768x512 RGB);
each section names its run. `make bench` (bench/kodak.sh) runs imz against every standard codec
through Debian's tools, at the settings of the anchor measurements: JPEG `cjpeg -optimize
-quality Q`, WebP `cwebp -m 6 -q Q` and `-lossless -z 9`,
AVIF `avifenc -s 6 -j 1 --min Q --max Q -y 420`, JPEG XL `cjxl -e 7 -d D` and `-q 100 -e 3/7/9`,
JPEG 2000 `opj_compress -r R -I` and lossless, PNG `optipng -o2`, QOI, JPEG-LS (CharLS, HP2),
FFV1 (`-level 3 -coder 1 -context 1 -g 1`). Every tool runs on one thread, as imz does (libjxl
and ffmpeg with `--num_threads=1` and `-threads 1`; the full `make bench` run further down is
older and let them use both cores).

How to read the numbers: bpp of lossy codecs is the mean over images, of lossless codecs the
total over all images; PSNR is over all RGB samples, PSNR-Y over BT.601 luma, SSIM the mean over
channels (Gaussian window, as scikit-image), MS-SSIM five scales; all computed by imz from the
decoded pixels, not by the codecs' tools. Times are medians of the runs; standard codecs are
timed as whole processes (reading and writing files included), imz in process, so their speeds
compare only roughly. MB/s counts raw samples (3 bytes per pixel). BD-rate: cubic fit of
log-rate over quality, averaged over the common quality range. The interactive report
(curves with values on hover, decoded crops side by side) is `imz report BUILD/bench-kodak`.
HEAD
for d in "$@"; do
    name=$(basename "$d")
    rel=${d#"$root"/}
    echo
    # a folder may carry its own heading and note (title.md), else its name is the heading
    if [ -f "$d/title.md" ]; then
        cat "$d/title.md"
    elif ! grep -q '^## ' "$d/summary.md"; then
        echo "## $name"
    fi
    echo
    [ -f "$d/rd_psnr.svg" ] && echo "![PSNR against bpp]($rel/rd_psnr.svg)" && echo
    [ -f "$d/rd_ssim.svg" ] && echo "![SSIM against bpp]($rel/rd_ssim.svg)" && echo
    cat "$d/summary.md"
    if [ -f "$d/anchors.md" ]; then
        echo
        echo "### Agreement with the anchor measurements"
        echo
        echo "Same settings, same images: sizes within 1% and PSNR within 0.05 dB of"
        echo "../shared/anchors (kodak_lossless.tsv, kodak_rd.json), checked by bench/check_anchors.py."
        echo
        cat "$d/anchors.md"
    fi
done
