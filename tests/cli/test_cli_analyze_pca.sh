#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `imz analyze --pca`, `imz analyze --palette` and indexed PNG output (`imz encode -c png
# --colors K`): the explained-variance table only grows with K and both plots are written, the
# palette plot has one swatch per entry, and the indexed PNG is a real palette PNG (IHDR colour
# type 3, bit depth fitted to the palette, tRNS only with alpha) that reads back close to the
# original. LAPACKE, which only pca needs, is loaded on demand, not when imz starts.
# Usage: test_cli_analyze_pca.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

O=$T/out

# ihdr_byte FILE OFFSET: one byte of a PNG's IHDR (24 = bit depth, 25 = colour type).
ihdr_byte() {
    od -An -tu1 -j"$2" -N1 "$1" | tr -d ' '
}

if command -v ldd >/dev/null; then
    check "imz does not load LAPACKE at start-up" bash -c "! ldd '$IMZ' | grep -q lapacke"
fi

# --pca: table and plots.
expect 0 "analyze --pca --out" analyze --pca "$KODIM" --out "$O/pca"
check "pca_spectrum.svg written" grep -q '</svg>' "$O/pca/pca_spectrum.svg"
check "pca_explained.svg written" grep -q '</svg>' "$O/pca/pca_explained.svg"
check "pca table has rows K = 1 .. 150" bash -c "grep -Eq '^1 ' '$T/stdout' &&
    grep -Eq '^150 ' '$T/stdout'"
check "pca table has the R, G, B and 8x8 KLT columns" \
    grep -Eq '^K +R +G +B +8x8 KLT$' "$T/stdout"
# Every column rises (or stays) down the rows and ends near 100%.
check "explained variance grows with K" awk '
    $1 ~ /^[0-9]+$/ && NF >= 4 {
        rows++
        for (i = 2; i <= NF; i++) {
            v = $i; sub(/%$/, "", v)
            if (v == "-") continue
            if (v + 0 < 0 || v + 0 > 100.001 || (i in last && v + 0 < last[i])) bad = 1
            last[i] = v + 0
        }
    }
    END { exit !(rows == 7 && !bad && last[2] > 99) }' "$T/stdout"
expect 0 "analyze --pca without --out" analyze --pca "$KODIM"
check "without --out the table is printed" grep -Eq '^K +R' "$T/stdout"
check "without --out nothing is listed as written" bash -c "! grep -q '^wrote' '$T/stdout'"
expect 1 "analyze --pca refuses to overwrite without -f" analyze --pca "$KODIM" --out "$O/pca"
expect 0 "analyze --pca on 16-bit gray" analyze --pca "$CT16"
check "gray table has a gray column" grep -Eq '^K +gray +8x8 KLT$' "$T/stdout"

# --palette: table and swatches.
expect 0 "analyze --palette --colors 8 --out" analyze --palette --colors 8 "$KODIM" --out "$O/pal"
check "palette.svg has 8 swatches" \
    test "$(grep -c 'class="swatch"' "$O/pal/palette.svg")" -eq 8
check "palette table lists indices 0..7 with hex colours" bash -c "
    [ \"\$(grep -Ec '^[0-9]+ +#[0-9a-f]{6} +[0-9.]+%\$' '$T/stdout')\" -eq 8 ]"
check "palette shares add up to 100%" awk '
    $2 ~ /^#/ { v = $3; sub(/%$/, "", v); s += v }
    END { exit !(s > 99.9 && s < 100.1) }' "$T/stdout"
expect 0 "analyze --palette (default 16 colours)" analyze --palette "$KODIM"
check "default palette has 16 entries" bash -c "
    [ \"\$(grep -Ec '^[0-9]+ +#[0-9a-f]{6} ' '$T/stdout')\" -eq 16 ]"
expect 2 "analyze --colors 1 is a usage error" analyze --palette --colors 1 "$KODIM"
expect 2 "analyze --colors without --palette is a usage error" analyze --colors 8 "$KODIM"

# encode -c png --colors K: an indexed PNG.
expect 0 "encode -c png --colors 16" encode -c png --colors 16 "$KODIM" "$O/k16.png"
check "colour type 3 (palette)" test "$(ihdr_byte "$O/k16.png" 25)" = 3
check "16 colours take 4 bits per pixel" test "$(ihdr_byte "$O/k16.png" 24)" = 4
check "no tRNS without alpha" bash -c "! grep -q tRNS '$O/k16.png'"
expect 0 "compare reads the indexed PNG" compare "$KODIM" "$O/k16.png"
check "16-colour PSNR > 20 dB" awk '$1 == "all" && $3 > 20 { ok = 1 } END { exit !ok }' \
    "$T/stdout"
expect 0 "encode -c png --colors 2" encode -c png --colors 2 "$KODIM" "$O/k2.png"
check "2 colours take 1 bit per pixel" test "$(ihdr_byte "$O/k2.png" 24)" = 1
expect 0 "encode -c png --colors 256 on 16-bit gray" encode -c png --colors 256 "$CT16" "$O/ct.png"
check "16-bit gray becomes an 8-bit palette" \
    test "$(ihdr_byte "$O/ct.png" 25)$(ihdr_byte "$O/ct.png" 24)" = 38
expect 0 "gen RGBA noise" gen noise 32 32 "$O/rgba.png" --channels 4 -q
expect 0 "encode -c png --colors 8 with alpha" encode -c png --colors 8 "$O/rgba.png" "$O/rgba8.png"
check "alpha goes to a tRNS chunk" grep -q tRNS "$O/rgba8.png"
expect 0 "compare reads the indexed PNG with alpha" compare "$O/rgba.png" "$O/rgba8.png"
expect 2 "--colors 257 is a usage error" encode -c png --colors 257 "$KODIM" "$O/x.png"
check "--colors 257 is reported as out of range" usage_error
expect 2 "--colors is for png only" encode -c jpeg --colors 16 "$KODIM" "$O/x.jpg"
check "no output after the usage errors" bash -c "[ ! -e '$O/x.png' ] && [ ! -e '$O/x.jpg' ]"

finish
