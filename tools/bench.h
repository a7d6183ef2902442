// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// What `imz bench` and `imz report` share: the standard codecs driven through their command-line
// tools (the same settings as the published anchor measurements), running a child process with its
// wall time and peak memory, the extra metrics the library does not compute (MS-SSIM), and the
// Bjontegaard delta rate used to rank rate-distortion curves.

#ifndef IMZ_TOOLS_BENCH_H
#define IMZ_TOOLS_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "imz.h"

/* ---- Standard codecs ---------------------------------------------------------------------- */

/** How a codec's decoded output is read back. */
typedef enum ImzBenchOutput {
    IMZ_BENCH_OUT_IMAGE, /* a PNG or PPM file the image reader takes */
    IMZ_BENCH_OUT_RAW8,  /* packed 8-bit samples of the source's shape, no header */
    IMZ_BENCH_OUT_SELF,  /* the encoded file is a PNG: decoded in process with libpng */
} ImzBenchOutput;

/**
 * A standard codec at its fixed options. The command templates are NULL-terminated argument
 * lists in which "{in}" (source PNG), "{ppm}" (source PPM), "{enc}" (encoded file), "{dec}"
 * (decoded file) and "{v}" (the setting's value) are replaced; argv[0] is looked up on PATH and in
 * the helper directories.
 */
typedef struct ImzBenchExternal {
    const char *name;   /**< name on the command line and in the results */
    const char *family; /**< group name (`--against webp` selects webp and webp-ll) */
    int lossless;
    const char *param;   /**< the ladder's parameter as shown ("q", "d", "r"), NULL if none */
    const char *ladder;  /**< comma-separated default values, NULL for a single setting */
    const char *enc_ext; /**< encoded file's extension */
    const char *dec_ext; /**< decoded file's extension */
    ImzBenchOutput output;
    const char *package; /**< Debian package with the tools, for the "not found" note */
    const char *const *enc_argv;
    const char *const *dec_argv; /**< NULL for IMZ_BENCH_OUT_SELF */
    int on_request;              /**< only when named: not part of its family's default selection */
} ImzBenchExternal;

/** The table of standard codecs and its length. */
const ImzBenchExternal *imz_bench_externals(int *count);

/**
 * Full path of a program: `helpers` (a ':'-separated list of directories, may be NULL) first,
 * then PATH. Returns 1 and fills out, or 0 when it is not found.
 */
int imz_bench_find_program(const char *prog, const char *helpers, char *out, size_t out_len);

/** What one run of a child process cost. */
typedef struct ImzBenchRun {
    double wall_ms;
    long max_rss_kb; /**< the child's peak resident set (getrusage ru_maxrss) */
    int status;      /**< exit status, or 128 + signal number */
} ImzBenchRun;

/**
 * Runs argv (argv[0] a full path) with stdin, stdout and stderr on /dev/null, waits for it and
 * reports its wall time, peak memory and exit status. Returns 0, or -1 if it could not start.
 */
int imz_bench_spawn(char *const *argv, ImzBenchRun *run);

/* ---- Metrics -------------------------------------------------------------------------------- */

/**
 * Multi-scale SSIM (Wang, Simoncelli and Bovik 2003): five scales with weights 0.0448, 0.2856,
 * 0.3001, 0.2363, 0.1333, each scale halved by 2x2 averaging, contrast-structure terms at every
 * scale and the luminance term at the coarsest; 11x11 Gaussian window (sigma 1.5) over the
 * valid region, K1 = 0.01, K2 = 0.03. Channels are scored separately and averaged. Scales smaller
 * than the window are dropped and the remaining weights renormalised. Negative contrast terms are
 * clamped to 0 so the product stays defined. Returns IMZ_OK or a negative IMZ_ERR_* code.
 */
int imz_bench_msssim(const ImzImage *a, const ImzImage *b, double *msssim);

/* ---- Rate-distortion summaries ------------------------------------------------------------ */

/**
 * Bjontegaard delta rate in percent of curve A against curve B (negative: A needs fewer bits for
 * the same quality): cubic least-squares fit of log-rate over quality for each curve, integrated
 * over the quality range both cover. Points need not be sorted. Returns 0, or -1 when a curve has
 * fewer than 4 points, the ranges do not overlap or the fit is singular.
 */
int imz_bench_bd_rate(const double *rate_a, const double *q_a, int n_a, const double *rate_b,
                      const double *q_b, int n_b, double *bd);

/* ---- Subcommand --------------------------------------------------------------------------- */

int imz_cmd_report(int argc, char **argv);

#endif
