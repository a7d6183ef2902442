// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Small self-contained SVG plots for the command-line tool: sample histograms (`imz analyze`) and
// line plots with a legend (rate-distortion curves). Each call writes a complete SVG file through
// a temporary file in the same directory that is renamed over `path`, so readers never see half a
// plot. On failure the call returns -1 and leaves a one-line reason in err.

#ifndef IMZ_TOOLS_PLOT_H
#define IMZ_TOOLS_PLOT_H

#include <stddef.h>
#include <stdint.h>

/**
 * Bar chart of a histogram: bin i counts the samples of value i, for i < n_bins. More than 512
 * bins (16-bit images) are merged into at most 512 displayed bars of equal width; the x axis is
 * still labelled in sample values. log_y draws counts on a logarithmic scale (empty bins show no
 * bar). Returns 0, or -1 with a reason in err.
 */
int imz_plot_histogram_svg(const char *path, const char *title, const uint64_t *counts, int n_bins,
                           int log_y, char *err, size_t err_len);

/**
 * The same with bin i standing for the value first_value + i and a chosen x-axis label: residuals
 * stored centred (0 at bin 2^(depth-1)) plot around 0 with first_value = -2^(depth-1).
 */
int imz_plot_histogram_axis_svg(const char *path, const char *title, const char *xlabel,
                                int first_value, const uint64_t *counts, int n_bins, int log_y,
                                char *err, size_t err_len);

/** One curve of a line plot: n points (x[i], y[i]); non-finite points break the line. */
typedef struct ImzPlotSeries {
    const char *name; /**< legend entry; NULL or "" for none */
    int n;
    const double *x, *y;
} ImzPlotSeries;

/**
 * Line plot of n_series curves with markers, axes, grid and a legend placed in the corner the
 * curves leave free. log_x uses a logarithmic x axis (points with x <= 0 are then skipped).
 * Returns 0, or -1 with a reason in err.
 */
int imz_plot_lines_svg(const char *path, const char *title, const char *xlabel, const char *ylabel,
                       const ImzPlotSeries *series, int n_series, int log_x, char *err,
                       size_t err_len);

#endif
