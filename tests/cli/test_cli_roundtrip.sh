#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Encode/decode round trips through the CLI: every lossless codec on an 8-bit RGB photo and a
# 16-bit gray scan must give back the exact pixels (checked by `imz compare` and by comparing PNM
# bytes), stdin/stdout work for both directions, lossy codecs give a finite PSNR, and `info`,
# `compare --json` and `bench` report what was written.
# Usage: test_cli_roundtrip.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

O=$T/out
lossless=$(lossless_codecs)
lossy=$(lossy_codecs)
check "codecs lists lossless codecs" test -n "$lossless"

# Reference PNMs written from the originals, for byte comparison of decoded output.
expect 0 "raw encode of kodim23 for a PNM reference" encode -c raw "$KODIM" "$T/kodim.raw.imz"
expect 0 "PNM reference of kodim23" decode "$T/kodim.raw.imz" "$T/kodim.ref.ppm"
expect 0 "raw encode of ct16 for a PNM reference" encode -c raw "$CT16" "$T/ct16.raw.imz"
expect 0 "PNM reference of ct16" decode "$T/ct16.raw.imz" "$T/ct16.ref.pgm"

for img in kodim ct16; do
    if [ $img = kodim ]; then in=$KODIM ext=ppm; else in=$CT16 ext=pgm; fi
    for c in $lossless; do
        f=$O/$img.$c.imz
        expect 0 "$img: encode -c $c" encode -c "$c" "$in" "$f"
        expect 0 "$img: decode $c to PNG" decode "$f" "$O/$img.$c.png"
        expect 0 "$img: compare after $c" compare "$in" "$O/$img.$c.png"
        check "$img: $c is bit-exact (compare)" grep -q '^bit-exact  yes' "$T/stdout"
        check "$img: $c PSNR is inf" grep -Eq '^  all +0\.0+ +inf$' "$T/stdout"
        expect 0 "$img: decode $c to PNM" decode "$f" "$O/$img.$c.$ext"
        check "$img: $c decoded PNM equals the reference" \
            cmp -s "$O/$img.$c.$ext" "$T/$img.ref.$ext"
        expect 0 "$img: info on the $c file" info "$f"
        check "$img: info names codec $c" grep -Eq "^  codec +$c " "$T/stdout"
        rm -f "$O/$img.$c.png" "$O/$img.$c.$ext"
    done
done

# Default codec, and the numbers info reports.
expect 0 "encode with the default codec" encode "$KODIM" "$O/default.imz"
def=$("$IMZ" codecs | awk '/\[default\]/ { print $1 }')
expect 0 "info on the default-codec file" info "$O/default.imz"
check "info shows the default codec ($def)" grep -Eq "^  codec +$def " "$T/stdout"
check "info shows dimensions 384x256" grep -Eq '^  dimensions +384x256$' "$T/stdout"
check "info shows 3 channels, 8-bit" bash -c "grep -Eq '^  channels +3\$' '$T/stdout' &&
    grep -Eq '^  bit depth +8\$' '$T/stdout'"
size=$(wc -c <"$O/default.imz")
check "info total bytes = file size ($size)" grep -Eq "^  total bytes +$size\$" "$T/stdout"
check "info shows format version, chunks, bpp and ratio" bash -c "
    grep -Eq '^  format +imz \(format version [0-9]+\)' '$T/stdout' &&
    grep -Eq '^  chunks +[0-9]+' '$T/stdout' && grep -Eq '^  bpp +[0-9.]+' '$T/stdout' &&
    grep -Eq '^  ratio +[0-9.]+' '$T/stdout'"
expect 0 "info on a PNG" info "$CT16"
check "info on a 16-bit PNG" bash -c "grep -Eq '^  format +png' '$T/stdout' &&
    grep -Eq '^  bit depth +16\$' '$T/stdout' && grep -Eq '^  dimensions +192x160\$' '$T/stdout'"
expect 0 "encode -v" encode -v -f "$KODIM" "$O/default.imz"
check "encode -v prints codec, bytes, ratio, bpp and time" bash -c "
    grep -q '^codec ' '$T/stdout' && grep -q '^output .* bytes' '$T/stdout' &&
    grep -q '^ratio ' '$T/stdout' && grep -q '^bpp ' '$T/stdout' && grep -q '^time ' '$T/stdout'"
expect 0 "encode --quiet" encode --quiet -f "$KODIM" "$O/default.imz"
check "encode --quiet prints nothing" test ! -s "$T/stdout"

# Deterministic output with one thread.
expect 0 "encode -j 1 (first)" encode -j 1 "$KODIM" "$O/det1.imz"
expect 0 "encode -j 1 (second)" encode -j 1 "$KODIM" "$O/det2.imz"
check "single-threaded encodes are identical" cmp -s "$O/det1.imz" "$O/det2.imz"

# stdin and stdout.
"$IMZ" encode -j 1 - - <"$CT16" >"$O/stdin.imz" 2>"$T/stderr"
check "encode stdin -> stdout exits 0" test $? -eq 0
expect 0 "encode the same image from a file" encode -j 1 "$CT16" "$O/file.imz"
check "encode to stdout: stdout holds exactly the file" cmp -s "$O/stdin.imz" "$O/file.imz"
"$IMZ" decode - - <"$O/stdin.imz" >"$O/stdout.png" 2>"$T/stderr"
check "decode stdin -> stdout exits 0" test $? -eq 0
expect 0 "compare stdout PNG" compare --json "$CT16" "$O/stdout.png"
check "stdin/stdout round trip is bit-exact" grep -q '"bit_exact": true' "$T/stdout"
"$IMZ" decode --format pnm - - <"$O/stdin.imz" >"$O/stdout.pgm" 2>"$T/stderr"
check "decode --format pnm to stdout" cmp -s "$O/stdout.pgm" "$T/ct16.ref.pgm"
"$IMZ" decode --format pam "$O/stdin.imz" - >"$O/stdout.pam" 2>"$T/stderr"
check "decode --format pam to stdout" grep -q '^P7' "$O/stdout.pam"
"$IMZ" compare - "$O/stdout.pam" <"$CT16" >"$T/stdout" 2>"$T/stderr"
check "compare reads A from stdin" grep -q '^bit-exact  yes' "$T/stdout"
expect 0 "decode to .pam by extension" decode "$O/det1.imz" "$O/k.pam"
check ".pam output is a PAM" grep -q '^P7' "$O/k.pam"

# Lossy codecs: finite PSNR, sensible quality.
for c in $lossy; do
    expect 0 "lossy: encode -c $c" encode -c "$c" "$KODIM" "$O/lossy.$c.imz"
    expect 0 "lossy: compare --json after $c" compare --json "$KODIM" "$O/lossy.$c.imz"
    psnr=$(sed -n 's/.*"psnr_all": \([0-9.]*\),.*/\1/p' "$T/stdout")
    check "lossy: $c PSNR is finite ($psnr dB)" test -n "$psnr"
    check "lossy: $c PSNR above 20 dB" awk -v p="${psnr:-0}" 'BEGIN { exit !(p > 20) }'
    check "lossy: $c is not bit-exact" grep -q '"bit_exact": false' "$T/stdout"
    expect 0 "lossy: compare text after $c" compare "$KODIM" "$O/lossy.$c.imz"
    check "lossy: $c compare prints MSE, PSNR-Y, SSIM, bpp and ratio" bash -c "
        grep -Eq '^  all +[0-9.]+ +[0-9.]+\$' '$T/stdout' && grep -q '^PSNR-Y ' '$T/stdout' &&
        grep -Eq '^SSIM +0\.[0-9]+' '$T/stdout' && grep -q '^bpp ' '$T/stdout' &&
        grep -q '^ratio ' '$T/stdout'"
done
expect 0 "requant with --bits" encode -c requant --bits 6 "$KODIM" "$O/rq6.imz"
expect 0 "downsample with --factor and --filter" encode -c downsample --factor 4 --filter bicubic \
    "$KODIM" "$O/ds4.imz"
check "downsample --factor 4 is smaller than factor 2" \
    test "$(wc -c <"$O/ds4.imz")" -lt "$(wc -c <"$O/lossy.downsample.imz")"

# compare --json numbers: size, bpp and ratio of B.
expect 0 "compare --json" compare --json "$KODIM" "$O/det1.imz"
bytes=$(wc -c <"$O/det1.imz")
check "compare --json b_bytes is B's size" grep -q "\"b_bytes\": $bytes," "$T/stdout"
if [ -x /usr/bin/python3 ]; then
    check "compare --json is valid JSON with bpp = bytes*8/pixels and ratio = raw/bytes" \
        /usr/bin/python3 -c "
import json, sys
d = json.load(open('$T/stdout'))
px = d['width'] * d['height']
assert abs(d['bpp'] - d['b_bytes'] * 8 / px) < 1e-4, d
assert abs(d['ratio'] - px * 3 / d['b_bytes']) < 1e-4, d
assert d['bit_exact'] is True and d['psnr_all'] is None
"
fi
expect 1 "compare: shape mismatch" compare "$KODIM" "$CT16"
check "compare: shape mismatch is one error line" one_error_line "$CT16"

# bench: table and CSV, lossless verified.
expect 0 "bench (all codecs, 1 run)" bench --repeat 1 "$CT16"
for c in $lossless $lossy; do
    check "bench lists $c" grep -Eq "^$c +[0-9]+ " "$T/stdout"
done
check "bench shows lossless codecs as lossless" \
    grep -Eq '^raw +[0-9]+ +[0-9.]+ +[0-9.]+ +lossless' "$T/stdout"
expect 0 "bench --csv" bench --csv --codecs raw,deflate --repeat 1 "$KODIM" "$CT16"
check "bench --csv: header and 4 rows" test "$(wc -l <"$T/stdout")" -eq 5
check "bench --csv: lossless rows have psnr inf" test "$(grep -c ',inf,' "$T/stdout")" -eq 4

check "no temporary files left" no_temp_files "$O"
finish
