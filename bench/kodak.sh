#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `make bench`: imz and the standard codecs on Kodak at every setting, then the committed summary
# (bench/results/kodak: tables, CSV and SVG plots), the HTML report (BUILD/bench-kodak/report.html)
# and BENCHMARKS.md. Takes tens of minutes on two cores (AVIF, WebP -z 9 and JPEG XL -e 9).
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
"$root/bench/benchmarks_md.sh" "$root/bench/results/kodak" >"$root/BENCHMARKS.md"
echo "bench: wrote BENCHMARKS.md, bench/results/kodak and $out/report.html"
