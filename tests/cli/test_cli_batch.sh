#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `imz encode -r DIR --out DIR2`: every file under DIR is encoded to the same relative place under
# DIR2; a bad file is reported with one error line and the others are still encoded; the exit
# status is 1 if any file failed; existing outputs are kept without -f; DIR2 inside DIR is not
# walked; an interrupted batch leaves no partial output and no temporary file; inputs are never
# modified (checked after every command by lib.sh).
# Usage: test_cli_batch.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

# The batch inputs form a tree: checksum every file under $T/in, not only the top level.
snapshot_inputs() {
    (cd "$T/in" && find . -type f -print0 | sort -z | xargs -0 sha256sum >"$T/inputs.sha256")
}
inputs_intact() {
    (cd "$T/in" && sha256sum --quiet -c "$T/inputs.sha256" >/dev/null 2>&1)
}

B=$T/in/batch
O=$T/out/tree
mkdir -p "$B/sub/deeper"
cp "$KODIM" "$B/kodim.png"
cp "$CT16" "$B/sub/ct16.png"
"$IMZ" gen checker 24 16 "$B/sub/deeper/chk.pam" --channels 2 -q
printf 'not an image\n' >"$B/sub/notes.txt"
cp "$KODIM" "$B/.hidden.png"
snapshot_inputs

expect 1 "batch with one bad file exits 1" encode -c lossless -r "$B" --out "$O"
check "the bad file is reported by name" grep -q "^imz: error: $B/sub/notes.txt: " "$T/stderr"
check "the failure count is reported" grep -q "^imz: error: $B: 1 file could not be encoded" \
    "$T/stderr"
check "stderr has only those two lines" test "$(wc -l <"$T/stderr")" -eq 2
check "summary line on stdout" grep -q '^3 files encoded, 1 failed$' "$T/stdout"
check "good files encoded to the mirrored tree" test -f "$O/kodim.imz" -a -f "$O/sub/ct16.imz" \
    -a -f "$O/sub/deeper/chk.imz"
check "no output for the bad file" test ! -e "$O/sub/notes.imz"
check "hidden files skipped" test ! -e "$O/.hidden.imz"
for pair in kodim.png:kodim.imz sub/ct16.png:sub/ct16.imz sub/deeper/chk.pam:sub/deeper/chk.imz; do
    src=${pair%%:*}
    dst=${pair#*:}
    "$IMZ" compare --json "$B/$src" "$O/$dst" >"$T/cmp.json" 2>&1
    check "$dst decodes to $src exactly" grep -q '"bit_exact": true' "$T/cmp.json"
done
check "no temporary files in the output tree" bash -c "[ -z \"\$(find '$O' -name '.*')\" ]"

# A second run keeps existing outputs unless -f.
cp "$O/kodim.imz" "$T/kodim.before"
rm "$B/sub/notes.txt"
snapshot_inputs
expect 1 "re-run without -f refuses existing outputs" encode -c raw -r "$B" --out "$O"
check "each refusal names its output" grep -q "$O/kodim.imz: already exists" "$T/stderr"
check "existing output kept byte-identical" cmp -s "$O/kodim.imz" "$T/kodim.before"
expect 0 "re-run with -f overwrites, exit 0 when every file works" \
    encode -f --quiet -c raw -r "$B" --out "$O"
check "--quiet batch prints nothing" test ! -s "$T/stdout" -a ! -s "$T/stderr"
check "overwritten output differs (raw codec now)" \
    bash -c "! cmp -s '$O/kodim.imz' '$T/kodim.before'"

# DIR2 inside DIR is not walked into.
expect 0 "batch into a directory inside DIR" encode --quiet -c raw -r "$B" --out "$B/out"
check "outputs written inside DIR" test -f "$B/out/kodim.imz"
check "DIR2 not encoded into itself" test ! -e "$B/out/out"
rm -rf "$B/out"
snapshot_inputs

# Two inputs that differ only in their extension both keep it in their output names.
mkdir -p "$B/same"
cp "$KODIM" "$B/same/pic.png"
"$IMZ" gen noise 8 8 "$B/same/pic.pgm" --channels 1 -q
snapshot_inputs
expect 0 "batch with a.png and a.pgm" encode --quiet -c raw -r "$B/same" --out "$T/out/same"
check "both encoded, neither replacing the other" \
    test -f "$T/out/same/pic.png.imz" -a -f "$T/out/same/pic.pgm.imz" -a ! -e "$T/out/same/pic.imz"
rm -rf "$B/same"
snapshot_inputs

# Usage errors.
expect 2 "-r without --out" encode -r "$B"
check "-r without --out: usage error" usage_error
expect 2 "--out without -r" encode --out "$O" "$KODIM"
expect 2 "-r with positional arguments" encode -r "$B" --out "$O" "$KODIM" "$T/x.imz"
expect 1 "-r on a file" encode -r "$KODIM" --out "$T/out/x"
check "-r on a file: one error line" one_error_line "$KODIM"
expect 2 "-r with an unknown codec option" encode -r "$B" --out "$O" -c raw --quality 5
check "no output directory made by a usage error" test ! -e "$T/out/x"

# An interrupted batch: SIGTERM while a large file is being written.
expect 0 "gen noise 6000x6000 (PGM)" gen noise 6000 6000 "$B/zz_huge.pgm" --channels 1 -q
snapshot_inputs
rm -rf "$O"
set -m
"$IMZ" encode --quiet -c raw -r "$B" --out "$O" 2>"$T/stderr" &
pid=$!
when="before writing"
for _ in $(seq 1500); do
    if [ -n "$(find "$O" -name '.zz_huge.imz.*' -print 2>/dev/null)" ]; then
        when="while writing"
        break
    fi
    kill -0 $pid 2>/dev/null || break
    sleep 0.01
done
kill -s TERM $pid 2>/dev/null
wait $pid 2>/dev/null
status=$?
set +m
if [ $status -eq 0 ]; then
    check "SIGTERM came too late; the last output is complete" quiet "$IMZ" info "$O/zz_huge.imz"
else
    check "SIGTERM $when: exit status shows the signal ($status)" test $status -eq 143
    check "SIGTERM $when: no partial output" test ! -e "$O/zz_huge.imz"
fi
check "SIGTERM $when: no temporary file left" \
    bash -c "[ -z \"\$(find '$O' -name '.*' 2>/dev/null)\" ]"
check "inputs unchanged at the end" inputs_intact

finish
