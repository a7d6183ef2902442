#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The 16-bit lossless comparison in one run: imz's lossless codec at efforts 1/5/9 beside PNG
# (optipng -o2), JPEG-LS (ffmpeg), JPEG 2000 (OpenJPEG, lossless defaults) and JPEG XL (-e 7) on
# 16-bit grayscale PNGs, which `imz bench` cannot do because its external peers take only 8-bit
# RGB. Settings are those of the anchor measurements (../shared/anchors/gray16.sh); every round
# trip is checked bit-exact on the gray16le samples, and encode and decode are timed per process
# (wall time, one thread where the tool allows, start-up included). Writes OUTDIR/results.tsv and
# OUTDIR/summary.md (totals, the 95%-of-best-standard target, per-image sizes, agreement with the
# anchor totals) and prints the summary.
# Usage: bench/gray16.sh [DIR] [OUTDIR]   (IMZ=path/to/imz, default build/imz;
#        DIR defaults to ../shared/data/gray16, OUTDIR to build/bench-gray16)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
imz=${IMZ:-$root/build/imz}
dir=${1:-$root/../shared/data/gray16}
out=${2:-$root/build/bench-gray16}
anchors=$root/../shared/anchors/gray16_lossless.tsv
anchordir=$root/../shared/data/gray16
cmdline="bench/gray16.sh${1+ $1}${2+ $2}"
dirshow=${1:-../shared/data/gray16}
[ -n "${IMZ:-}" ] && cmdline="IMZ=$IMZ $cmdline"

die() {
    echo "gray16: $*" >&2
    exit 1
}

[ -d "$dir" ] || die "no image directory $dir (pass DIR, default ../shared/data/gray16)"
[ -x "$imz" ] || die "no imz binary at $imz (build it, or set IMZ=path/to/imz)"
command -v ffmpeg >/dev/null 2>&1 || die "ffmpeg is needed to check round trips (bench/deps.sh)"
command -v /usr/bin/python3 >/dev/null 2>&1 || die "/usr/bin/python3 is needed for the summary"
set -- "$dir"/*.png
[ -e "$1" ] || die "no PNG files in $dir"
mkdir -p "$out"
# The anchors were measured on ../shared/data/gray16 only: other sets are not compared with them.
same_set=0
[ -d "$anchordir" ] && [ "$(cd "$dir" && pwd -P)" = "$(cd "$anchordir" && pwd -P)" ] && same_set=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Codecs whose tools are missing are skipped, not fatal: the comparison still says what it can.
notes=$tmp/notes
: >"$notes"
have() {
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 && continue
        echo "$t not found: skipped (bench/deps.sh installs it)" >>"$notes"
        return 1
    done
}
do_png=0; have optipng && do_png=1
do_jxl=0; have cjxl djxl && do_jxl=1
do_j2k=0; have opj_compress opj_decompress && do_j2k=1
do_jls=1
ffmpeg -hide_banner -encoders 2>/dev/null | grep -q ' jpegls ' ||
    { do_jls=0; echo "ffmpeg has no jpegls encoder: skipped" >>"$notes"; }

# Runs "$@" and sets el to its wall time in seconds; fails (with the tool's messages in $tmp/log)
# if the command does.
timed() {
    t0=$(date +%s.%N)
    "$@" >"$tmp/log" 2>&1 || return 1
    t1=$(date +%s.%N)
    el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

# Compares a decoded image (or raw gray16le samples, *.raw) with the original's samples.
same_samples() {
    case $1 in
    *.raw) cmp -s "$1" "$tmp/o.raw" ;;
    *) ffmpeg -v error -y -threads 1 -i "$1" -f rawvideo -pix_fmt gray16le "$tmp/d.raw" &&
        cmp -s "$tmp/d.raw" "$tmp/o.raw" ;;
    esac
}

# Each codec is a pair of functions encoding $f to $tmp/o.EXT and decoding that to a file that
# same_samples can read; the settings are the anchor's.
enc_imz() { "$imz" encode -c lossless -e "$effort" -j 1 -f --quiet "$f" "$tmp/o.imz"; }
dec_imz() { "$imz" decode -j 1 -f -q "$tmp/o.imz" "$tmp/d.pgm"; }
enc_jxl() { cjxl -q 100 -e 7 --num_threads=1 "$f" "$tmp/o.jxl"; }
dec_jxl() { djxl --num_threads=1 "$tmp/o.jxl" "$tmp/d.pgm"; }
enc_jls() { ffmpeg -v error -y -i "$f" -threads 1 -c:v jpegls "$tmp/o.jls"; }
dec_jls() {
    ffmpeg -v error -y -threads 1 -i "$tmp/o.jls" -f rawvideo -pix_fmt gray16le "$tmp/d.raw"
}
enc_j2k() { opj_compress -i "$f" -o "$tmp/o.jp2"; }
dec_j2k() { opj_decompress -i "$tmp/o.jp2" -o "$tmp/d.pgm"; }
enc_png() { optipng -quiet -o2 -out "$tmp/o.png" "$f"; }
dec_png() { ffmpeg -v error -y -threads 1 -i "$tmp/o.png" -f null -; }

tsv=$tmp/results.tsv
printf 'image\tcodec\tbytes\tenc_s\tdec_s\texact\n' >"$tsv"
fails=0
# run NAME FN EXT DECODED: times enc_FN and dec_FN, checks DECODED and appends the row; a failure
# or a mismatch is reported on stderr and marks the row NOT exact, and the run goes on.
run() {
    rm -f "$tmp/o.$3" "$tmp/d.pgm" "$tmp/d.raw"
    el_enc=- el_dec=- ok=yes
    if ! timed "enc_$2"; then
        ok="encode failed"
    else
        el_enc=$el
        if ! timed "dec_$2"; then
            ok="decode failed"
        else
            el_dec=$el
            same_samples "$4" || { ok="round trip NOT exact"; echo "samples differ" >"$tmp/log"; }
        fi
    fi
    bytes=-
    [ -f "$tmp/o.$3" ] && bytes=$(stat -c %s "$tmp/o.$3")
    if [ "$ok" = yes ]; then
        printf '%s\t%s\t%s\t%s\t%s\tyes\n' "$b" "$1" "$bytes" "$el_enc" "$el_dec" >>"$tsv"
    else
        fails=$((fails + 1))
        echo "gray16: *** $1 on $b: $ok ***" >&2
        sed 's/^/    /' "$tmp/log" >&2
        printf '%s\t%s\t%s\t%s\t%s\tNOT exact\n' "$b" "$1" "$bytes" "$el_enc" "$el_dec" >>"$tsv"
    fi
}

n=0
for f in "$@"; do
    b=$(basename "$f" .png)
    n=$((n + 1))
    printf 'gray16: [%d/%d] %s\n' "$n" "$#" "$b" >&2
    ffmpeg -v error -y -i "$f" -f rawvideo -pix_fmt gray16le "$tmp/o.raw" ||
        die "ffmpeg cannot read $f"
    printf '%s\traw-16bit\t%s\t-\t-\t-\n' "$b" "$(stat -c %s "$tmp/o.raw")" >>"$tsv"
    for effort in 1 5 9; do
        run "imz-lossless -e $effort" imz imz "$tmp/d.pgm"
    done
    [ "$do_jxl" = 0 ] || run jxl-e7 jxl jxl "$tmp/d.pgm"
    [ "$do_jls" = 0 ] || run jpegls jls jls "$tmp/d.raw"
    [ "$do_j2k" = 0 ] || run j2k-ll j2k jp2 "$tmp/d.pgm"
    [ "$do_png" = 0 ] || run png-optipng png png "$tmp/o.png"
done
cp "$tsv" "$out/results.tsv"

# Tool versions for the summary: the package versions where dpkg knows them.
versions="imz $("$imz" --version 2>/dev/null | sed 's/^imz //')"
for p in libjxl-tools ffmpeg libopenjp2-tools optipng; do
    v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null) || continue
    versions="$versions, $p $v"
done

/usr/bin/python3 - "$tsv" "$notes" "$anchors" "$same_set" "$cmdline" "$dirshow" \
    "$versions" "$out/summary.md" <<'EOF'
import os
import sys

tsv, notes, anchors, same_set, cmdline, imgdir, versions, summary = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(tsv)][1:]
raw = {r[0]: int(r[2]) for r in rows if r[1] == "raw-16bit"}
images = list(raw)
order = ["imz-lossless -e 1", "imz-lossless -e 5", "imz-lossless -e 9",
         "jxl-e7", "jpegls", "j2k-ll", "png-optipng"]
standard = ["jpegls", "j2k-ll", "jxl-e7"]
codecs = [c for c in order if any(r[1] == c for r in rows)]
tot, enc, dec, bad, complete = {}, {}, {}, {}, {}
for c in codecs:
    cr = [r for r in rows if r[1] == c]
    complete[c] = len(cr) == len(images) and all(r[2] != "-" for r in cr)
    tot[c] = sum(int(r[2]) for r in cr if r[2] != "-")
    enc[c] = sum(float(r[3]) for r in cr if r[3] != "-")
    dec[c] = sum(float(r[4]) for r in cr if r[4] != "-")
    bad[c] = sum(r[5] != "yes" for r in cr)
rawtot = sum(raw.values())
stds = [c for c in standard if c in tot and complete[c] and bad[c] == 0]
best = min(stds, key=lambda c: tot[c]) if stds else None

o = []
o.append("## 16-bit grayscale, lossless: %d images, %s bytes raw (16 bits per sample)"
         % (len(images), format(rawtot, ",")))
o.append("")
o.append("Produced by `%s`. Images: %s. Tools: %s. Encode and decode are the summed wall times"
         " of one process per image, single-threaded where the tool allows, process start-up"
         " included; every round trip is compared sample by sample with the original."
         % (cmdline, imgdir, versions))
o.append("")
o.append("| codec | total bytes | ratio vs raw 16-bit | % of best standard | encode s | decode s"
         " | bit-exact |")
o.append("|---|---:|---:|---:|---:|---:|---|")
for c in codecs:
    pct = "%.2f%%" % (100.0 * tot[c] / tot[best]) if best else "-"
    exact = "yes" if bad[c] == 0 else "**NOT exact (%d of %d)**" % (bad[c], len(images))
    size = format(tot[c], ",") if complete[c] else format(tot[c], ",") + " (incomplete)"
    o.append("| %s | %s | %.4f | %s | %.2f | %.2f | %s |"
             % (c, size, rawtot / tot[c] if tot[c] else 0, pct, enc[c], dec[c], exact))
o.append("")
if best:
    target = int(0.95 * tot[best])
    verdicts = []
    for c in codecs:
        if not c.startswith("imz"):
            continue
        if not complete[c] or bad[c]:
            verdicts.append("%s has failed or NOT exact round trips: no verdict" % c)
        elif tot[c] <= target:
            verdicts.append("%s meets it (%.2f%% of best)" % (c, 100.0 * tot[c] / tot[best]))
        else:
            verdicts.append("%s misses it by %s bytes (%.2f%% of best)"
                            % (c, format(tot[c] - target, ","), 100.0 * tot[c] / tot[best]))
    o.append("Target: 95%% of the best standard (%s, %s bytes) = **%s bytes**; %s."
             % (best, format(tot[best], ","), format(target, ","), "; ".join(verdicts)))
else:
    o.append("Target: not computed (no standard codec measured on every image).")
o.append("")

def cell(img, c):
    for r in rows:
        if r[0] == img and r[1] == c:
            size = format(int(r[2]), ",") if r[2].isdigit() else r[2]
            return size if r[5] == "yes" else size + " (NOT exact)"
    return "-"

o.append("### Per image (bytes)")
o.append("")
o.append("| image | imz -e 9 | jxl-e7 | jpegls | j2k-ll | imz -e 9 vs jxl-e7 |")
o.append("|---|---:|---:|---:|---:|---:|")
for img in images:
    a, j = cell(img, "imz-lossless -e 9"), cell(img, "jxl-e7")
    a_, j_ = a.replace(",", ""), j.replace(",", "")
    vs = "%.2f%%" % (100.0 * int(a_) / int(j_)) if a_.isdigit() and j_.isdigit() else "-"
    o.append("| %s | %s | %s | %s | %s | %s |"
             % (img, a, j, cell(img, "jpegls"), cell(img, "j2k-ll"), vs))
o.append("")

o.append("### Agreement with the anchor totals")
o.append("")
if same_set != "1":
    o.append("Skipped: the anchors were measured on ../shared/data/gray16, not on these images.")
elif os.path.exists(anchors):
    anc = {}
    for line in open(anchors):
        f = line.split("\t")
        if len(f) >= 2 and f[1].strip().isdigit():
            anc[f[0]] = int(f[1])
    o.append("| codec | this run | anchor | difference |")
    o.append("|---|---:|---:|---:|")
    for c in ["jpegls", "j2k-ll", "jxl-e7", "png-optipng"]:
        if c in anc and c in tot:
            o.append("| %s | %s | %s | %+.3f%% |" % (c, format(tot[c], ","), format(anc[c], ","),
                                                     100.0 * (tot[c] - anc[c]) / anc[c]))
        elif c in anc:
            o.append("| %s | - | %s | not measured |" % (c, format(anc[c], ",")))
else:
    o.append("Skipped: no anchor file ../shared/anchors/gray16_lossless.tsv.")
o.append("")
for line in open(notes):
    o.append("Note: " + line.strip() + ".")

with open(summary, "w") as fh:
    fh.write("\n".join(o).rstrip("\n") + "\n")
EOF
cat "$out/summary.md"
if [ "$fails" -gt 0 ]; then
    echo "gray16: $fails round trip(s) failed or were NOT exact (see above)" >&2
    exit 1
fi
