#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Reference SSIM for test_metrics: prints the mean over channels of scikit-image's
# structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
# data_range=PEAK) for two binary PNM/PAM files (P5, P6 or P7, any maxval), one line per channel
# and then the mean. Exits 2 if numpy or scikit-image cannot be imported, so the caller can skip.
#
#   ssim_ref.py A.pnm B.pnm PEAK

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


def main():
    if len(sys.argv) != 4:
        print("usage: ssim_ref.py A B PEAK", file=sys.stderr)
        return 1
    a, b = read_pnm(sys.argv[1]), read_pnm(sys.argv[2])
    peak = float(sys.argv[3])
    if a.shape != b.shape:
        print(f"shapes differ: {a.shape} vs {b.shape}", file=sys.stderr)
        return 1
    values = [structural_similarity(a[:, :, c], b[:, :, c], gaussian_weights=True, sigma=1.5,
                                    use_sample_covariance=False, data_range=peak)
              for c in range(a.shape[2])]
    for v in values:
        print(f"{v:.12f}")
    print(f"{sum(values) / len(values):.12f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
