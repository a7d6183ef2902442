#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The command-line surface: --help and --version, exit status 2 and the two-line usage message for
# unknown commands, unknown options, missing arguments and bad codec options, and `imz codecs`.
# Usage: test_cli_usage.sh IMZ_BINARY SOURCE_DIR

. "$2/tests/cli/lib.sh"

commands="encode decode info compare analyze gen codecs bench"

expect 0 "imz --help" --help
for c in $commands; do
    check "imz --help lists $c" grep -q "^  $c " "$T/stdout"
done
expect 0 "imz --version" --version
check "--version prints 'imz X.Y.Z'" grep -Eq '^imz [0-9]+\.[0-9]+\.[0-9]+' "$T/stdout"
expect 2 "imz without a command"
expect 2 "unknown command" frobnicate
check "unknown command: usage error format" usage_error
expect 2 "unknown global option" --frobnicate
check "unknown global option: usage error format" usage_error

for c in $commands; do
    expect 0 "$c --help" "$c" --help
    check "$c --help shows usage" grep -q "^Usage: imz $c" "$T/stdout"
    expect 0 "$c -h" "$c" -h
    check "$c -h prints nothing on stderr" test ! -s "$T/stderr"
    expect 2 "$c: unknown option" "$c" --no-such-option x y z w
    check "$c: unknown option gives a usage error naming the command" \
        grep -q "^Try 'imz $c --help'\.\$" "$T/stderr"
done

# Missing arguments.
expect 2 "encode: no arguments" encode
check "encode: no arguments: usage error format" usage_error
expect 2 "encode: missing OUT" encode "$KODIM"
expect 2 "decode: missing OUT" decode x.imz
expect 2 "info: no files" info
expect 2 "compare: missing B" compare "$KODIM"
expect 2 "analyze: no image" analyze
expect 2 "gen: missing OUT" gen noise 8 8
expect 2 "gen: unknown pattern" gen plaid 8 8 "$T/out/p.png"
expect 2 "gen: bad width" gen noise 0 8 "$T/out/p.png"
expect 2 "gen: bad depth" gen noise 8 8 "$T/out/p.png" --depth 17
expect 2 "bench: no files" bench
expect 2 "encode: too many arguments" encode "$KODIM" "$T/out/a.imz" extra
expect 2 "option missing its value" decode x.imz y.png --format
expect 2 "decode: unknown --format" decode x.imz - --format gif
expect 2 "decode: unknown extension" decode x.imz "$T/out/x.gif"
expect 2 "-j not a number" encode -j many "$KODIM" "$T/out/a.imz"
expect 2 "--max-pixels not a number" encode --max-pixels lots "$KODIM" "$T/out/a.imz"
expect 2 "bench: unknown codec in --codecs" bench --codecs raw,nope "$KODIM"
check "no output written by usage errors" test -z "$(ls -A "$T/out")"

# Codec options are checked against the codec's own table before any work.
expect 2 "encode: unknown codec" encode -c nope "$KODIM" "$T/out/a.imz"
check "unknown codec: lists the codecs" grep -q 'raw' "$T/stderr"
expect 2 "encode: option the codec does not have" encode -c deflate --predictor med "$KODIM" \
    "$T/out/a.imz"
check "unknown codec option: lists the valid ones" grep -q -- '--level' "$T/stderr"
check "unknown codec option: usage error format" usage_error
expect 2 "encode: codec option out of range" encode -c deflate --level 99 "$KODIM" "$T/out/a.imz"
expect 2 "encode: codec option not a number" encode -c deflate --level high "$KODIM" \
    "$T/out/a.imz"
expect 2 "encode: whole-number option given a fraction" encode -c deflate --level 2.5 "$KODIM" \
    "$T/out/a.imz"
expect 2 "encode: unknown choice name" encode -c delta --predictor sideways "$KODIM" \
    "$T/out/a.imz"
expect 2 "encode: option for a codec without options" encode -c raw --level 3 "$KODIM" \
    "$T/out/a.imz"
expect 2 "encode: -e on a codec without effort" encode -c raw -e 3 "$KODIM" "$T/out/a.imz"
expect 2 "encode: -q on a codec without quality" encode -c raw -q 50 "$KODIM" "$T/out/a.imz"
expect 0 "encode: --name=value form" encode -c deflate --level=3 "$KODIM" "$T/out/a.imz"
expect 0 "encode: choice given by name" encode -f -c delta --predictor med "$KODIM" "$T/out/a.imz"

# imz codecs lists every codec with id, kind, summary and options.
expect 0 "codecs" codecs
for c in raw rle huffman delta deflate requant downsample; do
    check "codecs lists $c" grep -Eq "^$c +id [0-9]+ +(lossless|lossy) " "$T/stdout"
done
check "codecs marks the default codec" grep -q '\[default\]' "$T/stdout"
check "codecs shows option defaults" grep -q -- '--level .*(default' "$T/stdout"
check "codecs shows choice names" grep -q -- '--filter .*bicubic' "$T/stdout"
n_codecs=$(grep -Ec '^[a-z0-9_]+ +id [0-9]+ ' "$T/stdout")
expect 0 "codecs --quiet" codecs --quiet
check "codecs --quiet lists the same $n_codecs names" test "$(wc -l <"$T/stdout")" -eq "$n_codecs"

finish
