#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Mutation campaign against `imz decode`: builds valid .imz files of every codec, derives N damaged
# files from them (bit flips, byte overwrites, truncations, insertions, deletions, splices of two
# files, edited header fields; half of them with the CRCs recomputed so the damage reaches the
# codec's decoder) and decodes each one. Every run must either succeed or fail cleanly: exit 1
# with exactly one line "imz: error: ..." on stderr, no sanitizer report, no other exit status, and
# it must finish within the time limit. Run it on a sanitizer build of imz.
# Decodes run with --max-pixels 4194304 (4 MP): a damaged header may announce any size up to the
# limit, and a 2^28-pixel image cannot even be allocated within the 1 s budget (docs/SECURITY.md).
# --huge instead gives every valid file each of a few header shapes of up to 2^28 pixels (the
# default limit) over its small payload, and decodes at that limit: a decoder must give up within
# the time limit once its payload runs dry, whatever size the header announces.
# Usage: scripts/mutate.py IMZ_BINARY [-n 10000] [--seed 1] [--jobs 2] [--timeout 1.0] [--huge]
# Prints a summary; failing inputs are kept in --keep DIR. Exits 1 if any run was not clean.

import argparse
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

MAGIC = b"\x89IMZ\r\n\x1a\n"


def crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def reseal(data):
    """Recomputes the header and chunk CRCs of a (damaged) file where its layout allows it."""
    d = bytearray(data)
    if len(d) < 26 or d[:8] != MAGIC:
        return bytes(d)
    hlen = 22 + struct.unpack_from("<H", d, 20)[0]
    if len(d) < hlen + 4:
        return bytes(d)
    struct.pack_into("<I", d, hlen, crc32c(d[:hlen]))
    p = hlen + 4
    while len(d) - p >= 8:
        n = struct.unpack_from("<I", d, p)[0]
        if n > len(d) - p - 8:
            break
        struct.pack_into("<I", d, p + 4 + n, crc32c(d[p:p + 4 + n]))
        p += 8 + n
        if n == 0:
            break
    return bytes(d)


def mutate(rng, files):
    a = bytearray(rng.choice(files))
    kind = rng.choice(["flip", "flip", "byte", "truncate", "insert", "delete", "splice",
                       "header", "chunklen"])
    if kind == "flip":
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(a))
            a[i] ^= 1 << rng.randrange(8)
    elif kind == "byte":
        for _ in range(rng.randint(1, 4)):
            a[rng.randrange(len(a))] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    elif kind == "truncate":
        a = a[:rng.randrange(len(a))]
    elif kind == "insert":
        i = rng.randrange(len(a) + 1)
        a[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
    elif kind == "delete":
        i = rng.randrange(len(a))
        del a[i:i + rng.randint(1, 16)]
    elif kind == "splice":
        b = rng.choice(files)
        a = a[:rng.randrange(len(a) + 1)] + b[rng.randrange(len(b) + 1):]
    elif kind == "header" and len(a) >= 22:
        field = rng.choice([(9, 1), (10, 4), (14, 4), (18, 1), (19, 1), (20, 2)])
        off, size = field
        val = rng.choice([0, 1, 2, 3, 4, 5, 16, 17, 255, 65535, 100000, 0xFFFFFFFF,
                          rng.randrange(1 << (8 * size))]) & ((1 << (8 * size)) - 1)
        a[off:off + size] = val.to_bytes(size, "little")
    elif kind == "chunklen" and len(a) >= 30:
        hlen = 22 + struct.unpack_from("<H", a, 20)[0] + 4
        if hlen + 4 <= len(a):
            val = rng.choice([0, 1, len(a), 0x7FFFFFFF, 0xFFFFFFFF, rng.randrange(1 << 32)])
            struct.pack_into("<I", a, hlen, val)
    if rng.random() < 0.5:
        a = bytearray(reseal(a))
    return kind, bytes(a)


def make_valid_files(imz, work):
    """Small images of several shapes, encoded with every codec."""
    codecs = [line.split()[0] for line in subprocess.run(
        [imz, "codecs"], capture_output=True, text=True, check=True).stdout.splitlines()
        if len(line.split()) > 2 and line.split()[1] == "id"]
    shapes = [("gradient", 24, 16, 3, 8), ("noise", 9, 13, 1, 16), ("checker", 17, 9, 4, 8),
              ("gauss", 16, 16, 2, 12)]
    files = []
    for k, (pat, w, h, ch, depth) in enumerate(shapes):
        src = os.path.join(work, f"src{k}.pam")
        subprocess.run([imz, "gen", pat, str(w), str(h), src, "--channels", str(ch),
                        "--depth", str(depth), "-q"], check=True)
        # every codec at its defaults, and the lossless codec's fast profile (effort 1)
        variants = [(c, []) for c in codecs] + [("lossless", ["-e", "1"])] * ("lossless" in codecs)
        for c, extra in variants:
            out = os.path.join(work, f"{c}{''.join(extra)}_{k}.imz")
            r = subprocess.run([imz, "encode", "--quiet", "-c", c, *extra, src, out],
                               capture_output=True)
            if r.returncode == 0:
                with open(out, "rb") as f:
                    files.append(f.read())
    return codecs, files


MAX_PIXELS = "4194304"
HUGE_SHAPES = [(16384, 16384), (8388608, 32), (32, 8388608), (268435456, 1), (1, 268435456)]


def huge_cases(files):
    """Every valid file under every huge header shape, CRCs recomputed."""
    cases = []
    for data in files:
        for w, h in HUGE_SHAPES:
            d = bytearray(data)
            struct.pack_into("<II", d, 10, w, h)
            cases.append((f"huge-{w}x{h}", reseal(bytes(d))))
    return cases


def check_one(imz, path, out, timeout):
    t0 = time.monotonic()
    try:
        r = subprocess.run([imz, "decode", "-q", "-f", "--max-pixels", MAX_PIXELS, path, out],
                           capture_output=True,
                           timeout=timeout * 5)
    except subprocess.TimeoutExpired:
        return "hang", time.monotonic() - t0, ""
    dt = time.monotonic() - t0
    err = r.stderr.decode("utf-8", "replace")
    lines = err.splitlines()
    if "Sanitizer" in err or "runtime error" in err:
        return "sanitizer", dt, err
    if r.returncode == 0:
        return ("ok" if not lines else "noisy-success"), dt, err
    if r.returncode != 1:
        return f"exit-{r.returncode}", dt, err
    if len(lines) != 1 or not lines[0].startswith("imz: error: "):
        return "bad-message", dt, err
    return "clean-error", dt, err


def check_timed(imz, path, out, timeout):
    """check_one, with a slow run repeated: a busy machine can stall one run, a hang stalls all."""
    res = check_one(imz, path, out, timeout)
    for _ in range(2):
        if res[0] not in ("ok", "clean-error") or res[1] <= timeout:
            return res
        again = check_one(imz, path, out, timeout)
        res = (again[0], min(res[1], again[1]), again[2])
    if res[1] > timeout:
        return "slow", res[1], res[2]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("imz")
    ap.add_argument("-n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds per decode")
    ap.add_argument("--keep", default="mutate-failures", help="directory for failing inputs")
    ap.add_argument("--max-pixels", default=None, help="pixel limit of the decodes")
    ap.add_argument("--huge", action="store_true",
                    help="huge header shapes over small payloads instead of random damage")
    args = ap.parse_args()
    default_limit = "268435456" if args.huge else MAX_PIXELS
    globals()["MAX_PIXELS"] = str(args.max_pixels or default_limit)
    imz = os.path.abspath(args.imz)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    work = tempfile.mkdtemp(prefix="imz-mutate.")
    try:
        codecs, files = make_valid_files(imz, work)
        rng = random.Random(args.seed)
        if args.huge:
            cases = huge_cases(files)
            args.n = len(cases)
        else:
            cases = [mutate(rng, files) for _ in range(args.n)]

        def run(i):
            kind, data = cases[i]
            path = os.path.join(work, f"m{i}.imz")
            with open(path, "wb") as f:
                f.write(data)
            res = check_timed(imz, path, os.path.join(work, f"m{i}.png"), args.timeout)
            if res[0] in ("clean-error", "ok") and os.path.exists(path):
                os.unlink(path)
            for ext in (".png",):
                try:
                    os.unlink(os.path.join(work, f"m{i}{ext}"))
                except FileNotFoundError:
                    pass
            return res

        t0 = time.monotonic()
        with ThreadPoolExecutor(args.jobs) as ex:
            results = list(ex.map(run, range(args.n)))
        elapsed = time.monotonic() - t0

        counts, bad = {}, []
        for i, (status, dt, err) in enumerate(results):
            counts[status] = counts.get(status, 0) + 1
            if status not in ("ok", "clean-error"):
                bad.append((i, status, dt, err))
        slowest = max(r[1] for r in results) if results else 0.0
        print(f"{args.n} mutated files from {len(files)} valid files of {len(codecs)} codecs, "
              f"seed {args.seed}, {elapsed:.0f} s")
        print("results: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        print(f"slowest decode: {slowest:.3f} s (limit {args.timeout} s, "
              f"--max-pixels {MAX_PIXELS})")
        if bad:
            os.makedirs(args.keep, exist_ok=True)
            for i, status, dt, err in bad[:50]:
                kind = cases[i][0]
                dst = os.path.join(args.keep, f"{status}-{kind}-{i}.imz")
                shutil.copy(os.path.join(work, f"m{i}.imz"), dst)
                print(f"FAIL {status} ({kind}, {dt:.2f} s): {dst}")
                print("     " + "\n     ".join(err.splitlines()[:6]))
            return 1
        print("all runs clean")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
