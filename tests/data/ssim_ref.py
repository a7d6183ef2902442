#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Reference SSIM for test_metrics: for each pair of binary PNM/PAM files (P5, P6 or P7, any
# maxval) prints one line: the mean over channels of scikit-image's
# structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
# data_range=PEAK), then the value of each channel. Pairs are batched so the interpreter and
# scikit-image load once. Exits 2 if numpy or scikit-image cannot be imported, so the caller can
# skip.
#
#   ssim_ref.py A1.pnm B1.pnm PEAK1 [A2.pnm B2.pnm PEAK2 ...]

import sys

try:
    import numpy as np
    from skimage.metrics import structural_similarity
except ImportError as e:  # the test reports this as a skip
    print(f"cannot import numpy/skimage: {e}", file=sys.stderr)
    sys.exit(2)


def read_pnm(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:2]
    pos = 2
    fields = {}
    if magic in (b"P5", b"P6"):
        vals = []
        while len(vals) < 3:
            while data[pos:pos + 1].isspace():
                pos += 1
            if data[pos:pos + 1] == b"#":
                pos = data.index(b"\n", pos) + 1
                continue
            end = pos
            while not data[end:end + 1].isspace():
                end += 1
            vals.append(int(data[pos:end]))
            pos = end
        pos += 1  # the single whitespace byte before the raster
        width, height, maxval = vals
        depth = 1 if magic == b"P5" else 3
    elif magic == b"P7":
        end = data.index(b"ENDHDR\n") + len(b"ENDHDR\n")
        for line in data[3:end].decode("ascii").splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                fields[parts[0]] = parts[1]
        width, height = int(fields["WIDTH"]), int(fields["HEIGHT"])
        depth, maxval = int(fields["DEPTH"]), int(fields["MAXVAL"])
        pos = end
    else:
        raise ValueError(f"{path}: not a binary PNM/PAM file")
    dtype = np.dtype(">u2") if maxval > 255 else np.dtype("u1")
    count = width * height * depth
    arr = np.frombuffer(data, dtype=dtype, count=count, offset=pos)
    return arr.reshape(height, width, depth).astype(np.float64)


def pair_ssim(path_a, path_b, peak):
    a, b = read_pnm(path_a), read_pnm(path_b)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    return [structural_similarity(a[:, :, c], b[:, :, c], gaussian_weights=True, sigma=1.5,
                                  use_sample_covariance=False, data_range=peak)
            for c in range(a.shape[2])]


def main():
    args = sys.argv[1:]
    if not args or len(args) % 3:
        print("usage: ssim_ref.py A B PEAK [A B PEAK ...]", file=sys.stderr)
        return 1
    for i in range(0, len(args), 3):
        values = pair_ssim(args[i], args[i + 1], float(args[i + 2]))
        print(" ".join(f"{v:.12f}" for v in [sum(values) / len(values)] + values))
    return 0


if __name__ == "__main__":
    sys.exit(main())
