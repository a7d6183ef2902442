#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Checks `imz bench` results for the standard codecs against the anchor measurements
# (kodak_lossless.tsv: total bytes per codec; kodak_rd.json: mean bpp and mean PSNR-RGB per
# setting): same settings must give the same sizes within 1% and PSNR within 0.05 dB. Prints a
# Markdown table; exit status 1 if any matching pair is outside the tolerance.
# Usage: bench/check_anchors.py RESULTS_DIR_OR_JSON [ANCHORS_DIR]   (default ../shared/anchors)
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOSSLESS = {'png': 'png-optipng', 'webp-ll': 'webp-ll-z9', 'jxl-e3': 'jxl-e3', 'jxl-e7': 'jxl-e7',
            'jxl-e9': 'jxl-e9', 'jpegls': 'jpegls', 'j2k-ll': 'j2k-ll', 'qoi': 'qoi', 'ffv1': 'ffv1',
            'avif-ll': 'avif-ll'}
BPP_TOL, PSNR_TOL = 0.01, 0.05


def bd_rate(r1, p1, r2, p2):
    """rd.py's BD-rate: cubic fit of log-rate over PSNR, integrated over the common range."""
    f1, f2 = np.polyfit(p1, np.log(r1), 3), np.polyfit(p2, np.log(r2), 3)
    lo, hi = max(min(p1), min(p2)), min(max(p1), max(p2))
    i1 = np.polyval(np.polyint(f1), hi) - np.polyval(np.polyint(f1), lo)
    i2 = np.polyval(np.polyint(f2), hi) - np.polyval(np.polyint(f2), lo)
    return (np.exp((i1 - i2) / (hi - lo)) - 1) * 100


def main():
    res = sys.argv[1]
    if os.path.isdir(res):
        res = os.path.join(res, 'results.json')
    anchors = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, '..', 'shared', 'anchors')
    d = json.load(open(res))
    if sorted(im['name'] for im in d['images']) != ['kodim%02d' % i for i in range(1, 25)]:
        print('The anchors cover the 24 Kodak images; these results do not: nothing to compare.')
        return 2
    bad = 0
    print('| codec | setting | bpp (imz bench) | bpp (anchor) | diff | PSNR (imz bench) | PSNR (anchor) | diff | within tolerance |')
    print('|---|---|---:|---:|---:|---:|---:|---:|---|')
    tsv = os.path.join(anchors, 'kodak_lossless.tsv')
    ll = {}
    if os.path.exists(tsv):
        for line in open(tsv).read().splitlines()[1:]:
            f = line.split('\t')
            ll[f[0]] = int(f[1])
    for e in d['entries']:
        a = LOSSLESS.get(e['codec'])
        if not e['lossless'] or a not in ll or e.get('images', 0) != len(d['images']):
            continue
        diff = e['total_bytes'] / ll[a] - 1
        pixels = sum(im['width'] * im['height'] for im in d['images'])
        good = abs(diff) <= BPP_TOL and e['bit_exact']
        bad += not good
        print(f"| {e['codec']} | lossless | {e['total_bytes'] * 8 / pixels:.4f} | {ll[a] * 8 / pixels:.4f} | "
              f"{diff * 100:+.2f}% | exact | exact | | {'yes' if good else 'NO'} |")
    rdj = os.path.join(anchors, 'kodak_rd.json')
    rd = json.load(open(rdj)) if os.path.exists(rdj) else {}
    mine = {}
    for e in d['entries']:
        if e['lossless'] or e['codec'] not in rd or e.get('images', 0) != len(d['images']):
            continue
        for p in rd[e['codec']]:
            if e['value'] is not None and abs(float(p['q']) - float(e['value'])) < 1e-9:
                db, dp = e['mean_bpp'] / p['bpp'] - 1, e['psnr'] - p['psnr']
                good = abs(db) <= BPP_TOL and abs(dp) <= PSNR_TOL
                bad += not good
                mine.setdefault(e['codec'], []).append((e['mean_bpp'], e['psnr'], p['bpp'], p['psnr']))
                print(f"| {e['codec']} | {e['setting']} | {e['mean_bpp']:.4f} | {p['bpp']:.4f} | {db * 100:+.2f}% | "
                      f"{e['psnr']:.3f} | {p['psnr']:.3f} | {dp:+.3f} | {'yes' if good else 'NO'} |")
    if 'jpeg' in mine and len(mine['jpeg']) >= 4:
        print('\n| codec | BD-rate vs jpeg (imz bench) | BD-rate vs jpeg (anchor points) |\n|---|---:|---:|')
        j = np.array(mine['jpeg'])
        for c, pts in mine.items():
            if c == 'jpeg' or len(pts) < 4:
                continue
            p = np.array(pts)
            print(f'| {c} | {bd_rate(p[:, 0], p[:, 1], j[:, 0], j[:, 1]):+.1f}% | '
                  f'{bd_rate(p[:, 2], p[:, 3], j[:, 2], j[:, 3]):+.1f}% |')
    print(f'\n{"all within" if not bad else f"{bad} outside"} tolerance (bpp {BPP_TOL * 100:.0f}%, PSNR {PSNR_TOL} dB)')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
