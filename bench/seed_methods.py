#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# The quantising codecs (palette, vq, pca) on Kodak, measured three ways:
#   palette  imz palette --colors 16/64/256 against pngquant --nofs --speed 1 (then optipng -o2):
#            mean PSNR-RGB, total bytes, total encode wall time of both in the same run;
#   rd       PSNR against bpp for pca (K = 5..200), pca --block 8, vq and palette, beside the
#            JPEG anchor (../shared/anchors/kodak_rd.json); writes bench/results/seed_methods.tsv
#            and bench/results/seed_methods.svg;
#   classic  kodim23 with 16 colours and with 150 components: size, ratio, PSNR, SSIM.
# Usage: bench/seed_methods.py [--imz build/imz] [--kodak DIR] [--quick] [palette] [rd] [classic]
# Every number comes from `imz compare --json` (PSNR over all channels = PSNR-RGB; SSIM as
# documented there), so imz and pngquant outputs are scored by the same code.

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PCA_K = [5, 10, 20, 50, 100, 150, 200]
PCA_BLOCK_K = [2, 4, 8, 16, 32, 64]
VQ = [("4", "16"), ("4", "64"), ("4", "256"), ("2", "64"), ("2", "256")]
PALETTE_K = [4, 16, 64, 256]


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def timed(cmd):
    """Runs cmd; returns (wall seconds, CPU seconds of the child: user + system)."""
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    run(cmd)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def compare(imz, ref, other):
    out = subprocess.run([imz, "compare", "--json", ref, other], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def images(kodak, quick):
    names = sorted(f for f in os.listdir(kodak) if f.endswith(".png"))
    if quick:
        names = names[::6]
    return [os.path.join(kodak, f) for f in names]


def imz_point(imz, files, tmp, codec, opts):
    """Mean bpp (whole .imz file), mean PSNR-RGB, mean SSIM, total bytes, total encode seconds."""
    bpp = psnr = ssim = 0.0
    total = 0
    secs = 0.0
    for f in files:
        out = os.path.join(tmp, os.path.basename(f) + ".imz")
        t0 = time.perf_counter()
        run([imz, "encode", "-f", "--quiet", "-c", codec] + opts + [f, out])
        secs += time.perf_counter() - t0
        m = compare(imz, f, out)
        bpp += m["bpp"]
        psnr += m["psnr_all"]
        ssim += m["ssim"]
        total += m["b_bytes"]
    n = len(files)
    return bpp / n, psnr / n, ssim / n, total, secs


def palette_table(imz, files, tmp, outdir):
    for tool in ("pngquant", "optipng"):
        if not shutil.which(tool):
            sys.exit(f"seed_methods: {tool} not found (apt-get install {tool})")
    print("palette vs pngquant --nofs --speed 1 (+ optipng -o2), %d Kodak images" % len(files))
    print("encode times: totals over the images, each image run by pngquant then imz in turn;")
    print("CPU = user + system seconds of the encoder process (robust on a shared machine)")
    print("%6s %9s %9s %10s %10s %8s %8s %8s %8s %6s" % (
        "colors", "pq PSNR", "imz PSNR", "pq bytes", "imz bytes", "pq wall", "imz wall",
        "pq CPU", "imz CPU", "CPU x"))
    rows = []
    for k in (16, 64, 256):
        pq_psnr = psnr = 0.0
        pq_bytes = total = 0
        pq_t = [0.0, 0.0]
        imz_t = [0.0, 0.0]
        for f in files:
            q = os.path.join(tmp, "pq.png")
            o = os.path.join(tmp, "pq-o.png")
            wall, cpu = timed(["pngquant", "--nofs", "--speed", "1", "--force", "--output", q,
                               str(k), f])
            pq_t[0] += wall
            pq_t[1] += cpu
            run(["optipng", "-quiet", "-o2", "-clobber", "-out", o, q])
            m = compare(imz, f, o)
            pq_psnr += m["psnr_all"]
            pq_bytes += m["b_bytes"]
            out = os.path.join(tmp, "pal.imz")
            wall, cpu = timed([imz, "encode", "-f", "--quiet", "-c", "palette", "--colors", str(k),
                               f, out])
            imz_t[0] += wall
            imz_t[1] += cpu
            m = compare(imz, f, out)
            psnr += m["psnr_all"]
            total += m["b_bytes"]
        pq_psnr /= len(files)
        psnr /= len(files)
        rows.append((k, pq_psnr, psnr, pq_bytes, total, pq_t[1], imz_t[1]))
        print("%6d %9.3f %9.3f %10d %10d %8.2f %8.2f %8.2f %8.2f %6.2f" % (
            k, pq_psnr, psnr, pq_bytes, total, pq_t[0], imz_t[0], pq_t[1], imz_t[1],
            imz_t[1] / pq_t[1]))
        sys.stdout.flush()
    ok = all(r[2] >= r[1] and r[4] <= r[3] and r[6] <= 2 * r[5] for r in rows)
    print("palette: PSNR >= pngquant, bytes <= pngquant+optipng, CPU time <= 2x pngquant: %s"
          % ("yes" if ok else "NO"))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "seed_methods_palette.tsv"), "w") as f:
        f.write("# Kodak, %d images; pngquant --nofs --speed 1 then optipng -o2; bytes are totals,"
                " PSNR-RGB the mean, CPU seconds (user + system) the encoders' totals\n"
                % len(files))
        f.write("colors\tpngquant_psnr\timz_psnr\tpngquant_optipng_bytes\timz_bytes\t"
                "pngquant_cpu_s\timz_cpu_s\n")
        for r in rows:
            f.write("%d\t%.3f\t%.3f\t%d\t%d\t%.2f\t%.2f\n" % r)
    return rows


def svg_plot(path, series):
    """Writes a PSNR-vs-bpp line plot (log bpp axis) of series [(name, [(bpp, psnr)...])]."""
    import math
    w, h, ml, mr, mt, mb = 760, 500, 60, 170, 30, 50
    xs = [p[0] for _, pts in series for p in pts if p[0] > 0]
    ys = [p[1] for _, pts in series for p in pts]
    x0, x1 = math.floor(math.log2(min(xs))), math.ceil(math.log2(max(xs)))
    y0, y1 = 5 * math.floor(min(ys) / 5), 5 * math.ceil(max(ys) / 5)

    def px(x):
        return ml + (math.log2(x) - x0) / (x1 - x0) * (w - ml - mr)

    def py(y):
        return h - mb - (y - y0) / (y1 - y0) * (h - mt - mb)

    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2"]
    o = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
         f'font-family="sans-serif" font-size="12">',
         f'<rect width="{w}" height="{h}" fill="white"/>',
         f'<text x="{ml}" y="18" font-size="14">Kodak (24 images): PSNR-RGB against bits per pixel'
         f'</text>']
    for e in range(x0, x1 + 1):
        x = px(2.0 ** e)
        o.append(f'<line x1="{x:.1f}" y1="{mt}" x2="{x:.1f}" y2="{h - mb}" stroke="#ddd"/>')
        o.append(f'<text x="{x:.1f}" y="{h - mb + 16}" text-anchor="middle">{2.0 ** e:g}</text>')
    for y in range(int(y0), int(y1) + 1, 5):
        yy = py(y)
        o.append(f'<line x1="{ml}" y1="{yy:.1f}" x2="{w - mr}" y2="{yy:.1f}" stroke="#ddd"/>')
        o.append(f'<text x="{ml - 6}" y="{yy + 4:.1f}" text-anchor="end">{y}</text>')
    o.append(f'<text x="{(ml + w - mr) / 2}" y="{h - 12}" text-anchor="middle">bits per pixel '
             f'(log scale)</text>')
    o.append(f'<text x="16" y="{(mt + h - mb) / 2}" transform="rotate(-90 16 {(mt + h - mb) / 2})"'
             f' text-anchor="middle">PSNR-RGB (dB)</text>')
    for i, (name, pts) in enumerate(series):
        c = colours[i % len(colours)]
        pts = sorted(p for p in pts if p[0] > 0)
        d = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        o.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
        for x, y in pts:
            o.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{c}"/>')
        ly = mt + 10 + 20 * i
        o.append(f'<line x1="{w - mr + 10}" y1="{ly}" x2="{w - mr + 30}" y2="{ly}" stroke="{c}" '
                 f'stroke-width="2"/>')
        o.append(f'<text x="{w - mr + 36}" y="{ly + 4}">{name}</text>')
    o.append("</svg>")
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(o) + "\n")
    os.replace(tmp, path)


def rd_curves(imz, files, tmp, outdir):
    settings = [("pca", "pca", ["--components", str(k)], f"K={k}") for k in PCA_K]
    settings += [("pca --block 8", "pca", ["--block", "8", "--components", str(k)], f"K={k}")
                 for k in PCA_BLOCK_K]
    settings += [("vq", "vq", ["--block", b, "--codebook", k], f"block={b} K={k}") for b, k in VQ]
    settings += [("palette", "palette", ["--colors", str(k)], f"colors={k}") for k in PALETTE_K]
    rows = []
    print("%-14s %-18s %8s %9s %8s %9s" % ("method", "setting", "bpp", "PSNR", "SSIM", "enc s"))
    for method, codec, opts, label in settings:
        bpp, psnr, ssim, _, secs = imz_point(imz, files, tmp, codec, opts)
        rows.append((method, label, bpp, psnr, ssim, secs))
        print("%-14s %-18s %8.4f %9.3f %8.4f %9.2f" % (method, label, bpp, psnr, ssim, secs))
        sys.stdout.flush()
    anchors = os.path.join(ROOT, "..", "shared", "anchors", "kodak_rd.json")
    jpeg = []
    if os.path.exists(anchors):
        with open(anchors) as f:
            for p in json.load(f)["jpeg"]:
                jpeg.append((p["bpp"], p["psnr"]))
                rows.append(("jpeg (anchor)", "q=%d" % p["q"], p["bpp"], p["psnr"], float("nan"),
                             float("nan")))
                print("%-14s %-18s %8.4f %9.3f" % ("jpeg (anchor)", "q=%d" % p["q"], p["bpp"],
                                                   p["psnr"]))
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "seed_methods.tsv"), "w") as f:
        f.write("# Kodak, %d images; bpp = whole file; PSNR-RGB and SSIM are per-image means\n"
                % len(files))
        f.write("method\tsetting\tbpp\tpsnr_rgb\tssim\tencode_s_total\n")
        for r in rows:
            f.write("%s\t%s\t%.4f\t%.3f\t%.4f\t%.2f\n" % r)
    series = {}
    for r in rows:
        series.setdefault(r[0], []).append((r[2], r[3]))
    svg_plot(os.path.join(outdir, "seed_methods.svg"), list(series.items()))
    print("wrote %s/seed_methods.tsv and seed_methods.svg" % outdir)


def classic(imz, kodak, tmp):
    f = os.path.join(kodak, "kodim23.png")
    print("kodim23, the classic settings")
    print("%-24s %9s %8s %9s %8s" % ("setting", "bytes", "ratio", "PSNR", "SSIM"))
    for label, codec, opts in (("palette --colors 16", "palette", ["--colors", "16"]),
                               ("pca --components 150", "pca", ["--components", "150"])):
        out = os.path.join(tmp, "k23.imz")
        run([imz, "encode", "-f", "--quiet", "-c", codec] + opts + [f, out])
        m = compare(imz, f, out)
        print("%-24s %9d %8.2f %9.3f %8.4f" % (label, m["b_bytes"], m["ratio"], m["psnr_all"],
                                               m["ssim"]))


def main():
    # The pca encoder's LAPACK runs on OpenBLAS, whose worker threads spin while waiting; on a
    # busy machine that multiplies the measured time. One thread keeps timings comparable.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ap = argparse.ArgumentParser()
    ap.add_argument("--imz", default=os.path.join(ROOT, "build", "imz"))
    ap.add_argument("--kodak", default=os.path.join(ROOT, "..", "shared", "data", "kodak"))
    ap.add_argument("--out", default=os.path.join(ROOT, "bench", "results"))
    ap.add_argument("--quick", action="store_true", help="4 images instead of 24")
    ap.add_argument("parts", nargs="*", default=["palette", "rd", "classic"])
    a = ap.parse_args()
    if not os.path.isdir(a.kodak):
        sys.exit("seed_methods: Kodak not found at " + a.kodak)
    files = images(a.kodak, a.quick)
    with tempfile.TemporaryDirectory() as tmp:
        if "palette" in a.parts:
            palette_table(a.imz, files, tmp, a.out)
        if "rd" in a.parts:
            rd_curves(a.imz, files, tmp, a.out)
        if "classic" in a.parts:
            classic(a.imz, a.kodak, tmp)


if __name__ == "__main__":
    main()
