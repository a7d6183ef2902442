// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The standard codecs `imz bench` compares against, driven through Debian's command-line tools
// with exactly the settings of the published anchor measurements (lossless.sh and rd.py), so that
// a number measured here can be checked against the anchors. Also the process runner that times a
// tool and reads its peak memory from wait4.

#define _GNU_SOURCE /* wait4 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define A(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The decoders write PPM where they can: PNG output would add a zlib pass to every decode time.
 * Every tool runs on one thread (libjxl would otherwise use all cores), as imz does. */
static const ImzBenchExternal externals[] = {
    {"jpeg", "jpeg", 0, "q", "10,20,30,50,70,85,95", ".jpg", ".ppm", IMZ_BENCH_OUT_IMAGE,
     "libjpeg-turbo-progs",
     A("cjpeg", "-quality", "{v}", "-optimize", "-outfile", "{enc}", "{ppm}"),
     A("djpeg", "-outfile", "{dec}", "{enc}"), 0},
    {"webp", "webp", 0, "q", "10,25,40,60,75,90,97", ".webp", ".ppm", IMZ_BENCH_OUT_IMAGE, "webp",
     A("cwebp", "-quiet", "-m", "6", "-q", "{v}", "{in}", "-o", "{enc}"),
     A("dwebp", "-quiet", "{enc}", "-ppm", "-o", "{dec}"), 0},
    {"webp-ll", "webp", 1, NULL, NULL, ".webp", ".ppm", IMZ_BENCH_OUT_IMAGE, "webp",
     A("cwebp", "-quiet", "-lossless", "-z", "9", "{in}", "-o", "{enc}"),
     A("dwebp", "-quiet", "{enc}", "-ppm", "-o", "{dec}"), 0},
    {"avif", "avif", 0, "q", "52,45,38,31,24,17,10", ".avif", ".png", IMZ_BENCH_OUT_IMAGE,
     "libavif-bin",
     A("avifenc", "-s", "6", "-j", "1", "--min", "{v}", "--max", "{v}", "-y", "420", "{in}",
       "{enc}"),
     A("avifdec", "{enc}", "{dec}"), 0},
    {"avif-ll", "avif", 1, NULL, NULL, ".avif", ".png", IMZ_BENCH_OUT_IMAGE, "libavif-bin",
     A("avifenc", "-l", "-s", "6", "{in}", "{enc}"), A("avifdec", "{enc}", "{dec}"), 1},
    {"jxl", "jxl", 0, "d", "6.0,4.0,2.5,1.6,1.0,0.6,0.3", ".jxl", ".ppm", IMZ_BENCH_OUT_IMAGE,
     "libjxl-tools", A("cjxl", "-e", "7", "-d", "{v}", "--num_threads=1", "{in}", "{enc}"),
     A("djxl", "--num_threads=1", "{enc}", "{dec}"), 0},
    {"jxl-e3", "jxl", 1, NULL, NULL, ".jxl", ".ppm", IMZ_BENCH_OUT_IMAGE, "libjxl-tools",
     A("cjxl", "-q", "100", "-e", "3", "--num_threads=1", "{in}", "{enc}"),
     A("djxl", "--num_threads=1", "{enc}", "{dec}"), 1},
    {"jxl-e7", "jxl", 1, NULL, NULL, ".jxl", ".ppm", IMZ_BENCH_OUT_IMAGE, "libjxl-tools",
     A("cjxl", "-q", "100", "-e", "7", "--num_threads=1", "{in}", "{enc}"),
     A("djxl", "--num_threads=1", "{enc}", "{dec}"), 0},
    {"jxl-e9", "jxl", 1, NULL, NULL, ".jxl", ".ppm", IMZ_BENCH_OUT_IMAGE, "libjxl-tools",
     A("cjxl", "-q", "100", "-e", "9", "--num_threads=1", "{in}", "{enc}"),
     A("djxl", "--num_threads=1", "{enc}", "{dec}"), 1},
    {"j2k", "j2k", 0, "r", "160,96,64,40,24,16,10", ".jp2", ".ppm", IMZ_BENCH_OUT_IMAGE,
     "libopenjp2-tools", A("opj_compress", "-i", "{in}", "-o", "{enc}", "-r", "{v}", "-I"),
     A("opj_decompress", "-i", "{enc}", "-o", "{dec}"), 0},
    {"j2k-ll", "j2k", 1, NULL, NULL, ".jp2", ".ppm", IMZ_BENCH_OUT_IMAGE, "libopenjp2-tools",
     A("opj_compress", "-i", "{in}", "-o", "{enc}"),
     A("opj_decompress", "-i", "{enc}", "-o", "{dec}"), 0},
    {"png", "png", 1, NULL, NULL, ".png", NULL, IMZ_BENCH_OUT_SELF, "optipng",
     A("optipng", "-quiet", "-o2", "-out", "{enc}", "{in}"), NULL, 0},
    {"qoi", "qoi", 1, NULL, NULL, ".qoi", ".raw", IMZ_BENCH_OUT_RAW8,
     "libqoi-dev (helper qoiconv: bench/deps.sh)", A("qoiconv", "{in}", "{enc}"),
     A("qoiconv", "-d", "{enc}", "{dec}"), 0},
    {"jpegls", "jpegls", 1, NULL, NULL, ".jls", ".raw", IMZ_BENCH_OUT_RAW8,
     "libcharls-dev (helper jlsconv: bench/deps.sh)", A("jlsconv", "{in}", "{enc}", "hp2"),
     A("jlsconv", "-d", "{enc}", "{dec}"), 0},
    {"ffv1", "ffv1", 1, NULL, NULL, ".mkv", ".raw", IMZ_BENCH_OUT_RAW8, "ffmpeg",
     A("ffmpeg", "-v", "error", "-y", "-i", "{in}", "-threads", "1", "-c:v", "ffv1", "-level", "3",
       "-coder", "1", "-context", "1", "-g", "1", "{enc}"),
     A("ffmpeg", "-v", "error", "-y", "-threads", "1", "-i", "{enc}", "-f", "rawvideo",
       "-pix_fmt", "rgb24", "{dec}"),
     0},
};

const ImzBenchExternal *imz_bench_externals(int *count)
{
    *count = (int)(sizeof externals / sizeof externals[0]);
    return externals;
}

static int try_dir(const char *dir, size_t dir_len, const char *prog, char *out, size_t out_len)
{
    if (!dir_len)
        return 0;
    int n = snprintf(out, out_len, "%.*s/%s", (int)dir_len, dir, prog);
    if (n < 0 || (size_t)n >= out_len)
        return 0;
    struct stat st;
    return stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0;
}

static int search_list(const char *list, const char *prog, char *out, size_t out_len)
{
    while (list && *list) {
        const char *end = strchr(list, ':');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (try_dir(list, n, prog, out, out_len))
            return 1;
        list = end ? end + 1 : list + n;
    }
    return 0;
}

int imz_bench_find_program(const char *prog, const char *helpers, char *out, size_t out_len)
{
    if (strchr(prog, '/')) {
        snprintf(out, out_len, "%s", prog);
        return access(prog, X_OK) == 0;
    }
    if (search_list(helpers, prog, out, out_len))
        return 1;
    const char *path = getenv("PATH");
    return search_list(path ? path : "/usr/local/bin:/usr/bin:/bin", prog, out, out_len);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int imz_bench_spawn(char *const *argv, ImzBenchRun *run)
{
    memset(run, 0, sizeof *run);
    double t0 = now_ms();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2)
                close(fd);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR)
            return -1;
    }
    run->wall_ms = now_ms() - t0;
    run->max_rss_kb = ru.ru_maxrss;
    run->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}
