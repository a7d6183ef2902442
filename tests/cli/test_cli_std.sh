#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `imz dct-basis` and `imz analyze --dct`: the basis picture has the size its layout implies
# (N*N cells of N*m pixels, m the smallest magnification reaching 256 pixels, plus N-1 separator
# lines), its DC cell is flat white and its first AC cell spans the whole grey range; analyze --dct
# prints the energy compaction table with shares that grow with k and stay within 0..100%, and
# one size and quality row per reduction.
# Usage: test_cli_std.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

O=$T/out
PY=/usr/bin/python3

# info_dims FILE: "WxH" from `imz info`.
info_dims() {
    "$IMZ" info "$1" | awk '$1 == "dimensions" { print $2 }'
}

# dct-basis sizes: N=8 -> 4x magnification, 8*32+7 = 263; N=2 -> 64x, 2*128+1 = 257;
# N=32 -> 1x, 32*32+31 = 1055; N=5 -> 11x, 5*55+4 = 279.
for spec in "8 263" "2 257" "32 1055" "5 279"; do
    read -r n side <<<"$spec"
    expect 0 "dct-basis -n $n" dct-basis -n "$n" "$O/basis$n.png"
    check "dct-basis -n $n is ${side}x$side" test "$(info_dims "$O/basis$n.png")" = "${side}x$side"
done
expect 0 "dct-basis default size" dct-basis "$O/basis.png"
check "dct-basis defaults to N=8" cmp -s "$O/basis.png" "$O/basis8.png"
check "dct-basis is 8-bit gray" bash -c "'$IMZ' info '$O/basis.png' |
    grep -Eq '^  channels +1\$' && '$IMZ' info '$O/basis.png' | grep -Eq '^  bit depth +8\$'"
expect 0 "dct-basis to PGM" dct-basis -n 4 "$O/basis4.pgm"
check "dct-basis PGM header" bash -c "head -c 2 '$O/basis4.pgm' | grep -q P5"

if "$PY" -c 'import numpy, skimage' 2>/dev/null; then
    # DC cell (top left, 32x32 at N=8) is all 255; the first horizontal AC cell runs 0..255 and
    # is zero-mean around 128 (antisymmetric: left half bright, right half dark).
    check "dct-basis cells: DC white, AC spans 0..255 around 128" "$PY" - "$O/basis8.png" <<'PYEOF'
import sys
import numpy as np
from skimage import io
a = io.imread(sys.argv[1]).astype(int)
dc = a[0:32, 0:32]
ac = a[0:32, 33:65]
sep = a[32, :]
ok = (dc == 255).all() and ac.min() == 0 and ac.max() == 255 and \
    abs(ac.mean() - 128) < 1 and ac[:, :16].mean() > 128 > ac[:, 16:].mean() and (sep == 0).all()
sys.exit(0 if ok else 1)
PYEOF
else
    echo "skip dct-basis pixel checks: /usr/bin/python3 with numpy and skimage not available"
fi

expect 2 "dct-basis -n 1 is a usage error" dct-basis -n 1 "$O/x.png"
check "dct-basis -n 1 message" usage_error
expect 2 "dct-basis -n 33 is a usage error" dct-basis -n 33 "$O/x.png"
expect 2 "dct-basis without OUT" dct-basis
expect 2 "dct-basis with an unknown extension" dct-basis "$O/x.bmp"
expect 1 "dct-basis refuses an existing file" dct-basis "$O/basis8.png"
check "dct-basis refusal is one error line" one_error_line "$O/basis8.png"
expect 0 "dct-basis -f overwrites" dct-basis -f -q "$O/basis8.png"
check "dct-basis -q prints nothing" test ! -s "$T/stdout"
check "no temporary files left" no_temp_files "$O"
"$IMZ" dct-basis - >"$O/stdout.png" 2>/dev/null
check "dct-basis - writes PNG to stdout" cmp -s "$O/stdout.png" "$O/basis.png"
expect 0 "dct-basis --help" dct-basis --help
check "imz --help lists dct-basis" bash -c "'$IMZ' --help | grep -q '^  dct-basis '"

# analyze --dct on an RGB photo crop and a 16-bit scan.
for img in "$KODIM" "$CT16"; do
    b=$(basename "$img")
    expect 0 "analyze --dct $b" analyze --dct "$img"
    check "analyze --dct $b: energy table with k = 1..32" bash -c "
        grep -q '^DCT energy compaction (8x8 blocks of the' '$T/stdout' &&
        for k in 1 2 4 8 16 32; do grep -Eq \"^\$k +[0-9.]+%\\\$\" '$T/stdout' || exit 1; done"
    check "analyze --dct $b: shares grow with k within 0..100%" awk '
        /^DCT energy compaction/ { on = 1; next }
        on && $1 ~ /^[0-9]+$/ && $2 ~ /%$/ { v = $2 + 0; n++
            if (v < prev - 1e-9 || v < 0 || v > 100.0001) bad = 1; prev = v }
        END { exit !(n == 6 && !bad) }' "$T/stdout"
    for row in "requant --bits 5" "requant --bits 4" "requant --bits 2" "downsample --factor 2"; do
        check "analyze --dct $b: row '$row' with bytes, bpp, PSNR, SSIM" bash -c "
            grep -Eq '^$row +[0-9.]+% fewer (bits|px) +[0-9]+ +[0-9.]+ +([0-9.]+|inf) +[0-9.]+\$' \
                '$T/stdout'"
    done
done
expect 0 "analyze --dct on kodim23_crop.png" analyze --dct "$KODIM"
check "requant --bits 5 is 37.5% fewer bits on 8-bit input" \
    grep -Eq '^requant --bits 5 +37\.5% fewer bits ' "$T/stdout"
check "downsample --factor 2 is 75% fewer pixels on 384x256" \
    grep -Eq '^downsample --factor 2 +75\.0% fewer px ' "$T/stdout"
check "PSNR falls as bits are dropped" awk '
    $1 == "requant" && $3 == 5 { p5 = $(NF - 1) } $1 == "requant" && $3 == 2 { p2 = $(NF - 1) }
    END { exit !(p5 > p2 && p2 > 0) }' "$T/stdout"
check "most of the energy sits in few coefficients (k=4 >= 80%)" awk '
    /^DCT energy compaction/ { on = 1 } on && $1 == 4 { exit !($2 + 0 >= 80) }' "$T/stdout"

"$IMZ" gen checker 6 6 "$O/tiny.png" -q
expect 0 "analyze --dct on an image smaller than a block" analyze --dct "$O/tiny.png"
check "tiny image: n/a instead of a table" grep -q 'n/a: the image is smaller than one 8x8 block' \
    "$T/stdout"
expect 0 "analyze --dct -q" analyze --dct -q "$KODIM"
check "analyze --dct -q still prints both tables" bash -c "
    grep -q '^DCT energy compaction' '$T/stdout' && grep -q '^requant --bits 4 ' '$T/stdout'"
expect 0 "analyze without --dct" analyze "$KODIM"
check "analyze without --dct prints no DCT table" bash -c "! grep -q 'DCT' '$T/stdout'"

# Standard files: `encode -c jpeg|png|webp` writes files the system tools and imz itself read.
expect 0 "encode -c jpeg -q 30" encode -c jpeg -q 30 "$KODIM" "$O/k.jpg"
check "jpeg starts with SOI" bash -c "head -c 3 '$O/k.jpg' | od -An -tx1 | grep -q 'ff d8 ff'"
if command -v djpeg >/dev/null; then
    check "djpeg reads the jpeg" bash -c "djpeg '$O/k.jpg' >/dev/null"
fi
expect 0 "compare reads the jpeg back" compare "$KODIM" "$O/k.jpg"
check "jpeg at -q 30 is lossy but close" bash -c "grep -Eq 'bit-exact +no' '$T/stdout'"
expect 0 "encode -c jpeg --progressive" encode -c jpeg --progressive "$KODIM" "$O/kp.jpg"
expect 0 "encode -c png --level 9" encode -c png --level 9 "$KODIM" "$O/k.png"
expect 0 "compare png" compare "$KODIM" "$O/k.png"
check "png is bit-exact" grep -Eq 'bit-exact +yes' "$T/stdout"
expect 0 "encode -c webp -q 60" encode -c webp -q 60 "$KODIM" "$O/k.webp"
expect 0 "encode -c webp --lossless" encode -c webp --lossless "$KODIM" "$O/kl.webp"
if command -v dwebp >/dev/null; then
    check "dwebp reads the lossy webp" dwebp -quiet "$O/k.webp" -ppm -o "$O/kw.ppm"
    check "dwebp reads the lossless webp" dwebp -quiet "$O/kl.webp" -ppm -o "$O/kwl.ppm"
    expect 0 "compare lossless webp" compare "$KODIM" "$O/kwl.ppm"
    check "lossless webp is bit-exact" grep -Eq 'bit-exact +yes' "$T/stdout"
fi
expect 2 "jpeg refuses codec options it does not have" encode -c jpeg --bits 3 "$KODIM" "$O/x.jpg"
expect 2 "--lossless is only for standard formats" encode -c delta --lossless "$KODIM" "$O/x.imz"
expect 1 "jpeg refuses 16-bit input" encode -c jpeg "$CT16" "$O/ct.jpg"
check "no output after the refusal" test ! -e "$O/ct.jpg"

finish
