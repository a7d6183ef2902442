#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Valgrind memcheck over a sample of decodes: one small file per codec, a damaged file, and the
# PNG/PNM readers (through encode). Any memcheck error or definite leak fails the run.
# Usage: tests/fuzz/valgrind.sh IMZ_BINARY (a build without sanitizers)
set -u
imz=$1
command -v valgrind >/dev/null || { echo "valgrind not installed: skipped"; exit 0; }
t=$(mktemp -d "${TMPDIR:-/tmp}/imz-vg.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
export OPENBLAS_NUM_THREADS=1
vg() {
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        --show-leak-kinds=definite "$imz" "$@" >/dev/null 2>>"$t/vg.log"
}
"$imz" gen gradient 24 16 "$t/rgb.png" -q
"$imz" gen noise 12 10 "$t/g16.pgm" --channels 1 --depth 16 -q
fail=0
runs=0
for c in $("$imz" codecs | awk '$2 == "id" { print $1 }'); do
    for src in rgb.png g16.pgm; do
        "$imz" encode --quiet -c "$c" "$t/$src" "$t/$c-$src.imz" 2>/dev/null || continue
        runs=$((runs + 1))
        vg decode -q "$t/$c-$src.imz" "$t/$c-$src.out.png"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL valgrind decode $c ($src): exit $rc"
            fail=1
        fi
    done
done
# A damaged file (a flipped payload byte) must fail cleanly under memcheck too.
cp "$t/lossless-rgb.png.imz" "$t/bad.imz" 2>/dev/null &&
    printf '\x55' | dd of="$t/bad.imz" bs=1 seek=40 conv=notrunc 2>/dev/null
if [ -f "$t/bad.imz" ]; then
    runs=$((runs + 1))
    vg decode -q "$t/bad.imz" "$t/bad.png"
    [ $? -eq 1 ] || { echo "FAIL valgrind decode of a damaged file"; fail=1; }
fi
for src in rgb.png g16.pgm; do
    runs=$((runs + 1))
    vg encode --quiet -c raw "$t/$src" "$t/read-$src.imz" ||
        { echo "FAIL valgrind read of $src"; fail=1; }
done
if [ $fail -ne 0 ]; then
    head -n 60 "$t/vg.log"
    exit 1
fi
echo "valgrind memcheck: $runs runs clean"
