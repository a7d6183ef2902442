#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# What the CLI promises about files: existing outputs are kept unless -f, the output is never the
# input, damaged or foreign inputs fail with one "imz: error: FILE: reason" line and leave no
# output and no temporary file, the pixel limit is enforced, inputs are never modified, and an
# encode interrupted by SIGINT or SIGTERM leaves neither a partial output nor a temporary file.
# Usage: test_cli_safety.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

O=$T/out
expect 0 "encode a reference file" encode "$KODIM" "$T/in/good.imz"
snapshot_inputs
GOOD=$T/in/good.imz
len=$(wc -c <"$GOOD")

# Existing outputs.
echo keep >"$O/exists.imz"
expect 1 "encode refuses an existing OUT" encode "$KODIM" "$O/exists.imz"
check "refusal is one line naming OUT" one_error_line "$O/exists.imz"
check "refusal says to use -f" grep -q 'already exists (use -f to overwrite)' "$T/stderr"
check "existing OUT kept intact" test "$(cat "$O/exists.imz")" = keep
expect 0 "encode -f overwrites" encode -f "$KODIM" "$O/exists.imz"
check "overwritten OUT is a valid .imz" quiet "$IMZ" info "$O/exists.imz"
echo keep >"$O/exists.png"
expect 1 "decode refuses an existing OUT" decode "$GOOD" "$O/exists.png"
check "decode refusal is one line" one_error_line "$O/exists.png"
check "decode: existing OUT kept intact" test "$(cat "$O/exists.png")" = keep
expect 0 "decode --force overwrites" decode --force "$GOOD" "$O/exists.png"
echo keep >"$O/exists.pgm"
expect 1 "gen refuses an existing OUT" gen noise 8 8 "$O/exists.pgm" --channels 1
check "gen: existing OUT kept intact" test "$(cat "$O/exists.pgm")" = keep
expect 1 "encode refuses OUT = IN even with -f" encode -f "$KODIM" "$KODIM"
check "OUT = IN: one error line" one_error_line "$KODIM"
ln "$KODIM" "$T/in/hardlink.png"
expect 1 "encode refuses OUT that is a hard link to IN" encode -f "$KODIM" "$T/in/hardlink.png"
ln -s "$GOOD" "$O/symlink.png"
expect 1 "decode refuses OUT that is a symlink to its input" decode -f "$GOOD" "$O/symlink.png"
check "symlinked input kept intact" cmp -s "$O/symlink.png" "$GOOD"
rm -f "$O/symlink.png"
mkdir "$O/adir"
expect 1 "encode refuses OUT that is a directory" encode -f "$KODIM" "$O/adir"
rmdir "$O/adir"
check "no temporary files after refusals" no_temp_files "$O"

# Damaged .imz files: truncated at several points, and single flipped bits.
for n in 0 4 16 40 $((len / 2)) $((len - 1)); do
    head -c "$n" "$GOOD" >"$T/in/trunc.imz"
    snapshot_inputs
    expect 1 "decode of .imz truncated to $n bytes fails" decode "$T/in/trunc.imz" "$O/trunc.png"
    check "truncated to $n: one error line naming the file" one_error_line "$T/in/trunc.imz"
    check "truncated to $n: no output file" test ! -e "$O/trunc.png"
    expect 1 "info on .imz truncated to $n bytes fails" info "$T/in/trunc.imz"
done
for pos in 6 12 $((len / 3)) $((len / 2)) $((len - 2)) $((len - 1)); do
    cp "$GOOD" "$T/in/flip.imz"
    byte=$(od -An -tu1 -j "$pos" -N1 "$T/in/flip.imz" | tr -d ' ')
    printf '%b' "\\0$(printf %o $((byte ^ 16)))" |
        dd of="$T/in/flip.imz" bs=1 seek="$pos" conv=notrunc 2>/dev/null
    snapshot_inputs
    expect 1 "decode of .imz with a bit flipped at byte $pos fails" decode "$T/in/flip.imz" \
        "$O/flip.png"
    check "flip at $pos: one error line naming the file" one_error_line "$T/in/flip.imz"
    check "flip at $pos: no output file" test ! -e "$O/flip.png"
done
check "no temporary files after damaged inputs" no_temp_files "$O"

# Foreign and missing inputs.
printf 'this is not an image\n' >"$T/in/text.txt"
: >"$T/in/empty.png"
snapshot_inputs
expect 1 "encode: non-image input" encode "$T/in/text.txt" "$O/x.imz"
check "encode: non-image: one error line naming the file" one_error_line "$T/in/text.txt"
expect 1 "analyze: non-image input" analyze "$T/in/text.txt"
check "analyze: non-image: one error line naming the file" one_error_line "$T/in/text.txt"
expect 1 "decode: a PNG is not an .imz" decode "$KODIM" "$O/x.png"
check "decode: PNG input: one error line" one_error_line "$KODIM"
expect 1 "compare: non-image B" compare "$KODIM" "$T/in/text.txt"
expect 1 "info: non-image" info "$T/in/text.txt"
expect 1 "encode: empty file" encode "$T/in/empty.png" "$O/x.imz"
check "empty file: one error line" one_error_line "$T/in/empty.png"
expect 1 "encode: missing input" encode "$T/in/nope.png" "$O/x.imz"
check "missing input: one error line with the system's reason" bash -c "
    [ \$(wc -l <'$T/stderr') -eq 1 ] && grep -q 'nope.png: No such file' '$T/stderr'"
expect 1 "encode: a directory as input" encode "$T/in" "$O/x.imz"
"$IMZ" encode - "$O/x.imz" <"$T/in/text.txt" >/dev/null 2>"$T/stderr"
check "encode: non-image on stdin fails with one line" bash -c "
    [ \$(wc -l <'$T/stderr') -eq 1 ] && grep -q '^imz: error: <stdin>: ' '$T/stderr'"
expect 1 "encode into a missing directory" encode "$KODIM" "$O/no/such/dir/x.imz"
check "missing directory: one error line" one_error_line "$O/no/such/dir/x.imz"
check "no output from failed commands" test ! -e "$O/x.imz" -a ! -e "$O/x.png"
check "no temporary files after failed commands" no_temp_files "$O"

# Pixel limit.
expect 1 "encode over --max-pixels fails" encode --max-pixels 1000 "$KODIM" "$O/big.imz"
check "--max-pixels: one error line about the limit" bash -c "
    one() { [ \$(wc -l <'$T/stderr') -eq 1 ]; }; one && grep -qi 'limit' '$T/stderr'"
expect 1 "decode over --max-pixels fails" decode --max-pixels 1000 "$GOOD" "$O/big.png"
check "decode --max-pixels: one error line naming the file" one_error_line "$GOOD"
expect 1 "gen over --max-pixels fails" gen noise 100 100 "$O/big.pgm" --max-pixels 1000
expect 0 "encode at exactly --max-pixels works" encode --max-pixels 98304 "$KODIM" "$O/big.imz"
check "no output or temporary files after limit failures" bash -c "
    [ ! -e '$O/big.png' ] && [ ! -e '$O/big.pgm' ] && [ -z \"\$(find '$O' -name '.*.??????')\" ]"

# Interrupted encodes: a large image, signalled while the temporary output exists or earlier.
expect 0 "gen noise 8000x8000 (PGM)" gen noise 8000 8000 "$T/in/huge.pgm" --channels 1
snapshot_inputs
set -m # background jobs must not start with SIGINT ignored
for sig in INT TERM; do
    rm -f "$O/huge.imz"
    "$IMZ" encode --quiet -c raw "$T/in/huge.pgm" "$O/huge.imz" 2>"$T/stderr" &
    pid=$!
    when="before writing"
    for _ in $(seq 1000); do
        if [ -n "$(find "$O" -name '.huge.imz.*' -print)" ]; then
            when="while writing"
            break
        fi
        kill -0 $pid 2>/dev/null || break
        sleep 0.01
    done
    kill -s $sig $pid 2>/dev/null
    wait $pid 2>/dev/null
    status=$?
    if [ $status -eq 0 ]; then
        # The encode won the race: then OUT must be complete.
        check "SIG$sig came too late; OUT is complete" quiet "$IMZ" info "$O/huge.imz"
    else
        check "SIG$sig $when: exit status shows the signal ($status)" \
            test $status -eq $((128 + $(kill -l $sig)))
        check "SIG$sig $when: no partial OUT" test ! -e "$O/huge.imz"
    fi
    check "SIG$sig $when: no temporary file left" no_temp_files "$O"
done
for delay in 0.05 0.3; do
    rm -f "$O/huge.imz"
    timeout -s INT $delay "$IMZ" encode --quiet "$T/in/huge.pgm" "$O/huge.imz" 2>/dev/null
    status=$?
    if [ $status -eq 0 ]; then
        check "timeout -s INT $delay: finished; OUT is complete" quiet "$IMZ" info "$O/huge.imz"
    else
        check "timeout -s INT $delay: no partial OUT" test ! -e "$O/huge.imz"
    fi
    check "timeout -s INT $delay: no temporary file" no_temp_files "$O"
done
set +m
check "inputs unchanged at the end" inputs_intact

finish
