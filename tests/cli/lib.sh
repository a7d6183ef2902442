# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Shared by the tests/cli/test_*.sh scripts (sourced, not run): a scratch directory removed on
# exit, copies of the test images whose checksums are verified after every command (imz must
# never modify an input), and one output line per check ending with "N passed, N failed".
# Usage in a script:  . "$2/tests/cli/lib.sh"  (with $1 = imz binary, $2 = source dir).

IMZ=$1
SRC=$2
if [ -z "$IMZ" ] || [ -z "$SRC" ] || [ ! -x "$IMZ" ]; then
    echo "usage: $0 IMZ_BINARY SOURCE_DIR" >&2
    exit 2
fi
case $IMZ in /*) ;; *) IMZ=$(pwd)/$IMZ ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/imz-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

pass=0
fail=0
ok() {
    pass=$((pass + 1))
    echo "ok   $*"
}
not_ok() {
    fail=$((fail + 1))
    echo "FAIL $*"
}
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}

# Inputs live in $T/in; their checksums are taken once and checked after every `run`.
mkdir -p "$T/in" "$T/out"
cp "$SRC/tests/data/kodim23_crop.png" "$SRC/tests/data/ct16_crop.png" "$T/in/"
KODIM=$T/in/kodim23_crop.png
CT16=$T/in/ct16_crop.png
snapshot_inputs() {
    (cd "$T/in" && sha256sum -- * >"$T/inputs.sha256")
}
snapshot_inputs
inputs_intact() {
    (cd "$T/in" && sha256sum --quiet -c "$T/inputs.sha256" >/dev/null 2>&1)
}

# run CMD...: runs imz with the given arguments; sets $rc, $T/stdout and $T/stderr.
run() {
    "$IMZ" "$@" >"$T/stdout" 2>"$T/stderr"
    rc=$?
    if ! inputs_intact; then
        not_ok "input files unchanged after: imz $*"
        snapshot_inputs
    fi
    return 0
}

# expect RC DESCRIPTION CMD...: runs imz and checks the exit status.
expect() {
    want=$1
    desc=$2
    shift 2
    run "$@"
    if [ "$rc" -eq "$want" ]; then
        ok "$desc"
    else
        not_ok "$desc (exit $rc, expected $want; stderr: $(head -c 300 "$T/stderr"))"
    fi
}

# check DESCRIPTION CMD...: passes if the shell command succeeds.
check() {
    desc=$1
    shift
    if "$@"; then
        ok "$desc"
    else
        not_ok "$desc"
    fi
}

# The last command printed exactly one stderr line "imz: error: FILE: ...".
one_error_line() {
    [ "$(wc -l <"$T/stderr")" -eq 1 ] && grep -q "^imz: error: $1: ." "$T/stderr"
}

# The last command was a usage error: "imz: error: ..." then "Try 'imz ... --help'.".
usage_error() {
    head -n 1 "$T/stderr" | grep -q '^imz: error: ' &&
        tail -n 1 "$T/stderr" | grep -q "^Try 'imz.*--help'\.\$"
}

# No temporary output files (".name.XXXXXX") left in a directory.
no_temp_files() {
    left=$(find "$1" -maxdepth 1 -name '.*.??????' -print)
    [ -z "$left" ] || echo "     left behind: $left"
    [ -z "$left" ]
}

# Lossless codec names, from `imz codecs`.
lossless_codecs() {
    "$IMZ" codecs | awk '$2 == "id" && $4 == "lossless" { print $1 }'
}
lossy_codecs() {
    "$IMZ" codecs | awk '$2 == "id" && $4 == "lossy" { print $1 }'
}

# quiet CMD...: runs a command with its output discarded (for `check` on commands that print).
quiet() {
    "$@" >/dev/null 2>&1
}
