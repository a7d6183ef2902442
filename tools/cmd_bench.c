// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz bench`: imz's codecs, and optionally the standard codecs through their command-line tools,
// on a set of images: size, bits per pixel, PSNR (RGB and luma), SSIM, MS-SSIM, encode and decode
// time (median of R runs) and peak memory, each lossless result checked bit-exact on the spot.
// Every (image, codec, setting) runs in its own forked worker, up to -j at a time; inside it the
// encoder and the decoder each run in a process of their own, so that wait4 gives the peak memory
// of exactly one side. With --out the results go to CSV and JSON (the input of `imz report`),
// plus rate-distortion plots, BD-rates against a reference codec and a lossless table.

#define _GNU_SOURCE /* fork, wait4, mkdtemp, nftw */

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "plot.h"

#define MAX_REPEAT 100
#define MAX_SETTINGS 32
#define MAX_VALUES 24
#define CROP_SIZE 192

static const char *const quality_ladder[] = {"10", "20", "30", "50", "70", "85", "95"};

static void bench_usage(void)
{
    printf(
        "Usage: imz bench [options] (DIR|FILE)...\n"
        "Encodes and decodes each image with each codec and reports size, bits per pixel, PSNR\n"
        "(RGB and luma), SSIM, MS-SSIM, the median encode and decode times and peak memory.\n"
        "Lossless results are checked bit-exact; a mismatch makes the run fail (exit 1).\n"
        "A DIR stands for the PNG files in it. Without --against/--out/--ladder every codec runs\n"
        "at its default settings and a table per image is printed (the old format).\n"
        "\n"
        "Options:\n"
        "  --codecs LIST      imz codecs, comma-separated (default: all; with a ladder: lossless\n"
        "                     and lossy when registered); 'none' for none\n"
        "  --against LIST     standard codecs through their tools: jpeg, webp (lossy and "
        "webp-ll),\n"
        "                     avif, jxl (lossy and jxl-e7), j2k (lossy and j2k-ll), png, qoi,\n"
        "                     jpegls, ffv1; on request avif-ll, jxl-e3, jxl-e9; 'all';\n"
        "                     webp-lossy, jxl-lossy, j2k-lossy: a family's lossy codec only\n"
        "  --ladder           run imz codecs at a ladder of settings: quality 10..95 for codecs\n"
        "                     with a quality option, efforts min/default/max for lossless ones\n"
        "                     (implied by --against and --out)\n"
        "  --settings SPEC    override a ladder: NAME=V1,V2 for a standard codec (jpeg=50,90),\n"
        "                     NAME:OPTION=V1,V2 for an imz codec (lossy:quality=20,60); "
        "repeatable\n"
        "  --ref NAME         reference of the BD-rates (default jpeg, else the first lossy "
        "codec)\n"
        "  --out DIR          write results.csv, results.json, summary.csv, summary.md, plots and\n"
        "                     image crops for `imz report` into DIR (created)\n"
        "  --crops N          images whose decoded crops are kept in --out (default 4)\n"
        "  --helpers DIRS     ':'-separated directories searched first for the tools\n"
        "                     (default $IMZ_BENCH_HELPERS, then bench-tools next to imz)\n"
        "  --repeat R         runs per measurement, median taken (default 3)\n"
        "  --csv              print CSV rows instead of tables\n"
        "  -j N               images and codecs measured in parallel (default 1)\n"
        "  --max-pixels N     refuse images with more than N pixels\n"
        "  -q, --quiet        no headings and no progress\n"
        "  -h, --help         show this help\n"
        "Standard codecs need 8-bit RGB input and their Debian packages (bench/deps.sh); a "
        "missing\n"
        "tool is skipped with a note.\n");
}

/* ---- What is measured -------------------------------------------------------------------- */

typedef struct Entry {
    char codec[32];   /* imz codec or standard codec name */
    char label[40];   /* name in results: "imz-lossy", "jpeg" */
    char setting[64]; /* "quality=50", "q=50", "default" */
    char opt[32];     /* imz option set, "" for defaults */
    char value[24];
    int lossless;
    const ImzBenchExternal *ext;
    char enc_prog[PATH_MAX], dec_prog[PATH_MAX];
    char missing[160]; /* why the codec cannot run here, "" if it can */
} Entry;

typedef struct Image {
    const char *path;
    char name[96];
    uint32_t width, height;
    int channels, depth;
    int is_png;
    int crop; /* decoded crops kept */
    uint32_t cx, cy, cw, chh;
} Image;

enum { ST_OK = 0, ST_SKIP = 1, ST_FAIL = 2 };

/* A worker's answer, written to the shared pipe in one piece (smaller than PIPE_BUF). */
typedef struct Result {
    int job;
    int status;
    int exact;
    int have;
    uint64_t bytes;
    double psnr, psnr_y, ssim, msssim;
    double enc_ms, dec_ms;
    long enc_kb, dec_kb;
    char note[300];
} Result;

typedef struct Bench {
    Entry *entries;
    int n_entries;
    Image *images;
    int n_images;
    int repeat;
    int jobs;
    int quiet;
    const char *out_dir;
    char work[PATH_MAX / 2];
    uint64_t max_pixels;
    Result *results; /* n_images x n_entries, image-major */
} Bench;

/* ---- Small helpers ------------------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int write_all_fd(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all_fd(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fclose(f) != 0;
    return bad ? -1 : 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && !strcasecmp(s + n - m, suf);
}

static ImzContext *new_context(uint64_t max_pixels)
{
    ImzContext *ctx = NULL;
    if (imz_context_create(&ctx, NULL) != IMZ_OK)
        return NULL;
    imz_set_threads(ctx, 1);
    if (max_pixels)
        imz_set_max_pixels(ctx, max_pixels);
    return ctx;
}

/* ---- One measurement, inside a worker ---------------------------------------------------- */

/* What an encoder or decoder process of an imz codec reports back. */
typedef struct ChildMsg {
    int status;
    char msg[240];
    double t[MAX_REPEAT];
} ChildMsg;

static void child_encode(const Bench *b, const Entry *e, const Image *im, const char *enc_path,
                         ChildMsg *m)
{
    ImzContext *ctx = new_context(b->max_pixels);
    ImzLoaded src;
    if (!ctx || imz_cli_load_image(ctx, im->path, &src)) {
        m->status = ST_FAIL;
        snprintf(m->msg, sizeof m->msg, "cannot load the image");
        return;
    }
    ImzOption opt = {e->opt, e->value};
    uint8_t *buf = NULL;
    size_t len = 0;
    for (int r = 0; r < b->repeat; r++) {
        imz_free(ctx, buf);
        buf = NULL;
        double t0 = imz_cli_now_ms();
        int st = imz_encode(ctx, &src.img, e->codec, &opt, e->opt[0] ? 1 : 0, &buf, &len);
        m->t[r] = imz_cli_now_ms() - t0;
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            m->status = st == IMZ_ERR_INVALID_ARG || st == IMZ_ERR_UNSUPPORTED ? ST_SKIP : ST_FAIL;
            snprintf(m->msg, sizeof m->msg, "%s%s",
                     m->status == ST_SKIP ? "skipped: " : "encode failed: ",
                     *why ? why : imz_strerror(st));
            return;
        }
    }
    if (write_file(enc_path, buf, len)) {
        m->status = ST_FAIL;
        snprintf(m->msg, sizeof m->msg, "cannot write %s", enc_path);
    }
}

static void child_decode(const Bench *b, const char *enc_path, const char *dec_path, ChildMsg *m)
{
    ImzContext *ctx = new_context(b->max_pixels);
    uint8_t *data = NULL;
    size_t len = 0;
    if (!ctx || imz_cli_read_file(enc_path, &data, &len)) {
        m->status = ST_FAIL;
        snprintf(m->msg, sizeof m->msg, "cannot read the encoded file");
        return;
    }
    ImzImage out;
    memset(&out, 0, sizeof out);
    for (int r = 0; r < b->repeat; r++) {
        imz_image_free(ctx, &out);
        double t0 = imz_cli_now_ms();
        int st = imz_decode(ctx, data, len, &out);
        m->t[r] = imz_cli_now_ms() - t0;
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            m->status = ST_FAIL;
            snprintf(m->msg, sizeof m->msg, "decoding its own output failed: %s",
                     *why ? why : imz_strerror(st));
            return;
        }
    }
    uint8_t *pam = NULL;
    size_t pam_len = 0;
    char err[200];
    if (imz_write_image(&out, IMZ_FMT_PAM, &pam, &pam_len, err, sizeof err) != IMZ_OK ||
        write_file(dec_path, pam, pam_len)) {
        m->status = ST_FAIL;
        snprintf(m->msg, sizeof m->msg, "cannot write the decoded image");
    }
    free(pam);
}

/* Runs child_encode or child_decode in a process of its own; its peak memory is theirs alone. */
static int run_imz_side(const Bench *b, const Entry *e, const Image *im, int decode,
                        const char *enc_path, const char *dec_path, double *ms, long *kb,
                        char *note, size_t note_len)
{
    int fds[2];
    if (pipe(fds))
        return snprintf(note, note_len, "pipe failed"), ST_FAIL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return snprintf(note, note_len, "fork failed"), ST_FAIL;
    }
    if (pid == 0) {
        close(fds[0]);
        ChildMsg m;
        memset(&m, 0, sizeof m);
        if (decode)
            child_decode(b, enc_path, dec_path, &m);
        else
            child_encode(b, e, im, enc_path, &m);
        int bad = write_all_fd(fds[1], &m, sizeof m);
        _exit(bad ? 1 : 0);
    }
    close(fds[1]);
    ChildMsg m;
    int got = read_all_fd(fds[0], &m, sizeof m) == 0;
    close(fds[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    if (!got) {
        snprintf(note, note_len, "%s process died (status %d)", decode ? "decoder" : "encoder",
                 WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
        return ST_FAIL;
    }
    if (m.status != ST_OK) {
        snprintf(note, note_len, "%s", m.msg);
        return m.status;
    }
    *ms = median(m.t, b->repeat);
    *kb = ru.ru_maxrss;
    return ST_OK;
}

/* Fills argv from a template; the strings live in `store`. */
static void expand_argv(const char *const *tmpl, const char *prog, const char *const subst[5][2],
                        char *argv_out[64], char store[64][PATH_MAX])
{
    int n = 0;
    for (; tmpl[n] && n < 63; n++) {
        const char *t = n == 0 ? prog : tmpl[n];
        const char *rep = NULL;
        for (int k = 0; k < 5 && n > 0; k++)
            if (!strcmp(t, subst[k][0]))
                rep = subst[k][1];
        snprintf(store[n], PATH_MAX, "%s", rep ? rep : t);
        argv_out[n] = store[n];
    }
    argv_out[n] = NULL;
}

/* Times `repeat` runs of a tool (fresh output each time); the median wall time and peak memory. */
static int run_tool(const Bench *b, const char *const *tmpl, const char *prog,
                    const char *const subst[5][2], const char *out_path, double *ms, long *kb,
                    char *note, size_t note_len)
{
    static char store[64][PATH_MAX];
    char *argv[64];
    double t[MAX_REPEAT];
    expand_argv(tmpl, prog, subst, argv, store);
    *kb = 0;
    for (int r = 0; r < b->repeat; r++) {
        unlink(out_path); /* optipng refuses to overwrite */
        ImzBenchRun run;
        if (imz_bench_spawn(argv, &run) || run.status != 0) {
            snprintf(note, note_len, "%s failed (exit status %d)", tmpl[0], run.status);
            return ST_FAIL;
        }
        t[r] = run.wall_ms;
        if (run.max_rss_kb > *kb)
            *kb = run.max_rss_kb;
    }
    *ms = median(t, b->repeat);
    return ST_OK;
}

/* Reads a tool's decoded output back as an image of the source's shape. */
static int load_decoded(ImzContext *ctx, const Entry *e, const Image *im, const char *path,
                        ImzImage *out, char *note, size_t note_len)
{
    memset(out, 0, sizeof *out);
    if (e->ext && e->ext->output == IMZ_BENCH_OUT_RAW8) {
        uint8_t *data = NULL;
        size_t len = 0;
        if (imz_cli_read_file(path, &data, &len))
            return snprintf(note, note_len, "no decoded output"), ST_FAIL;
        size_t want = (size_t)im->width * im->height * (size_t)im->channels;
        if (len != want || imz_image_alloc(ctx, out, im->width, im->height, im->channels, 8)) {
            imz_cli_free(data);
            return snprintf(note, note_len, "decoded output has %zu bytes, not %zu", len, want),
                   ST_FAIL;
        }
        for (size_t i = 0; i < want; i++)
            out->data[i] = data[i];
        imz_cli_free(data);
        return ST_OK;
    }
    ImzLoaded l;
    if (imz_cli_load_image(ctx, path, &l))
        return snprintf(note, note_len, "cannot read the decoded output"), ST_FAIL;
    *out = l.img;
    return ST_OK;
}

static void crop_path(const Bench *b, int img, int ent, char *out, size_t len)
{
    if (ent < 0)
        snprintf(out, len, "%s/crops/i%02d_original.png", b->out_dir, img);
    else
        snprintf(out, len, "%s/crops/i%02d_e%03d.png", b->out_dir, img, ent);
}

static void save_crop(const Image *im, const ImzImage *img, const char *path)
{
    ImzImage c;
    c.width = im->cw;
    c.height = im->chh;
    c.channels = img->channels;
    c.bit_depth = img->bit_depth;
    c.data = malloc((size_t)im->cw * im->chh * img->channels * sizeof *c.data);
    if (!c.data)
        return;
    for (uint32_t y = 0; y < im->chh; y++)
        memcpy(c.data + (size_t)y * im->cw * img->channels,
               img->data + ((size_t)(im->cy + y) * img->width + im->cx) * img->channels,
               (size_t)im->cw * img->channels * sizeof *c.data);
    uint8_t *png = NULL;
    size_t len = 0;
    char err[160];
    if (imz_write_image(&c, IMZ_FMT_PNG, &png, &len, err, sizeof err) == IMZ_OK)
        write_file(path, png, len);
    free(png);
    free(c.data);
}

static void run_job(const Bench *b, int job, Result *r)
{
    const int ii = job / b->n_entries, ei = job % b->n_entries;
    const Image *im = &b->images[ii];
    const Entry *e = &b->entries[ei];
    memset(r, 0, sizeof *r);
    r->job = job;
    if (e->missing[0]) {
        r->status = ST_SKIP;
        snprintf(r->note, sizeof r->note, "%s", e->missing);
        return;
    }
    if (e->ext && (im->channels != 3 || im->depth != 8)) {
        r->status = ST_SKIP;
        snprintf(r->note, sizeof r->note, "skipped: %s takes 8-bit RGB here, not %d-channel %d-bit",
                 e->label, im->channels, im->depth);
        return;
    }
    char base[PATH_MAX / 2 + 32], in_png[PATH_MAX], in_ppm[PATH_MAX], enc[PATH_MAX], dec[PATH_MAX];
    snprintf(base, sizeof base, "%s/j%d", b->work, job);
    snprintf(in_png, sizeof in_png, "%s.src.png", base);
    snprintf(in_ppm, sizeof in_ppm, "%s.src.ppm", base);
    snprintf(enc, sizeof enc, "%s.enc%s", base, e->ext ? e->ext->enc_ext : ".imz");
    snprintf(dec, sizeof dec, "%s.dec%s", base,
             e->ext && e->ext->dec_ext ? e->ext->dec_ext : ".pam");

    ImzContext *ctx = new_context(b->max_pixels);
    ImzLoaded src;
    if (!ctx || imz_cli_load_image(ctx, im->path, &src)) {
        r->status = ST_FAIL;
        snprintf(r->note, sizeof r->note, "cannot load the image");
        return;
    }
    int st;
    if (!e->ext) {
        st = run_imz_side(b, e, im, 0, enc, dec, &r->enc_ms, &r->enc_kb, r->note, sizeof r->note);
        if (st == ST_OK)
            st = run_imz_side(b, e, im, 1, enc, dec, &r->dec_ms, &r->dec_kb, r->note,
                              sizeof r->note);
    } else {
        /* The tools read the original PNG when there is one, as the anchors did. */
        const char *png = im->is_png ? im->path : in_png;
        char err[200];
        uint8_t *data = NULL;
        size_t len = 0;
        st = ST_OK;
        if (!im->is_png) {
            if (imz_write_image(&src.img, IMZ_FMT_PNG, &data, &len, err, sizeof err) != IMZ_OK ||
                write_file(in_png, data, len))
                st = ST_FAIL;
            free(data);
            data = NULL;
        }
        if (st == ST_OK &&
            (imz_write_image(&src.img, IMZ_FMT_PNM, &data, &len, err, sizeof err) != IMZ_OK ||
             write_file(in_ppm, data, len)))
            st = ST_FAIL;
        free(data);
        if (st != ST_OK)
            snprintf(r->note, sizeof r->note, "cannot write the tool's input");
        const char *const subst[5][2] = {
            {"{in}", png}, {"{ppm}", in_ppm}, {"{enc}", enc}, {"{dec}", dec}, {"{v}", e->value}};
        if (st == ST_OK)
            st = run_tool(b, e->ext->enc_argv, e->enc_prog, subst, enc, &r->enc_ms, &r->enc_kb,
                          r->note, sizeof r->note);
        if (st == ST_OK && e->ext->output == IMZ_BENCH_OUT_SELF) {
            /* The encoded file is a PNG: decoding it is libpng's work, timed in a process. */
            double t[MAX_REPEAT];
            for (int k = 0; k < b->repeat && st == ST_OK; k++) {
                double t0 = imz_cli_now_ms();
                pid_t pid = fork();
                if (pid == 0) {
                    ImzContext *c2 = new_context(b->max_pixels);
                    ImzLoaded l;
                    _exit(c2 && imz_cli_load_image(c2, enc, &l) == 0 ? 0 : 1);
                }
                int ws = 0;
                struct rusage ru;
                memset(&ru, 0, sizeof ru);
                if (pid < 0 || wait4(pid, &ws, 0, &ru) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws)) {
                    st = ST_FAIL;
                    snprintf(r->note, sizeof r->note, "cannot decode the PNG");
                }
                t[k] = imz_cli_now_ms() - t0;
                if (ru.ru_maxrss > r->dec_kb)
                    r->dec_kb = ru.ru_maxrss;
            }
            if (st == ST_OK)
                r->dec_ms = median(t, b->repeat);
            snprintf(dec, sizeof dec, "%s", enc);
        } else if (st == ST_OK) {
            st = run_tool(b, e->ext->dec_argv, e->dec_prog, subst, dec, &r->dec_ms, &r->dec_kb,
                          r->note, sizeof r->note);
        }
    }
    long sz = file_size(enc);
    r->bytes = sz > 0 ? (uint64_t)sz : 0;

    ImzImage out;
    memset(&out, 0, sizeof out);
    if (st == ST_OK)
        st = load_decoded(ctx, e, im, dec, &out, r->note, sizeof r->note);
    if (st == ST_OK) {
        if (out.width != src.img.width || out.height != src.img.height ||
            out.channels != src.img.channels) {
            st = ST_FAIL;
            snprintf(r->note, sizeof r->note, "decoded shape %ux%ux%d differs from %ux%ux%d",
                     out.width, out.height, out.channels, src.img.width, src.img.height,
                     src.img.channels);
        } else {
            ImzMetrics m;
            if (imz_compare(ctx, &src.img, &out, &m) != IMZ_OK) {
                st = ST_FAIL;
                snprintf(r->note, sizeof r->note, "compare failed: %s", imz_last_error(ctx));
            } else {
                r->have = 1;
                r->psnr = m.psnr_all;
                r->psnr_y = m.psnr_y;
                r->ssim = m.ssim;
                r->exact = m.mse_all == 0.0 && out.bit_depth == src.img.bit_depth;
                if (r->exact)
                    r->msssim = 1.0;
                else if (imz_bench_msssim(&src.img, &out, &r->msssim) != IMZ_OK)
                    r->msssim = NAN;
                if (e->lossless && !r->exact) {
                    st = ST_FAIL;
                    snprintf(
                        r->note, sizeof r->note,
                        "%s is lossless but the decoded image differs (MSE %g, depth %d vs %d)",
                        e->label, m.mse_all, out.bit_depth, src.img.bit_depth);
                }
                if (im->crop && !e->lossless && b->out_dir) {
                    char cp[PATH_MAX];
                    crop_path(b, ii, ei, cp, sizeof cp);
                    save_crop(im, &out, cp);
                }
            }
        }
    }
    r->status = st;
    imz_image_free(ctx, &out);
    imz_image_free(ctx, &src.img);
    imz_context_destroy(ctx);
    unlink(in_png);
    unlink(in_ppm);
    unlink(enc);
    unlink(dec);
}

/* ---- Scheduling ----------------------------------------------------------------------------- */

static void format_duration(double s, char *buf, size_t len)
{
    if (s < 0 || !isfinite(s))
        snprintf(buf, len, "?");
    else if (s < 60)
        snprintf(buf, len, "%.0fs", s);
    else if (s < 3600)
        snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, len, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

static void progress(const Bench *b, int done, int total, double t0, const Result *r, int tty,
                     int study)
{
    if (b->quiet || !study)
        return;
    double el = (imz_cli_now_ms() - t0) / 1000.0;
    char eta[32];
    format_duration(done ? el / done * (total - done) : -1, eta, sizeof eta);
    const Entry *e = &b->entries[r->job % b->n_entries];
    const Image *im = &b->images[r->job / b->n_entries];
    if (tty) {
        int width = 30, fill = total ? done * width / total : width;
        char bar[64];
        for (int i = 0; i < width; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %d/%d ETA %-7s %-12.12s %-10.10s %-12.12s", bar, done, total, eta,
                im->name, e->label, e->setting);
        if (done == total)
            fprintf(stderr, "\n");
    } else {
        fprintf(stderr, "[%d/%d] %s %s %s: %s", done, total, im->name, e->label, e->setting,
                r->status == ST_OK     ? ""
                : r->status == ST_SKIP ? "skipped"
                                       : "FAILED");
        if (r->status == ST_OK && r->exact)
            fprintf(stderr, "%.4f bpp, bit-exact",
                    r->bytes * 8.0 / ((double)im->width * im->height));
        else if (r->status == ST_OK)
            fprintf(stderr, "%.4f bpp, %.2f dB", r->bytes * 8.0 / ((double)im->width * im->height),
                    r->psnr);
        fprintf(stderr, " (ETA %s)\n", eta);
    }
}

static int run_all(Bench *b, int study)
{
    const int total = b->n_images * b->n_entries;
    int fds[2];
    if (pipe(fds))
        return imz_cli_error(NULL, "pipe: %s", strerror(errno));
    pid_t *pids = calloc((size_t)b->jobs, sizeof *pids);
    int *pjob = calloc((size_t)b->jobs, sizeof *pjob);
    char *got = calloc((size_t)total ? (size_t)total : 1, 1);
    if (!pids || !pjob || !got) {
        free(pids);
        free(pjob);
        free(got);
        close(fds[0]);
        close(fds[1]);
        return imz_cli_error(NULL, "out of memory");
    }
    const int tty = isatty(2);
    const double t0 = imz_cli_now_ms();
    int next = 0, running = 0, done = 0;
    while (done < total) {
        while (running < b->jobs && next < total) {
            int slot = 0;
            while (pids[slot])
                slot++;
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                close(fds[0]);
                Result r;
                run_job(b, next, &r);
                _exit(write_all_fd(fds[1], &r, sizeof r) ? 1 : 0);
            }
            if (pid < 0) {
                Result *r = &b->results[next];
                memset(r, 0, sizeof *r);
                r->job = next;
                r->status = ST_FAIL;
                snprintf(r->note, sizeof r->note, "fork failed: %s", strerror(errno));
                got[next] = 1;
                done++;
                next++;
                continue;
            }
            pids[slot] = pid;
            pjob[slot] = next++;
            running++;
        }
        struct pollfd p = {fds[0], POLLIN, 0};
        if (poll(&p, 1, 200) > 0 && (p.revents & POLLIN)) {
            Result r;
            if (read_all_fd(fds[0], &r, sizeof r) == 0 && r.job >= 0 && r.job < total &&
                !got[r.job]) {
                b->results[r.job] = r;
                got[r.job] = 1;
                done++;
                progress(b, done, total, t0, &r, tty, study);
            }
            continue; /* drain results before reaping, so a reaped job's answer is in */
        }
        int ws;
        pid_t pid;
        while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
            for (int s = 0; s < b->jobs; s++) {
                if (pids[s] != pid)
                    continue;
                pids[s] = 0;
                running--;
                int j = pjob[s];
                if (!got[j]) {
                    Result *r = &b->results[j];
                    memset(r, 0, sizeof *r);
                    r->job = j;
                    r->status = ST_FAIL;
                    snprintf(r->note, sizeof r->note, "worker died (%s %d)",
                             WIFSIGNALED(ws) ? "signal" : "exit status",
                             WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
                    got[j] = 1;
                    done++;
                    progress(b, done, total, t0, r, tty, study);
                }
            }
        }
    }
    while (running > 0 && waitpid(-1, NULL, 0) > 0)
        running--;
    close(fds[0]);
    close(fds[1]);
    free(pids);
    free(pjob);
    free(got);
    return IMZ_EXIT_OK;
}

/* ---- Building the list ------------------------------------------------------------------- */

typedef struct Setting {
    char name[40]; /* codec name */
    char opt[32];  /* imz option, "" for a standard codec */
    char values[MAX_VALUES][24];
    int n;
} Setting;

static int parse_setting(const char *spec, Setting *s)
{
    memset(s, 0, sizeof *s);
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec)
        return -1;
    const char *colon = memchr(spec, ':', (size_t)(eq - spec));
    size_t nl = (size_t)((colon ? colon : eq) - spec);
    if (nl >= sizeof s->name)
        return -1;
    memcpy(s->name, spec, nl);
    if (colon) {
        size_t ol = (size_t)(eq - colon - 1);
        if (!ol || ol >= sizeof s->opt)
            return -1;
        memcpy(s->opt, colon + 1, ol);
    }
    const char *p = eq + 1;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        double v;
        if (!n || n >= sizeof s->values[0] || s->n == MAX_VALUES)
            return -1;
        memcpy(s->values[s->n], p, n);
        s->values[s->n][n] = '\0';
        if (!imz_cli_parse_double(s->values[s->n], &v))
            return -1;
        s->n++;
        p = end ? end + 1 : p + n;
    }
    return s->n ? 0 : -1;
}

static const Setting *find_setting(const Setting *s, int n, const char *name, int imz)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(s[i].name, name) && (s[i].opt[0] != 0) == imz)
            return &s[i];
    return NULL;
}

static Entry *add_entry(Entry **list, int *n, int *cap)
{
    if (*n == *cap) {
        int nc = *cap ? *cap * 2 : 32;
        Entry *g = realloc(*list, (size_t)nc * sizeof *g);
        if (!g)
            return NULL;
        *list = g;
        *cap = nc;
    }
    Entry *e = &(*list)[(*n)++];
    memset(e, 0, sizeof *e);
    return e;
}

static void format_value(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) < 1e9)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
}

/* imz codec entries: defaults, a ladder, or the values given with --settings. */
static int add_imz_codec(const ImzCodecInfo *ci, int ladder, const Setting *set, int n_set,
                         Entry **list, int *n, int *cap)
{
    char values[MAX_VALUES][24];
    int nv = 0;
    const char *opt = "";
    const Setting *s = find_setting(set, n_set, ci->name, 1);
    const ImzOptionInfo *q = NULL, *eff = NULL;
    for (int i = 0; i < ci->n_options; i++) {
        if (!strcmp(ci->options[i].name, "quality"))
            q = &ci->options[i];
        if (!strcmp(ci->options[i].name, "effort"))
            eff = &ci->options[i];
    }
    if (s) {
        opt = s->opt;
        for (int i = 0; i < s->n; i++)
            snprintf(values[nv++], sizeof values[0], "%s", s->values[i]);
        ImzOption o = {opt, values[0]};
        int rc = imz_cli_check_codec_options("bench", ci, &o, 1);
        if (rc)
            return rc;
    } else if (ladder && q && !ci->lossless) {
        opt = "quality";
        for (size_t i = 0; i < sizeof quality_ladder / sizeof quality_ladder[0]; i++) {
            double v = atof(quality_ladder[i]);
            if (v >= q->min && v <= q->max)
                snprintf(values[nv++], sizeof values[0], "%s", quality_ladder[i]);
        }
    } else if (ladder && eff && ci->lossless) {
        opt = "effort";
        double v3[3] = {eff->min, eff->def, eff->max};
        for (int i = 0; i < 3; i++)
            if (i == 0 || v3[i] != v3[i - 1])
                format_value(v3[i], values[nv++], sizeof values[0]);
    }
    if (!nv) {
        Entry *e = add_entry(list, n, cap);
        if (!e)
            return imz_cli_error(NULL, "out of memory");
        snprintf(e->codec, sizeof e->codec, "%s", ci->name);
        snprintf(e->label, sizeof e->label, "imz-%s", ci->name);
        snprintf(e->setting, sizeof e->setting, "default");
        e->lossless = ci->lossless;
        return 0;
    }
    for (int i = 0; i < nv; i++) {
        Entry *e = add_entry(list, n, cap);
        if (!e)
            return imz_cli_error(NULL, "out of memory");
        snprintf(e->codec, sizeof e->codec, "%s", ci->name);
        snprintf(e->label, sizeof e->label, "imz-%s", ci->name);
        snprintf(e->opt, sizeof e->opt, "%s", opt);
        memcpy(e->value, values[i], sizeof e->value);
        snprintf(e->setting, sizeof e->setting, "%.31s=%.23s", opt, values[i]);
        e->lossless = ci->lossless;
    }
    return 0;
}

static int add_external(const ImzBenchExternal *x, const Setting *set, int n_set,
                        const char *helpers, Entry **list, int *n, int *cap)
{
    char values[MAX_VALUES][24];
    int nv = 0;
    const Setting *s = find_setting(set, n_set, x->name, 0);
    if (s && !x->param)
        return imz_cli_usage_error("bench", "%s has no settings to vary", x->name);
    if (s) {
        for (int i = 0; i < s->n; i++)
            snprintf(values[nv++], sizeof values[0], "%s", s->values[i]);
    } else if (x->ladder) {
        const char *p = x->ladder;
        while (*p && nv < MAX_VALUES) {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            snprintf(values[nv++], sizeof values[0], "%.*s", (int)len, p);
            p = end ? end + 1 : p + len;
        }
    }
    char enc_prog[PATH_MAX] = "", dec_prog[PATH_MAX] = "", missing[160] = "";
    if (!imz_bench_find_program(x->enc_argv[0], helpers, enc_prog, sizeof enc_prog))
        snprintf(missing, sizeof missing, "skipped: %s not found (install %s)", x->enc_argv[0],
                 x->package);
    else if (x->dec_argv &&
             !imz_bench_find_program(x->dec_argv[0], helpers, dec_prog, sizeof dec_prog))
        snprintf(missing, sizeof missing, "skipped: %s not found (install %s)", x->dec_argv[0],
                 x->package);
    for (int i = 0; i < (nv ? nv : 1); i++) {
        Entry *e = add_entry(list, n, cap);
        if (!e)
            return imz_cli_error(NULL, "out of memory");
        snprintf(e->codec, sizeof e->codec, "%s", x->name);
        snprintf(e->label, sizeof e->label, "%s", x->name);
        e->ext = x;
        e->lossless = x->lossless;
        if (nv) {
            memcpy(e->value, values[i], sizeof e->value);
            snprintf(e->setting, sizeof e->setting, "%.31s=%.23s", x->param, values[i]);
        } else {
            snprintf(e->setting, sizeof e->setting, "default");
        }
        memcpy(e->enc_prog, enc_prog, sizeof enc_prog);
        memcpy(e->dec_prog, dec_prog, sizeof dec_prog);
        memcpy(e->missing, missing, sizeof missing);
    }
    return 0;
}

static int split_next(const char **p, char *out, size_t len)
{
    while (**p == ',')
        (*p)++;
    if (!**p)
        return 0;
    const char *end = strchr(*p, ',');
    size_t n = end ? (size_t)(end - *p) : strlen(*p);
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), *p);
    *p += n;
    return 1;
}

static int build_entries(const char *codecs, const char *against, int ladder, const Setting *set,
                         int n_set, const char *helpers, Entry **list, int *n)
{
    int cap = 0, rc = 0;
    char name[64];
    if (!codecs && ladder) {
        /* The two flagship codecs when they exist, else every codec. */
        int have = 0;
        for (const char *const *c = (const char *const[]){"lossless", "lossy", NULL}; *c; c++) {
            ImzCodecInfo ci;
            int idx = imz_codec_find(*c);
            if (idx >= 0 && imz_codec_info(idx, &ci) == IMZ_OK) {
                have = 1;
                if ((rc = add_imz_codec(&ci, ladder, set, n_set, list, n, &cap)))
                    return rc;
            }
        }
        if (have)
            codecs = "none";
    }
    if (!codecs) {
        for (int i = 0; i < imz_codec_count(); i++) {
            ImzCodecInfo ci;
            if (imz_codec_info(i, &ci) == IMZ_OK &&
                (rc = add_imz_codec(&ci, ladder, set, n_set, list, n, &cap)))
                return rc;
        }
    } else if (strcmp(codecs, "none")) {
        const char *p = codecs;
        int any = 0;
        while (split_next(&p, name, sizeof name)) {
            ImzCodecInfo ci;
            if (imz_cli_find_codec("bench", name, &ci) < 0)
                return IMZ_EXIT_USAGE;
            for (int i = 0; i < *n; i++)
                if (!strcmp((*list)[i].codec, ci.name) && !(*list)[i].ext)
                    return imz_cli_usage_error("bench", "codec list '%s' repeats %s", codecs,
                                               ci.name);
            if ((rc = add_imz_codec(&ci, ladder, set, n_set, list, n, &cap)))
                return rc;
            any = 1;
        }
        if (!any)
            return imz_cli_usage_error("bench", "empty codec list");
    }
    if (against) {
        int nx;
        const ImzBenchExternal *xs = imz_bench_externals(&nx);
        const char *p = against;
        while (split_next(&p, name, sizeof name)) {
            int matched = 0;
            for (int i = 0; i < nx; i++) {
                size_t fl = strlen(xs[i].family);
                int lossy_of_family = !xs[i].lossless && !strncmp(name, xs[i].family, fl) &&
                                      !strcmp(name + fl, "-lossy");
                int pick =
                    !strcmp(name, xs[i].name) || lossy_of_family ||
                    (!xs[i].on_request && (!strcmp(name, xs[i].family) || !strcmp(name, "all")));
                int dup = 0;
                for (int k = 0; k < *n && pick; k++)
                    dup |= (*list)[k].ext == &xs[i];
                if (pick && !dup && (rc = add_external(&xs[i], set, n_set, helpers, list, n, &cap)))
                    return rc;
                matched |= pick;
            }
            if (!matched) {
                char names[400];
                size_t off = 0;
                for (int i = 0; i < nx; i++)
                    off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                                            xs[i].name);
                return imz_cli_usage_error("bench", "unknown codec '%s' in --against (known: %s)",
                                           name, names);
            }
        }
    }
    for (int i = 0; i < n_set; i++) {
        int used = 0;
        for (int k = 0; k < *n; k++)
            used |= !strcmp((*list)[k].codec, set[i].name) &&
                    (set[i].opt[0] != 0) == ((*list)[k].ext == NULL);
        if (!used)
            return imz_cli_usage_error("bench", "--settings names %s, which is not benchmarked",
                                       set[i].name);
    }
    if (!*n)
        return imz_cli_usage_error("bench", "no codecs to run");
    return 0;
}

/* ---- Inputs --------------------------------------------------------------------------------- */

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds a file, or a directory's PNG files in name order. */
static int add_input(const char *path, char ***files, int *n, int *cap)
{
    struct stat st;
    char **list = NULL;
    int nl = 0;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return imz_cli_error(path, "%s", strerror(errno));
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".png"))
                continue;
            char **g = realloc(list, (size_t)(nl + 1) * sizeof *g);
            size_t len = strlen(path) + strlen(de->d_name) + 2;
            char *s = malloc(len);
            if (!g || !s) {
                free(s);
                closedir(d);
                return imz_cli_error(NULL, "out of memory");
            }
            list = g;
            snprintf(s, len, "%s/%s", path, de->d_name);
            list[nl++] = s;
        }
        closedir(d);
        if (!nl)
            return imz_cli_error(path, "no PNG files in this directory");
        qsort(list, (size_t)nl, sizeof *list, name_cmp);
    } else {
        list = malloc(sizeof *list);
        if (!list || !(list[0] = strdup(path))) {
            free(list);
            return imz_cli_error(NULL, "out of memory");
        }
        nl = 1;
    }
    for (int i = 0; i < nl; i++) {
        if (*n == *cap) {
            int nc = *cap ? *cap * 2 : 32;
            char **g = realloc(*files, (size_t)nc * sizeof *g);
            if (!g)
                return imz_cli_error(NULL, "out of memory");
            *files = g;
            *cap = nc;
        }
        (*files)[(*n)++] = list[i];
    }
    free(list);
    return 0;
}

/* The most detailed CROP_SIZE square on a coarse grid (largest luma variance), for the report. */
static void choose_crop(const ImzImage *img, Image *im)
{
    im->cw = img->width < CROP_SIZE ? img->width : CROP_SIZE;
    im->chh = img->height < CROP_SIZE ? img->height : CROP_SIZE;
    im->cx = (img->width - im->cw) / 2;
    im->cy = (img->height - im->chh) / 2;
    double best = -1;
    const uint32_t step = 32;
    for (uint32_t y = 0; y + im->chh <= img->height; y += step)
        for (uint32_t x = 0; x + im->cw <= img->width; x += step) {
            double s = 0, s2 = 0;
            size_t cnt = 0;
            for (uint32_t yy = y; yy < y + im->chh; yy += 2)
                for (uint32_t xx = x; xx < x + im->cw; xx += 2) {
                    double v = img->data[((size_t)yy * img->width + xx) * img->channels];
                    s += v;
                    s2 += v * v;
                    cnt++;
                }
            double var = s2 / cnt - (s / cnt) * (s / cnt);
            if (var > best) {
                best = var;
                im->cx = x;
                im->cy = y;
            }
        }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ---- Summaries ---------------------------------------------------------------------------- */

typedef struct Summary {
    int n;         /* images measured */
    int all_exact; /* every image bit-exact */
    double bytes, pixels, raw;
    double bpp, psnr, psnr_y, ssim, msssim; /* means over images */
    double enc_ms, dec_ms;                  /* sums of medians */
    long peak_kb;
} Summary;

static void summarise(const Bench *b, int ei, Summary *s)
{
    memset(s, 0, sizeof *s);
    s->all_exact = 1;
    for (int ii = 0; ii < b->n_images; ii++) {
        const Result *r = &b->results[ii * b->n_entries + ei];
        const Image *im = &b->images[ii];
        if (r->status != ST_OK)
            continue;
        double px = (double)im->width * im->height;
        s->n++;
        s->bytes += (double)r->bytes;
        s->pixels += px;
        s->raw += px * im->channels * (im->depth > 8 ? 2 : 1);
        s->bpp += r->bytes * 8.0 / px;
        s->psnr += r->psnr;
        s->psnr_y += r->psnr_y;
        s->ssim += r->ssim;
        s->msssim += r->msssim;
        s->enc_ms += r->enc_ms;
        s->dec_ms += r->dec_ms;
        s->all_exact &= r->exact;
        if (r->enc_kb > s->peak_kb)
            s->peak_kb = r->enc_kb;
        if (r->dec_kb > s->peak_kb)
            s->peak_kb = r->dec_kb;
    }
    if (s->n) {
        s->bpp /= s->n;
        s->psnr /= s->n;
        s->psnr_y /= s->n;
        s->ssim /= s->n;
        s->msssim /= s->n;
    }
}

static double mbps(double raw, double ms)
{
    return ms > 0 ? raw / 1e6 / (ms / 1000.0) : NAN;
}

/* SSIM on a decibel scale, so that curves near 1 spread out for fitting and plotting. */
static double ssim_db(double s)
{
    return s < 1 ? -10 * log10(1 - s) : INFINITY;
}

/* One rate-distortion curve per lossy codec label, from its entries in order. */
typedef struct Curve {
    const char *label;
    int n;
    double bpp[MAX_VALUES], psnr[MAX_VALUES], ssim[MAX_VALUES], msssim[MAX_VALUES];
} Curve;

static int collect_curves(const Bench *b, const Summary *sum, Curve *curves)
{
    int nc = 0;
    for (int e = 0; e < b->n_entries; e++) {
        const Entry *en = &b->entries[e];
        if (en->lossless || !sum[e].n || sum[e].all_exact)
            continue;
        int c = 0;
        while (c < nc && strcmp(curves[c].label, en->label))
            c++;
        if (c == nc) {
            memset(&curves[nc], 0, sizeof curves[nc]);
            curves[nc++].label = en->label;
        }
        Curve *cv = &curves[c];
        if (cv->n < MAX_VALUES) {
            cv->bpp[cv->n] = sum[e].bpp;
            cv->psnr[cv->n] = sum[e].psnr;
            cv->ssim[cv->n] = ssim_db(sum[e].ssim);
            cv->msssim[cv->n] = sum[e].msssim;
            cv->n++;
        }
    }
    return nc;
}

static void json_num(FILE *f, double v, int decimals)
{
    if (isfinite(v))
        fprintf(f, "%.*f", decimals, v);
    else
        fputs("null", f);
}

/* Writes everything to --out; the JSON is what `imz report` reads. */
static int write_outputs(const Bench *b, const Summary *sum, const Curve *curves, int nc,
                         const char *ref, const double (*bd)[2], const int (*bd_ok)[2])
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof path, "%s/results.csv", b->out_dir);
    if (!(f = fopen(path, "w")))
        return imz_cli_error(path, "%s", strerror(errno));
    fprintf(f, "image,codec,setting,lossless,status,width,height,bytes,bpp,psnr,psnr_y,ssim,msssim,"
               "encode_ms,decode_ms,encode_kb,decode_kb,bit_exact,note\n");
    for (int ii = 0; ii < b->n_images; ii++)
        for (int e = 0; e < b->n_entries; e++) {
            const Result *r = &b->results[ii * b->n_entries + e];
            const Image *im = &b->images[ii];
            const Entry *en = &b->entries[e];
            fprintf(f, "%s,%s,%s,%d,%s,%u,%u,%llu,%.6f,%.4f,%.4f,%.6f,%.6f,%.3f,%.3f,%ld,%ld,%d,\"",
                    im->name, en->label, en->setting, en->lossless,
                    r->status == ST_OK     ? "ok"
                    : r->status == ST_SKIP ? "skipped"
                                           : "failed",
                    im->width, im->height, (unsigned long long)r->bytes,
                    r->bytes * 8.0 / ((double)im->width * im->height), r->psnr, r->psnr_y, r->ssim,
                    r->msssim, r->enc_ms, r->dec_ms, r->enc_kb, r->dec_kb, r->exact);
            for (const char *p = r->note; *p; p++)
                fputs(*p == '"' ? "\"\"" : (char[]){*p, 0}, f);
            fputs("\"\n", f);
        }
    fclose(f);

    snprintf(path, sizeof path, "%s/summary.csv", b->out_dir);
    if (!(f = fopen(path, "w")))
        return imz_cli_error(path, "%s", strerror(errno));
    fprintf(f, "codec,setting,lossless,images,total_bytes,bpp,psnr,psnr_y,ssim,msssim,"
               "encode_mb_s,decode_mb_s,peak_kb,all_bit_exact\n");
    for (int e = 0; e < b->n_entries; e++) {
        const Summary *s = &sum[e];
        const Entry *en = &b->entries[e];
        if (!s->n)
            continue;
        fprintf(f, "%s,%s,%d,%d,%.0f,%.6f,%.4f,%.4f,%.6f,%.6f,%.3f,%.3f,%ld,%d\n", en->label,
                en->setting, en->lossless, s->n, s->bytes, s->bytes * 8 / s->pixels, s->psnr,
                s->psnr_y, s->ssim, s->msssim, mbps(s->raw, s->enc_ms), mbps(s->raw, s->dec_ms),
                s->peak_kb, s->all_exact);
    }
    fclose(f);

    snprintf(path, sizeof path, "%s/results.json", b->out_dir);
    if (!(f = fopen(path, "w")))
        return imz_cli_error(path, "%s", strerror(errno));
    fprintf(f, "{\n\"format\": \"imz-bench-1\",\n\"imz_version\": ");
    imz_cli_json_string(f, imz_version_string());
    fprintf(f, ",\n\"repeat\": %d,\n\"ref\": ", b->repeat);
    imz_cli_json_string(f, ref ? ref : "");
    fprintf(f, ",\n\"images\": [");
    for (int ii = 0; ii < b->n_images; ii++) {
        const Image *im = &b->images[ii];
        fprintf(f, "%s\n {\"name\": ", ii ? "," : "");
        imz_cli_json_string(f, im->name);
        fprintf(f, ", \"width\": %u, \"height\": %u, \"channels\": %d, \"depth\": %d", im->width,
                im->height, im->channels, im->depth);
        if (im->crop) {
            char cp[PATH_MAX];
            crop_path(b, ii, -1, cp, sizeof cp);
            fprintf(f,
                    ", \"crop\": {\"x\": %u, \"y\": %u, \"w\": %u, \"h\": %u, \"file\": ", im->cx,
                    im->cy, im->cw, im->chh);
            imz_cli_json_string(f, cp + strlen(b->out_dir) + 1);
            fputs("}", f);
        }
        fputs("}", f);
    }
    fprintf(f, "\n],\n\"entries\": [");
    for (int e = 0; e < b->n_entries; e++) {
        const Entry *en = &b->entries[e];
        fprintf(f, "%s\n {\"codec\": ", e ? "," : "");
        imz_cli_json_string(f, en->label);
        fputs(", \"setting\": ", f);
        imz_cli_json_string(f, en->setting);
        fprintf(f, ", \"value\": %s, \"lossless\": %s, \"kind\": \"%s\", \"note\": ",
                en->value[0] ? en->value : "null", en->lossless ? "true" : "false",
                en->ext ? "standard" : "imz");
        imz_cli_json_string(f, en->missing);
        fprintf(f, ", \"images\": %d", sum[e].n);
        if (sum[e].n) {
            const Summary *s = &sum[e];
            fprintf(f, ", \"total_bytes\": %.0f, \"bpp\": ", s->bytes);
            json_num(f, s->bytes * 8 / s->pixels, 6);
            fputs(", \"mean_bpp\": ", f);
            json_num(f, s->bpp, 6);
            fputs(", \"psnr\": ", f);
            json_num(f, s->psnr, 4);
            fputs(", \"psnr_y\": ", f);
            json_num(f, s->psnr_y, 4);
            fputs(", \"ssim\": ", f);
            json_num(f, s->ssim, 6);
            fputs(", \"msssim\": ", f);
            json_num(f, s->msssim, 6);
            fputs(", \"encode_mb_s\": ", f);
            json_num(f, mbps(s->raw, s->enc_ms), 3);
            fputs(", \"decode_mb_s\": ", f);
            json_num(f, mbps(s->raw, s->dec_ms), 3);
            fprintf(f, ", \"peak_kb\": %ld, \"bit_exact\": %s", s->peak_kb,
                    s->all_exact ? "true" : "false");
        }
        if (b->out_dir && !en->lossless && sum[e].n) {
            int first = 1;
            fputs(", \"crops\": {", f);
            for (int ii = 0; ii < b->n_images; ii++) {
                if (!b->images[ii].crop || b->results[ii * b->n_entries + e].status != ST_OK)
                    continue;
                char cp[PATH_MAX];
                crop_path(b, ii, e, cp, sizeof cp);
                fprintf(f, "%s\"%d\": ", first ? "" : ", ", ii);
                imz_cli_json_string(f, cp + strlen(b->out_dir) + 1);
                first = 0;
            }
            fputs("}", f);
        }
        fputs("}", f);
    }
    fprintf(f, "\n],\n\"rows\": [");
    int first = 1;
    for (int ii = 0; ii < b->n_images; ii++)
        for (int e = 0; e < b->n_entries; e++) {
            const Result *r = &b->results[ii * b->n_entries + e];
            const Image *im = &b->images[ii];
            fprintf(f, "%s\n {\"image\": %d, \"entry\": %d, \"status\": \"%s\"", first ? "" : ",",
                    ii, e,
                    r->status == ST_OK     ? "ok"
                    : r->status == ST_SKIP ? "skipped"
                                           : "failed");
            first = 0;
            if (r->status == ST_OK) {
                fprintf(
                    f, ", \"bytes\": %llu, \"bpp\": %.6f, \"psnr\": ", (unsigned long long)r->bytes,
                    r->bytes * 8.0 / ((double)im->width * im->height));
                json_num(f, r->psnr, 4);
                fputs(", \"psnr_y\": ", f);
                json_num(f, r->psnr_y, 4);
                fputs(", \"ssim\": ", f);
                json_num(f, r->ssim, 6);
                fputs(", \"msssim\": ", f);
                json_num(f, r->msssim, 6);
                fprintf(f,
                        ", \"encode_ms\": %.3f, \"decode_ms\": %.3f, \"encode_kb\": %ld, "
                        "\"decode_kb\": %ld, \"bit_exact\": %s",
                        r->enc_ms, r->dec_ms, r->enc_kb, r->dec_kb, r->exact ? "true" : "false");
            } else {
                fputs(", \"note\": ", f);
                imz_cli_json_string(f, r->note);
            }
            fputs("}", f);
        }
    fprintf(f, "\n],\n\"bd_rate\": [");
    for (int c = 0; c < nc; c++) {
        fprintf(f, "%s\n {\"codec\": ", c ? "," : "");
        imz_cli_json_string(f, curves[c].label);
        fputs(", \"ref\": ", f);
        imz_cli_json_string(f, ref ? ref : "");
        fputs(", \"psnr\": ", f);
        json_num(f, bd_ok[c][0] ? bd[c][0] : NAN, 3);
        fputs(", \"ssim\": ", f);
        json_num(f, bd_ok[c][1] ? bd[c][1] : NAN, 3);
        fputs("}", f);
    }
    fprintf(f, "\n]\n}\n");
    if (fclose(f))
        return imz_cli_error(path, "write failed");

    /* Plots for documents that cannot run the HTML report. */
    ImzPlotSeries ps[64], ss[64];
    int np = 0;
    for (int c = 0; c < nc && np < 64; c++, np++) {
        ps[np] = (ImzPlotSeries){curves[c].label, curves[c].n, curves[c].bpp, curves[c].psnr};
        ss[np] = (ImzPlotSeries){curves[c].label, curves[c].n, curves[c].bpp, curves[c].ssim};
    }
    char err[200];
    snprintf(path, sizeof path, "%s/rd_psnr.svg", b->out_dir);
    if (np && imz_plot_lines_svg(path, "Rate-distortion: PSNR (RGB), mean over images",
                                 "bits per pixel", "PSNR dB", ps, np, 1, err, sizeof err))
        imz_cli_error(path, "%s", err);
    snprintf(path, sizeof path, "%s/rd_ssim.svg", b->out_dir);
    if (np && imz_plot_lines_svg(path, "Rate-distortion: SSIM as -10 log10(1 - SSIM)",
                                 "bits per pixel", "SSIM dB", ss, np, 1, err, sizeof err))
        imz_cli_error(path, "%s", err);

    /* Markdown tables for BENCHMARKS.md. */
    snprintf(path, sizeof path, "%s/summary.md", b->out_dir);
    if (!(f = fopen(path, "w")))
        return imz_cli_error(path, "%s", strerror(errno));
    fprintf(f, "### Lossless\n\n| codec | setting | bpp | encode MB/s | decode MB/s | peak MiB | "
               "bit-exact |\n|---|---|---:|---:|---:|---:|---|\n");
    for (int e = 0; e < b->n_entries; e++) {
        const Summary *s = &sum[e];
        const Entry *en = &b->entries[e];
        if (!en->lossless || !s->n)
            continue;
        fprintf(f, "| %s | %s | %.4f | %.2f | %.2f | %.1f | %s |\n", en->label, en->setting,
                s->bytes * 8 / s->pixels, mbps(s->raw, s->enc_ms), mbps(s->raw, s->dec_ms),
                s->peak_kb / 1024.0, s->all_exact ? "yes" : "NO");
    }
    fprintf(f,
            "\n### Lossy: BD-rate against %s (negative = fewer bits for the same quality)\n\n"
            "| codec | BD-rate PSNR | BD-rate SSIM |\n|---|---:|---:|\n",
            ref ? ref : "-");
    for (int c = 0; c < nc; c++) {
        char a[32] = "n/a", s2[32] = "n/a";
        if (bd_ok[c][0])
            snprintf(a, sizeof a, "%+.1f%%", bd[c][0]);
        if (bd_ok[c][1])
            snprintf(s2, sizeof s2, "%+.1f%%", bd[c][1]);
        fprintf(f, "| %s | %s | %s |\n", curves[c].label, a, s2);
    }
    fprintf(f, "\n### Lossy: every setting (means over images)\n\n| codec | setting | bpp | PSNR | "
               "PSNR-Y | SSIM | MS-SSIM | encode MB/s | decode MB/s |\n"
               "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int e = 0; e < b->n_entries; e++) {
        const Summary *s = &sum[e];
        const Entry *en = &b->entries[e];
        if (en->lossless || !s->n)
            continue;
        fprintf(f, "| %s | %s | %.4f | %.2f | %.2f | %.4f | %.4f | %.2f | %.2f |\n", en->label,
                en->setting, s->bpp, s->psnr, s->psnr_y, s->ssim, s->msssim,
                mbps(s->raw, s->enc_ms), mbps(s->raw, s->dec_ms));
    }
    fclose(f);
    return 0;
}

/* The old per-image table (and CSV): every codec at default settings. */
static void print_per_image(const Bench *b, int csv)
{
    if (csv)
        printf("file,codec,width,height,channels,bit_depth,bytes,ratio,bpp,psnr,ssim,encode_ms,"
               "decode_ms,bit_exact,setting,psnr_y,msssim,encode_kb,decode_kb\n");
    for (int ii = 0; ii < b->n_images; ii++) {
        const Image *im = &b->images[ii];
        const double px = (double)im->width * im->height;
        const double raw = px * im->channels * (im->depth > 8 ? 2 : 1);
        if (!csv) {
            if (ii)
                printf("\n");
            if (!b->quiet)
                printf("%s: %ux%u, %d channel%s, %d-bit, raw %.0f bytes, median of %d run%s\n",
                       im->name, im->width, im->height, im->channels, im->channels == 1 ? "" : "s",
                       im->depth, raw, b->repeat, b->repeat == 1 ? "" : "s");
            printf("%-11s %10s %9s %8s %9s %7s %9s %9s %s\n", "codec", "bytes", "ratio", "bpp",
                   "PSNR dB", "SSIM", "enc ms", "dec ms", "setting");
        }
        for (int e = 0; e < b->n_entries; e++) {
            const Result *r = &b->results[ii * b->n_entries + e];
            const Entry *en = &b->entries[e];
            const char *name = en->ext ? en->label : en->codec;
            if (r->status == ST_FAIL) {
                if (!csv)
                    printf("%-11s FAILED (%s)\n", name, r->note);
                continue;
            }
            if (r->status == ST_SKIP) {
                if (!csv)
                    printf("%-11s %s\n", name, r->note);
                continue;
            }
            double ratio = r->bytes ? raw / (double)r->bytes : 0.0;
            char psnr[32];
            if (csv) {
                if (r->exact || isinf(r->psnr))
                    snprintf(psnr, sizeof psnr, "inf");
                else
                    snprintf(psnr, sizeof psnr, "%.4f", r->psnr);
                printf(
                    "%s,%s,%u,%u,%d,%d,%llu,%.4f,%.4f,%s,%.6f,%.3f,%.3f,%d,%s,%.4f,%.6f,%ld,%ld\n",
                    im->name, name, im->width, im->height, im->channels, im->depth,
                    (unsigned long long)r->bytes, ratio, r->bytes * 8.0 / px, psnr, r->ssim,
                    r->enc_ms, r->dec_ms, r->exact, en->setting, r->psnr_y, r->msssim, r->enc_kb,
                    r->dec_kb);
            } else {
                if (r->exact)
                    snprintf(psnr, sizeof psnr, "lossless");
                else
                    snprintf(psnr, sizeof psnr, "%.2f", r->psnr);
                printf("%-11s %10llu %9.3f %8.3f %9s %7.4f %9.2f %9.2f %s\n", name,
                       (unsigned long long)r->bytes, ratio, r->bytes * 8.0 / px, psnr, r->ssim,
                       r->enc_ms, r->dec_ms, en->setting);
            }
        }
    }
}

static void print_summary(const Bench *b, const Summary *sum, const Curve *curves, int nc,
                          const char *ref, const double (*bd)[2], const int (*bd_ok)[2])
{
    printf("%d image%s, median of %d run%s; times are whole-process for standard codecs and\n"
           "in-process for imz; MB/s of raw samples\n",
           b->n_images, b->n_images == 1 ? "" : "s", b->repeat, b->repeat == 1 ? "" : "s");
    int any = 0;
    for (int e = 0; e < b->n_entries; e++)
        if (b->entries[e].missing[0] &&
            (e == 0 || strcmp(b->entries[e - 1].label, b->entries[e].label)))
            printf("note: %s: %s\n", b->entries[e].label, b->entries[e].missing);
    for (int e = 0; e < b->n_entries; e++) {
        if (!b->entries[e].lossless || !sum[e].n)
            continue;
        if (!any++)
            printf("\nLossless             setting        bpp   enc MB/s   dec MB/s  peak MiB  "
                   "exact\n");
        const Summary *s = &sum[e];
        printf("%-20s %-10s %8.4f %10.2f %10.2f %9.1f  %s\n", b->entries[e].label,
               b->entries[e].setting, s->bytes * 8 / s->pixels, mbps(s->raw, s->enc_ms),
               mbps(s->raw, s->dec_ms), s->peak_kb / 1024.0, s->all_exact ? "yes" : "NO");
    }
    any = 0;
    for (int e = 0; e < b->n_entries; e++) {
        if (b->entries[e].lossless || !sum[e].n)
            continue;
        if (!any++)
            printf("\nLossy                setting        bpp   PSNR  PSNR-Y    SSIM  MS-SSIM  "
                   "enc MB/s  dec MB/s\n");
        const Summary *s = &sum[e];
        printf("%-20s %-12s %6.4f %6.2f %7.2f %7.4f %8.4f %9.2f %9.2f\n", b->entries[e].label,
               b->entries[e].setting, s->bpp, s->psnr, s->psnr_y, s->ssim, s->msssim,
               mbps(s->raw, s->enc_ms), mbps(s->raw, s->dec_ms));
    }
    if (nc && ref) {
        printf("\nBD-rate against %s   PSNR      SSIM\n", ref);
        for (int c = 0; c < nc; c++) {
            printf("%-20s ", curves[c].label);
            if (bd_ok[c][0])
                printf("%+8.2f%%", bd[c][0]);
            else
                printf("%9s", "n/a");
            if (bd_ok[c][1])
                printf(" %+8.2f%%\n", bd[c][1]);
            else
                printf(" %9s\n", "n/a");
        }
    }
    for (int ii = 0; ii < b->n_images; ii++)
        for (int e = 0; e < b->n_entries; e++) {
            const Result *r = &b->results[ii * b->n_entries + e];
            if (r->status == ST_FAIL)
                printf("FAILED: %s %s %s: %s\n", b->images[ii].name, b->entries[e].label,
                       b->entries[e].setting, r->note);
        }
}

/* ---- The subcommand ------------------------------------------------------------------------ */

/* The command with its input list owned by the caller, so every exit path frees it once. */
static int bench_main(int argc, char **argv, char ***files_out, int *n_files_out)
{
    ImzArgs a;
    ImzCommonOpts co;
    const char *codecs = NULL, *against = NULL, *ref = NULL, *out_dir = NULL, *helpers = NULL;
    const char *sv;
    long repeat = 3, crops = 4;
    int csv = 0, ladder = 0, n_set = 0, rc = IMZ_EXIT_OK;
    Setting sets[MAX_SETTINGS];
    int cap_files = 0;
#define files (*files_out)
#define n_files (*n_files_out)

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "bench");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (add_input(a.arg, &files, &n_files, &cap_files))
                rc = IMZ_EXIT_FAIL;
        } else if (imz_args_str(&a, NULL, "--codecs", &codecs)) {
        } else if (imz_args_str(&a, NULL, "--against", &against)) {
        } else if (imz_args_str(&a, NULL, "--ref", &ref)) {
        } else if (imz_args_str(&a, NULL, "--out", &out_dir)) {
        } else if (imz_args_str(&a, NULL, "--helpers", &helpers)) {
        } else if (imz_args_int(&a, NULL, "--crops", 0, 1000, &crops)) {
        } else if (imz_args_str(&a, NULL, "--settings", &sv)) {
            if (n_set == MAX_SETTINGS)
                return imz_cli_usage_error("bench", "too many --settings");
            if (parse_setting(sv, &sets[n_set]))
                return imz_cli_usage_error("bench",
                                           "bad --settings '%s' (NAME=V1,V2 or "
                                           "NAME:OPTION=V1,V2)",
                                           sv);
            n_set++;
        } else if (imz_args_int(&a, "-r", "--repeat", 1, MAX_REPEAT, &repeat)) {
        } else if (imz_args_flag(&a, NULL, "--csv")) {
            csv = 1;
        } else if (imz_args_flag(&a, NULL, "--ladder")) {
            ladder = 1;
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        bench_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (!n_files && rc == IMZ_EXIT_OK)
        return imz_cli_usage_error("bench", "missing FILE");
    const int study = against || out_dir || ladder;
    if (study)
        ladder = 1;

    char exe_helpers[PATH_MAX * 2] = "";
    if (!helpers)
        helpers = getenv("IMZ_BENCH_HELPERS");
    {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/');
            if (slash)
                *slash = '\0';
            snprintf(exe_helpers, sizeof exe_helpers, "%s%s%s/bench-tools", helpers ? helpers : "",
                     helpers ? ":" : "", exe);
            helpers = exe_helpers;
        }
    }

    Bench b;
    memset(&b, 0, sizeof b);
    int brc =
        build_entries(codecs, against, ladder, sets, n_set, helpers, &b.entries, &b.n_entries);
    if (brc) {
        free(b.entries);
        return brc;
    }
    b.repeat = (int)repeat;
    b.jobs = co.threads > 0 ? (int)co.threads : 1;
    b.quiet = co.quiet;
    b.out_dir = out_dir;
    b.max_pixels = co.max_pixels;
    if (out_dir) {
        char cd[PATH_MAX];
        snprintf(cd, sizeof cd, "%s/crops", out_dir);
        if ((mkdir(out_dir, 0777) && errno != EEXIST) || (mkdir(cd, 0777) && errno != EEXIST)) {
            free(b.entries);
            return imz_cli_error(out_dir, "cannot create: %s", strerror(errno));
        }
    }

    /* Image shapes (and crops) are read once here; workers reload what they measure. */
    b.images = calloc((size_t)(n_files ? n_files : 1), sizeof *b.images);
    ImzContext *ctx = new_context(co.max_pixels);
    if (!b.images || !ctx) {
        free(b.entries);
        free(b.images);
        return imz_cli_error(NULL, "out of memory");
    }
    for (int i = 0; i < n_files; i++) {
        ImzLoaded l;
        if (imz_cli_load_image(ctx, files[i], &l)) {
            rc = IMZ_EXIT_FAIL;
            continue;
        }
        Image *im = &b.images[b.n_images];
        im->path = files[i];
        const char *base = strrchr(files[i], '/');
        base = base ? base + 1 : files[i];
        snprintf(im->name, sizeof im->name, "%s", !strcmp(files[i], "-") ? "<stdin>" : base);
        char *dot = strrchr(im->name, '.');
        if (dot && study)
            *dot = '\0';
        im->width = l.img.width;
        im->height = l.img.height;
        im->channels = l.img.channels;
        im->depth = l.img.bit_depth;
        im->is_png = l.format == IMZ_FMT_PNG;
        choose_crop(&l.img, im);
        b.n_images++;
        imz_image_free(ctx, &l.img);
    }
    /* Crops of evenly spaced images, so a directory's variety shows in the report. */
    if (out_dir && crops > 0) {
        int nc = crops < b.n_images ? (int)crops : b.n_images;
        for (int k = 0; k < nc; k++) {
            int ii = (int)((long)k * b.n_images / nc);
            ImzLoaded l;
            b.images[ii].crop = 1;
            if (imz_cli_load_image(ctx, b.images[ii].path, &l) == 0) {
                char cp[PATH_MAX];
                crop_path(&b, ii, -1, cp, sizeof cp);
                save_crop(&b.images[ii], &l.img, cp);
                imz_image_free(ctx, &l.img);
            }
        }
    }
    imz_context_destroy(ctx);

    if (b.n_images) {
        const char *tmpdir = getenv("TMPDIR");
        snprintf(b.work, sizeof b.work, "%s/imz-bench.XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
        b.results = calloc((size_t)b.n_images * (size_t)b.n_entries, sizeof *b.results);
        if (!b.results || !mkdtemp(b.work)) {
            rc = imz_cli_error(NULL, "cannot create a work directory: %s", strerror(errno));
        } else {
            if (run_all(&b, study))
                rc = IMZ_EXIT_FAIL;
            nftw(b.work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
    }

    if (b.results) {
        for (int i = 0; i < b.n_images * b.n_entries; i++)
            if (b.results[i].status == ST_FAIL)
                rc = IMZ_EXIT_FAIL;
        Summary *sum = calloc((size_t)b.n_entries, sizeof *sum);
        Curve *curves = calloc((size_t)b.n_entries, sizeof *curves);
        double(*bd)[2] = calloc((size_t)b.n_entries, sizeof *bd);
        int(*bd_ok)[2] = calloc((size_t)b.n_entries, sizeof *bd_ok);
        if (!sum || !curves || !bd || !bd_ok) {
            rc = imz_cli_error(NULL, "out of memory");
        } else {
            for (int e = 0; e < b.n_entries; e++)
                summarise(&b, e, &sum[e]);
            int nc = collect_curves(&b, sum, curves);
            int ri = -1;
            for (int c = 0; c < nc && ref; c++)
                if (!strcmp(curves[c].label, ref))
                    ri = c;
            if (!ref) {
                for (int c = 0; c < nc; c++)
                    if (!strcmp(curves[c].label, "jpeg"))
                        ri = c;
                if (ri < 0 && nc)
                    ri = 0;
            }
            if (ref && ri < 0 && nc)
                fprintf(stderr, "imz: warning: BD-rate reference '%s' has no curve\n", ref);
            const char *ref_name = ri >= 0 ? curves[ri].label : NULL;
            for (int c = 0; c < nc && ri >= 0; c++) {
                bd_ok[c][0] =
                    !imz_bench_bd_rate(curves[c].bpp, curves[c].psnr, curves[c].n, curves[ri].bpp,
                                       curves[ri].psnr, curves[ri].n, &bd[c][0]);
                bd_ok[c][1] =
                    !imz_bench_bd_rate(curves[c].bpp, curves[c].ssim, curves[c].n, curves[ri].bpp,
                                       curves[ri].ssim, curves[ri].n, &bd[c][1]);
            }
            if (study && !csv)
                print_summary(&b, sum, curves, nc, ref_name, (const double(*)[2])bd,
                              (const int(*)[2])bd_ok);
            else
                print_per_image(&b, csv);
            if (out_dir && write_outputs(&b, sum, curves, nc, ref_name, (const double(*)[2])bd,
                                         (const int(*)[2])bd_ok))
                rc = IMZ_EXIT_FAIL;
            if (!study)
                for (int i = 0; i < b.n_images * b.n_entries; i++)
                    if (b.results[i].status == ST_FAIL)
                        imz_cli_error(b.images[i / b.n_entries].name, "codec %s: %s",
                                      b.entries[i % b.n_entries].label, b.results[i].note);
        }
        free(sum);
        free(curves);
        free(bd);
        free(bd_ok);
    }
    free(b.images);
    free(b.entries);
    free(b.results);
    return rc;
#undef files
#undef n_files
}

int imz_cmd_bench(int argc, char **argv)
{
    char **files = NULL;
    int n_files = 0;
    int rc = bench_main(argc, argv, &files, &n_files);
    for (int i = 0; i < n_files; i++)
        free(files[i]);
    free(files);
    return rc;
}
