#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# `imz bench` in its study mode (--out, ladders, standard codecs) and `imz report`: the result
# files, bit-exact checks, a missing tool skipped with a note, the metrics and the BD-rate
# against independent computations (scikit-image, NumPy), and the usage errors.
. "$2/tests/cli/lib.sh"
PY=/usr/bin/python3
O=$T/out

# Two imz lossy codecs with ladders, one lossless codec; no standard codec needed.
expect 0 "bench --out with ladders" bench --repeat 1 -j 2 --codecs raw,requant,downsample \
    --settings requant:bits=2,3,4,5,6 --settings downsample:factor=2,3,4,6,8 --ref imz-requant \
    --out "$O" "$KODIM"
for f in results.csv results.json summary.csv summary.md rd_psnr.svg crops/i00_original.png; do
    check "bench wrote $f" test -s "$O/$f"
done
check "bench: 11 result rows" test "$(($(wc -l <"$O/results.csv") - 1))" -eq 11
check "bench: raw is bit-exact" grep -Eq '^kodim23_crop,imz-raw,default,1,ok,.*,1,""$' "$O/results.csv"
check "bench: BD-rate table printed" grep -q "BD-rate against imz-requant" "$T/stdout"

if $PY -c 'import numpy, skimage' 2>/dev/null; then
    # Metrics of one row against scikit-image on the same decoded image.
    "$IMZ" encode -c requant --bits 4 "$KODIM" "$T/rq.imz" >/dev/null 2>&1 &&
        "$IMZ" decode "$T/rq.imz" "$T/rq.png" >/dev/null 2>&1
    check "bench PSNR, PSNR-Y and SSIM match scikit-image" $PY - "$O/results.csv" "$KODIM" "$T/rq.png" <<'PYEOF'
import csv, sys
import numpy as np
from skimage.io import imread
from skimage.metrics import peak_signal_noise_ratio, structural_similarity
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['codec'] == 'imz-requant' and r['setting'] == 'bits=4']
a, b = imread(sys.argv[2]).astype(np.float64), imread(sys.argv[3]).astype(np.float64)
psnr = peak_signal_noise_ratio(a, b, data_range=255)
ya, yb = a @ [0.299, 0.587, 0.114], b @ [0.299, 0.587, 0.114]
psnr_y = 10 * np.log10(255 ** 2 / np.mean((ya - yb) ** 2))
ssim = np.mean([structural_similarity(a[..., c], b[..., c], data_range=255, gaussian_weights=True,
                sigma=1.5, use_sample_covariance=False) for c in range(3)])
r = rows[0]
ok = abs(float(r['psnr']) - psnr) < 1e-3 and abs(float(r['psnr_y']) - psnr_y) < 1e-3 and abs(float(r['ssim']) - ssim) < 1e-5
print(r['psnr'], psnr, r['psnr_y'], psnr_y, r['ssim'], ssim)
sys.exit(0 if ok else 1)
PYEOF
    # MS-SSIM against a direct SciPy transcription of Wang et al. 2003 (valid 11x11 Gaussian).
    check "bench MS-SSIM matches a SciPy implementation" $PY - "$KODIM" "$T/rq.png" "$O/results.csv" <<'PYEOF'
import sys, csv
import numpy as np
from scipy.signal import convolve2d
from skimage.io import imread
def msssim(a, b, peak=255.0):
    g = np.exp(-(np.arange(11) - 5) ** 2 / (2 * 1.5 ** 2)); g /= g.sum(); w = np.outer(g, g)
    W = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]
    n = 0; s = min(a.shape)
    while n < 5 and s >= 11: n += 1; s //= 2
    W = np.array(W[:n]); W /= W.sum()
    c1, c2 = (0.01 * peak) ** 2, (0.03 * peak) ** 2
    out = 1.0
    for i in range(n):
        f = lambda x: convolve2d(x, w, mode='valid')
        ma, mb = f(a), f(b)
        va, vb, cov = f(a * a) - ma ** 2, f(b * b) - mb ** 2, f(a * b) - ma * mb
        cs = (2 * cov + c2) / (va + vb + c2); l = (2 * ma * mb + c1) / (ma ** 2 + mb ** 2 + c1)
        t = (l * cs).mean() if i == n - 1 else cs.mean()
        out *= max(t, 1e-12) ** W[i]
        if i < n - 1:
            h, ww = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
            a = a[:h, :ww].reshape(h // 2, 2, ww // 2, 2).mean(axis=(1, 3)); b = b[:h, :ww].reshape(h // 2, 2, ww // 2, 2).mean(axis=(1, 3))
    return out
A, B = imread(sys.argv[1]).astype(float), imread(sys.argv[2]).astype(float)
ref = np.mean([msssim(A[..., c], B[..., c]) for c in range(3)])
row = [r for r in csv.DictReader(open(sys.argv[3])) if r['codec'] == 'imz-requant' and r['setting'] == 'bits=4'][0]
print(row['msssim'], ref)
sys.exit(0 if abs(float(row['msssim']) - ref) < 1e-5 else 1)
PYEOF
    # BD-rate: the same cubic fit computed by NumPy from the summary curves.
    check "bench BD-rate matches a NumPy fit" $PY - "$O/results.json" <<'PYEOF'
import json, sys
import numpy as np
d = json.load(open(sys.argv[1]))
def curve(c):
    e = [x for x in d['entries'] if x['codec'] == c]
    return [x['mean_bpp'] for x in e], [x['psnr'] for x in e]
def bd(r1, p1, r2, p2):
    f1, f2 = np.polyfit(p1, np.log(r1), 3), np.polyfit(p2, np.log(r2), 3)
    lo, hi = max(min(p1), min(p2)), min(max(p1), max(p2))
    i1 = np.polyval(np.polyint(f1), hi) - np.polyval(np.polyint(f1), lo)
    i2 = np.polyval(np.polyint(f2), hi) - np.polyval(np.polyint(f2), lo)
    return (np.exp((i1 - i2) / (hi - lo)) - 1) * 100
want = bd(*curve('imz-downsample'), *curve('imz-requant'))
got = [x['psnr'] for x in d['bd_rate'] if x['codec'] == 'imz-downsample'][0]
print(got, want)
sys.exit(0 if abs(got - want) < 0.01 else 1)
PYEOF
else
    echo "skip metric cross-checks: /usr/bin/python3 lacks numpy or scikit-image"
fi

# A standard codec whose tool is missing is skipped with a note, not a failure.
mkdir -p "$T/empty"
printf '#!/bin/sh\nPATH=%s exec "%s" "$@"\n' "$T/empty" "$IMZ" >"$T/imz-no-path"
chmod +x "$T/imz-no-path"
REAL_IMZ=$IMZ
IMZ=$T/imz-no-path
expect 0 "bench: missing tool is skipped" bench --repeat 1 --codecs raw --against jpeg \
    --helpers "$T/empty" "$KODIM"
IMZ=$REAL_IMZ
check "bench: the skip names the package" grep -q "cjpeg not found (install libjpeg-turbo-progs)" "$T/stdout"

# With the JPEG tools present, a standard codec runs and its crop is kept.
if command -v cjpeg >/dev/null && command -v djpeg >/dev/null; then
    expect 0 "bench --against jpeg" bench --repeat 1 --codecs none --against jpeg \
        --settings jpeg=30,60,90 --out "$T/j" "$KODIM"
    check "bench: jpeg has 3 rows" test "$(grep -c ',jpeg,q=' "$T/j/results.csv")" -eq 3
fi

expect 0 "report" report -f --out "$T/r.html" "$O"
check "report embeds the results and crops" grep -q "const CROPS = {" "$T/r.html"
check "report has no external resources" sh -c "! grep -Eq '(src|href)=.https?:' '$T/r.html'"
expect 2 "report: missing RESULTS" report
expect 1 "report: not bench results" report "$KODIM"

expect 2 "bench: unknown --against codec" bench --against nope "$KODIM"
expect 2 "bench: bad --settings" bench --settings jpeg "$KODIM"
expect 2 "bench: --settings for a codec not run" bench --codecs raw --settings webp=1,2 "$KODIM"
expect 1 "bench: missing file" bench "$T/nope.png"

check "no temporary files left" sh -c "! ls -A '$O' | grep -q '^\\.'"
finish
