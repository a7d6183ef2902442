#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `make bench`: imz and the standard codecs on Kodak at every setting, then the committed summary
# (bench/results/kodak: tables, CSV and SVG plots), the HTML report (BUILD/bench-kodak/report.html),
# the 16-bit comparison (bench/gray16.sh into bench/results/gray16) and BENCHMARKS.md. Takes tens
# of minutes on two cores (AVIF, WebP -z 9 and JPEG XL -e 9).
# Usage: bench/kodak.sh [BUILD]   (KODAK=DIR, REPEAT=R (default 3), JOBS=N (default 2))
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
imz=$build/imz
kodak=${KODAK:-$root/../shared/data/kodak}
if [ ! -d "$kodak" ]; then
    echo "bench: no Kodak images in $kodak (set KODAK=DIR)" >&2
    exit 1
fi
out=$build/bench-kodak
"$imz" bench "$kodak" --against all,jxl-e3,jxl-e9 --repeat "${REPEAT:-3}" -j "${JOBS:-2}" \
    --out "$out" | tee "$out.txt"
"$imz" report -f --out "$out/report.html" "$out"
mkdir -p "$root/bench/results/kodak"
for f in summary.md summary.csv results.csv rd_psnr.svg rd_ssim.svg; do
    cp "$out/$f" "$root/bench/results/kodak/$f"
done
/usr/bin/python3 "$root/bench/check_anchors.py" "$out" >"$root/bench/results/kodak/anchors.md" || true
cat >"$root/bench/results/kodak/title.md" <<EOF
## Kodak: imz against every standard codec, one \`make bench\` run

All 24 images, \`REPEAT=${REPEAT:-3} JOBS=${JOBS:-2} make bench\` on this machine, i.e.
\`imz bench $kodak --against all,jxl-e3,jxl-e9 --repeat ${REPEAT:-3} -j ${JOBS:-2}\`. With more
than one job, jobs run side by side, so speeds are only comparable within this table.
EOF
# 16-bit grayscale: imz against JPEG-LS, JPEG 2000 and JPEG XL on ../shared/data/gray16
if [ -d "$root/../shared/data/gray16" ]; then
    "$root/bench/gray16.sh" "$root/../shared/data/gray16" "$build/bench-gray16"
    mkdir -p "$root/bench/results/gray16"
    cp "$build/bench-gray16/summary.md" "$build/bench-gray16/results.tsv" \
        "$root/bench/results/gray16/"
fi
# Every committed result folder, in the order of BENCHMARKS.md: imz's own latest run against
# the peers of the issues (kodak-imz, cli-speed), when present, then this run and gray16.
set --
for d in kodak-imz cli-speed kodak gray16; do
    [ -f "$root/bench/results/$d/summary.md" ] && set -- "$@" "$root/bench/results/$d"
done
"$root/bench/benchmarks_md.sh" "$@" >"$root/BENCHMARKS.md"
echo "bench: wrote BENCHMARKS.md, bench/results/kodak, bench/results/gray16 and $out/report.html"
