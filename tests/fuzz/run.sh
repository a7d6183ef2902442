#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Runs libFuzzer targets for a bounded time each, from their seeds, with ASan + UBSan.
# Usage: tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]   (default: every target)
# BUILD_DIR was configured with CC=clang -DIMZ_BUILD_FUZZERS=ON. The working corpus grows in
# BUILD_DIR/fuzz/corpus/<target>, crashes land in BUILD_DIR/fuzz/artifacts/<target>/ and the last
# lines of each log (cov:, ft:, exec/s) are printed. Exits 1 if any target found a crash.
# FUZZ_TIMEOUT (default 30) is the per-input time limit in seconds; FUZZ_SEED (default 1) fixes
# libFuzzer's random choices, so a CI run explores the same inputs in the same order every time;
# FUZZ_MAX_RUNS (default unlimited) also caps the number of inputs, which makes a bounded run
# repeatable whatever the machine's speed.
set -u
build=$1
secs=$2
shift 2
src=$(cd "$(dirname "$0")" && pwd)
targets=${*:-dec_container dec_codec rt_codec read_image cli_args}
status=0
for t in $targets; do
    bin=$build/fuzz/fuzz_$t
    [ -x "$bin" ] || { echo "no $bin (configure with -DIMZ_BUILD_FUZZERS=ON)"; exit 2; }
    corpus=$build/fuzz/corpus/$t
    art=$build/fuzz/artifacts/$t
    mkdir -p "$corpus" "$art"
    # Usage errors of cli_args go to stderr on every run; -close_fd_mask=2 silences them.
    mask=0
    [ "$t" = cli_args ] && mask=2
    log=$build/fuzz/$t.log
    # OpenBLAS (pca) spins its worker threads while waiting; on a busy machine one LAPACK call
    # then takes seconds and trips the timeout, so it runs single-threaded here.
    OPENBLAS_NUM_THREADS=1 ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        UBSAN_OPTIONS=print_stacktrace=1 \
        "$bin" -seed="${FUZZ_SEED:-1}" -runs="${FUZZ_MAX_RUNS:--1}" -max_total_time="$secs" \
        -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=2048 \
        -max_len=65536 -close_fd_mask=$mask -print_final_stats=1 -artifact_prefix="$art/" \
        "$corpus" "$src/seeds/$t" >"$log" 2>&1
    rc=$?
    done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    if [ $rc -ne 0 ]; then
        status=1
        echo "FAIL $t (exit $rc): $(ls "$art" | head -n 3 | tr '\n' ' ')"
        grep -E 'ERROR|SUMMARY|fuzz invariant|runtime error' "$log" | head -n 5
    else
        echo "ok   $t ${secs}s, $runs runs: ${done_line:-no DONE line}"
    fi
done
exit $status
