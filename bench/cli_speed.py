#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
"""Encode + decode time through the command-line tools, imz against its peers, in one run.

`imz bench` times imz in process and the standard codecs as whole processes; this script puts
both on the same footing: every codec is a pair of processes (encoder reading the PNG, decoder
writing raw pixels: PPM for imz, djpeg and dwebp, Y4M for avifdec, so that no PNG compression is
timed), and the time is the CPU time (user + system) of those processes, summed over the images.
The runs of the pairs alternate image by image, so that both see the same machine.

Pairs (name: imz command, peer command), each at one setting near the middle of the issues' range;
the lossy pair at equal quality (on Kodak, imz q72 gives 34.75 dB at 0.71 bpp, AVIF q31 34.59 dB
at 0.72 bpp, `imz bench`):
  lossy     imz -c lossy -q 72 (default effort)   vs avifenc -s 6 -j 1 --min 31 --max 31 -y 420
  lossy-e1  imz -c lossy -e 1 -q 75               vs cjpeg -optimize -quality 75 (PPM input)
  lossless  imz -c lossless -e 1                  vs cjxl -e 3 (lossless)

usage: bench/cli_speed.py IMZ [DIR] [--pairs lossy,lossy-e1,lossless] [--repeat R]
Prints one table: CPU ms per image for each side, their ratio, and bytes per image.
"""
import argparse
import glob
import os
import resource
import subprocess
import sys
import tempfile


def cpu_of(cmd, env):
    """Runs cmd; returns the CPU seconds (user + system) it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def pairs(imz, t):
    enc, dec = os.path.join(t, 'e'), os.path.join(t, 'd')

    def imz_side(args, from_ppm):
        """imz encode (from the PNG or its PPM copy) with args, then decode to PPM."""
        return lambda png, ppm: [
            [imz, 'encode', '-f', '--quiet', '-j', '1'] + args + [ppm if from_ppm else png,
                                                                 enc + '.imz'],
            [imz, 'decode', '-f', '--quiet', '-j', '1', enc + '.imz', dec + '.ppm']]

    return {
        'lossy': (
            'imz lossy q72', imz_side(['-c', 'lossy', '-q', '72'], False), enc + '.imz',
            'avif s6 q31', lambda png, ppm: [
                ['avifenc', '-s', '6', '-j', '1', '--min', '31', '--max', '31', '-y', '420', png,
                 enc + '.avif'],
                ['avifdec', '-j', '1', enc + '.avif', dec + '.y4m']],
            enc + '.avif'),
        'lossy-e1': (
            'imz lossy e1 q75', imz_side(['-c', 'lossy', '-e', '1', '-q', '75'], True),
            enc + '.imz',
            'jpeg q75', lambda png, ppm: [
                ['cjpeg', '-optimize', '-quality', '75', '-outfile', enc + '.jpg', ppm],
                ['djpeg', '-outfile', dec + '.ppm', enc + '.jpg']],
            enc + '.jpg'),
        'lossless': (
            'imz lossless e1', imz_side(['-c', 'lossless', '-e', '1'], True), enc + '.imz',
            'jxl e3', lambda png, ppm: [
                ['cjxl', '-q', '100', '-e', '3', '--num_threads=1', png, enc + '.jxl'],
                ['djxl', '--num_threads=1', enc + '.jxl', dec + '.ppm']],
            enc + '.jxl'),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('imz')
    ap.add_argument('dir', nargs='?', default=os.path.join(os.path.dirname(__file__), '..', '..',
                                                           'shared', 'data', 'kodak'))
    ap.add_argument('--pairs', default='lossy,lossy-e1,lossless')
    ap.add_argument('--repeat', type=int, default=3, help='runs per image and side; min taken')
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.dir, '*.png')))
    if not files:
        sys.exit('cli_speed: no PNG files in %s' % a.dir)
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1')
    from PIL import Image
    with tempfile.TemporaryDirectory() as t:
        ppms = []
        for f in files:
            p = os.path.join(t, os.path.basename(f)[:-4] + '.ppm')
            Image.open(f).convert('RGB').save(p)
            ppms.append(p)
        table = pairs(a.imz, t)
        print('%d images from %s; CPU time (user + system) of encoder + decoder processes, '
              'min of %d runs per image' % (len(files), a.dir, a.repeat))
        print()
        print('| pair | imz ms/image | peer | peer ms/image | imz / peer | imz bytes | peer bytes |')
        print('|---|---|---|---|---|---|---|')
        for name in a.pairs.split(','):
            iname, icmds, iout, pname, pcmds, pout = table[name]
            tot = [0.0, 0.0]
            size = [0, 0]
            for png, ppm in zip(files, ppms):
                for side, (cmds, out) in enumerate(((icmds, iout), (pcmds, pout))):
                    best = None
                    for _ in range(a.repeat):
                        s = sum(cpu_of(c, env) for c in cmds(png, ppm))
                        best = s if best is None else min(best, s)
                    tot[side] += best
                    size[side] += os.path.getsize(out)
            n = len(files)
            print('| %s | %.1f | %s | %.1f | %.2f | %d | %d |' % (
                iname, tot[0] * 1e3 / n, pname, tot[1] * 1e3 / n, tot[0] / tot[1], size[0] // n,
                size[1] // n))
            sys.stdout.flush()


if __name__ == '__main__':
    main()
