#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `imz gen` and `imz analyze`: generated images have the shape asked for, are reproducible from
# the seed, and have the statistics their pattern implies (uniform noise: entropy ~ bit depth;
# a vertical gradient: left-predictor residual entropy ~ 0; a checkerboard: exactly 1 bit), and
# analyze --out writes every histogram and residual image it lists.
# Usage: test_cli_analyze.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

O=$T/out

# field NAME: the number after "NAME" at the start of a line of the last stdout.
field() {
    awk -v k="$1" '$1 == k { print $2; exit }' "$T/stdout"
}
# approx VALUE LO HI: LO <= VALUE <= HI.
approx() {
    awk -v v="${1:-nan}" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "nan" && v >= lo && v <= hi) }'
}

# gen: shapes and formats.
for pat in noise gradient gauss checker; do
    expect 0 "gen $pat (PNG, default RGB 8-bit)" gen $pat 64 48 "$O/$pat.png"
    expect 0 "info on gen $pat" info "$O/$pat.png"
    check "gen $pat is 64x48 RGB 8-bit" bash -c "grep -Eq '^  dimensions +64x48\$' '$T/stdout' &&
        grep -Eq '^  channels +3\$' '$T/stdout' && grep -Eq '^  bit depth +8\$' '$T/stdout'"
done
expect 0 "gen 12-bit gray PGM" gen gauss 40 30 "$O/g12.pgm" --channels 1 --depth 12
expect 0 "info on 12-bit PGM" info "$O/g12.pgm"
check "gen --depth 12 --channels 1" bash -c "grep -Eq '^  bit depth +12\$' '$T/stdout' &&
    grep -Eq '^  channels +1\$' '$T/stdout'"
expect 0 "gen RGBA PAM" gen checker 16 16 "$O/c4.pam" --channels 4
expect 0 "gen gray+alpha 16-bit PNG" gen gradient 16 16 "$O/ga16.png" --channels 2 --depth 16
expect 0 "gen to .imz" gen noise 32 32 "$O/n.imz" --channels 1
expect 0 "info on generated .imz" info "$O/n.imz"
expect 0 "gen 1-bit" gen checker 32 32 "$O/bits.pgm" --channels 1 --depth 1
"$IMZ" gen noise 16 16 - --format pnm --channels 1 >"$O/stdout.pgm" 2>/dev/null
check "gen to stdout (--format pnm)" grep -q '^P5' "$O/stdout.pgm"

# gen: reproducible for a seed, different across seeds.
expect 0 "gen noise seed 7 (a)" gen noise 64 64 "$O/s7a.png" --seed 7
expect 0 "gen noise seed 7 (b)" gen noise 64 64 "$O/s7b.png" --seed 7
expect 0 "gen noise seed 8" gen noise 64 64 "$O/s8.png" --seed 8
check "same seed gives the same image" cmp -s "$O/s7a.png" "$O/s7b.png"
check "another seed gives another image" bash -c "! cmp -s '$O/s7a.png' '$O/s8.png'"
expect 0 "gen gauss seed 7 (a)" gen gauss 64 64 "$O/g7a.pgm" --seed 7 --channels 1
expect 0 "gen gauss seed 7 (b)" gen gauss 64 64 "$O/g7b.pgm" --seed 7 --channels 1
check "gauss is reproducible" cmp -s "$O/g7a.pgm" "$O/g7b.pgm"

# analyze: statistics of the patterns.
expect 0 "gen noise 256x256 gray" gen noise 256 256 "$O/noise256.png" --channels 1
expect 0 "analyze noise" analyze "$O/noise256.png"
e=$(field entropy)
check "noise entropy ~8 bits/sample ($e)" approx "$e" 7.9 8.0
check "analyze prints dimensions and raw size" bash -c "
    grep -q '256x256, 1 channel, 8-bit' '$T/stdout' &&
    grep -Eq '^raw size +65536 bytes' '$T/stdout'"
for p in left up avg paeth med; do
    check "analyze lists predictor $p with entropy and coded bpp" \
        grep -Eq "^$p +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+\$" "$T/stdout"
done
check "noise: left residual entropy stays ~8" approx "$(field left)" 7.9 8.0

expect 0 "gen gradient 256x256" gen gradient 256 256 "$O/grad.png"
expect 0 "analyze gradient" analyze "$O/grad.png"
check "gradient: left residual entropy ~0 ($(field left))" approx "$(field left)" 0 0.1
check "gradient: up residual entropy above left's" awk -v u="$(field up)" -v l="$(field left)" \
    'BEGIN { exit !(u > l) }'
expect 0 "gen gradient 16-bit gray 300x200" gen gradient 300 200 "$O/grad16.png" --channels 1 \
    --depth 16
expect 0 "analyze 16-bit gradient" analyze "$O/grad16.png"
check "16-bit gradient: left residual entropy ~0" approx "$(field left)" 0 0.1

expect 0 "gen checker" gen checker 64 64 "$O/check.png" --channels 1
expect 0 "analyze checker" analyze "$O/check.png"
check "checker entropy is 1 bit/sample ($(field entropy))" approx "$(field entropy)" 0.999 1.001

expect 0 "gen gauss 256x256 gray" gen gauss 256 256 "$O/gauss256.png" --channels 1
expect 0 "analyze gauss" analyze "$O/gauss256.png"
# Entropy of N(0, (255/8)^2) rounded to integers: log2(sigma * sqrt(2 pi e)) = 7.04 bits.
check "gauss entropy ~7.0 bits ($(field entropy))" approx "$(field entropy)" 6.9 7.1

# analyze --out writes and lists every file.
expect 0 "analyze --out" analyze "$KODIM" --out "$O/an/deep"
check "histogram.svg written" test -s "$O/an/deep/histogram.svg"
for p in left up avg paeth med; do
    check "residual_${p}_histogram.svg written" test -s "$O/an/deep/residual_${p}_histogram.svg"
    check "residual_${p}.png written" test -s "$O/an/deep/residual_${p}.png"
    check "residual_${p}.png path printed" grep -q "residual_${p}.png" "$T/stdout"
done
check "histogram.svg is SVG" grep -q '<svg' "$O/an/deep/histogram.svg"
expect 0 "residual image readable" info "$O/an/deep/residual_med.png"
check "residual image has the input's shape" grep -Eq '^  dimensions +384x256$' "$T/stdout"
expect 1 "analyze --out refuses existing files" analyze "$KODIM" --out "$O/an/deep"
check "analyze refusal is one error line" bash -c "[ \$(wc -l <'$T/stderr') -eq 1 ] &&
    grep -q 'already exists' '$T/stderr'"
expect 0 "analyze --out -f overwrites" analyze -f "$KODIM" --out "$O/an/deep"
check "no temporary files in the analyze directory" no_temp_files "$O/an/deep"

# The residual of a gradient under 'left' is flat mid-grey almost everywhere.
expect 0 "analyze --out on a gray gradient" analyze "$O/grad16.png" --out "$O/an16" --quiet
expect 0 "analyze the residual image itself" analyze "$O/an16/residual_left.png"
check "left residual image is nearly constant" approx "$(field entropy)" 0 0.1
if [ -x /usr/bin/python3 ]; then
    expect 0 "residual image to .imz" encode -c raw "$O/an16/residual_left.png" "$O/res.imz"
    expect 0 "residual image to PGM" decode "$O/res.imz" "$O/res.pgm"
    check "zero residual is stored as mid-grey (32768)" /usr/bin/python3 -c "
import sys
data = open('$O/res.pgm', 'rb').read()
parts = data.split(maxsplit=4)
w, h, maxval = int(parts[1]), int(parts[2]), int(parts[3])
px = parts[4]
vals = [px[i] << 8 | px[i + 1] for i in range(0, 2 * w * h, 2)]
assert maxval == 65535, maxval
assert sorted(vals)[len(vals) // 2] == 32768, sorted(vals)[len(vals) // 2]
"
fi

# analyze on a 16-bit scan and from stdin.
"$IMZ" analyze - <"$CT16" >"$T/stdout" 2>"$T/stderr"
check "analyze from stdin" grep -q '192x160, 1 channel, 16-bit' "$T/stdout"

finish
