// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// SVG histograms and line plots (plot.h). Output is plain SVG 1.1 with no scripts or external
// resources, sized 800x500 user units so it reads well on a laptop screen and scales cleanly.
// Axes get "nice" ticks (1, 2 or 5 times a power of ten, or decades on log axes) and light grid
// lines; files are written to a temporary name and renamed into place.

#define _POSIX_C_SOURCE 200809L

#include "plot.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SVG_W 800
#define SVG_H 500
#define PLOT_LEFT 84.0
#define PLOT_RIGHT (SVG_W - 28.0)
#define PLOT_TOP 64.0
#define PLOT_BOTTOM (SVG_H - 64.0)
#define MAX_BARS 512
#define MAX_TICKS 64
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define INK "#333333"
#define GRID "#e6e6e6"
#define BAR_FILL "#4c72b0"

static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
    if (!err || !err_len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
}

/* ---- Output ------------------------------------------------------------------------------- */

typedef void (*RenderFn)(FILE *f, const void *arg);

/* Renders into "<dir>/.<name>.XXXXXX" and renames it over path once complete. */
static int write_atomic(const char *path, RenderFn render, const void *arg, char *err,
                        size_t err_len)
{
    if (!path || !*path) {
        set_err(err, err_len, "no output path");
        return -1;
    }
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    size_t tmp_len = strlen(path) + 16;
    char *tmp = malloc(tmp_len);
    if (!tmp) {
        set_err(err, err_len, "out of memory");
        return -1;
    }
    snprintf(tmp, tmp_len, "%.*s.%s.XXXXXX", (int)dir_len, path, path + dir_len);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        set_err(err, err_len, "cannot create a temporary file next to it: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkstemp makes the file private; a plot is an ordinary document. Best effort: if this
     * fails the plot is still right, only less widely readable. */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        set_err(err, err_len, "cannot write: %s", strerror(errno));
        close(fd);
        remove(tmp);
        free(tmp);
        return -1;
    }
    errno = 0;
    render(f, arg);
    int failed = ferror(f);
    if (fclose(f) != 0)
        failed = 1;
    if (failed || rename(tmp, path) != 0) {
        set_err(err, err_len, "cannot write: %s", strerror(errno ? errno : EIO));
        remove(tmp);
        free(tmp);
        return -1;
    }
    free(tmp);
    return 0;
}

static void put_escaped(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default:
            /* Control characters are not allowed in XML 1.0. */
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                fputc(*s, f);
        }
    }
}

/* <text> with escaped content; anchor is "start", "middle" or "end". */
static void text(FILE *f, double x, double y, const char *anchor, int size, const char *extra,
                 const char *s)
{
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\"%s%s>", x, y, anchor,
            size, extra ? " " : "", extra ? extra : "");
    put_escaped(f, s);
    fputs("</text>\n", f);
}

static void svg_begin(FILE *f, const char *title)
{
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"" FONT "\" fill=\"" INK "\">\n",
            SVG_W, SVG_H, SVG_W, SVG_H);
    fputs("<title>", f);
    put_escaped(f, title ? title : "");
    fputs("</title>\n", f);
    fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", SVG_W, SVG_H);
    if (title && *title)
        text(f, SVG_W / 2.0, 30, "middle", 18, "font-weight=\"bold\"", title);
}

/* ---- Axes --------------------------------------------------------------------------------- */

typedef struct Axis {
    double lo, hi; /* data range shown */
    int log;       /* log10 scale */
    double p0, p1; /* pixel positions of lo and hi */
} Axis;

static double axis_map(const Axis *a, double v)
{
    double t = a->log ? (log10(v) - log10(a->lo)) / (log10(a->hi) - log10(a->lo))
                      : (v - a->lo) / (a->hi - a->lo);
    return a->p0 + t * (a->p1 - a->p0);
}

/* 1, 2 or 5 times a power of ten, near range / target. */
static double nice_step(double range, int target)
{
    double raw = range / target, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * mag;
}

typedef struct Ticks {
    int n;
    double v[MAX_TICKS];
    int labelled[MAX_TICKS];
    double step; /* linear axes: spacing, for the number of decimals */
} Ticks;

static void linear_ticks(const Axis *a, int target, Ticks *t)
{
    t->n = 0;
    t->step = nice_step(a->hi - a->lo, target);
    for (double k = ceil(a->lo / t->step - 1e-9); t->n < MAX_TICKS; k++) {
        double v = k * t->step;
        if (v > a->hi + t->step * 1e-9)
            break;
        t->labelled[t->n] = 1;
        t->v[t->n++] = fabs(v) < t->step * 1e-9 ? 0 : v;
    }
}

/* Decades; on short ranges also 2x and 5x, and then every multiple (labelling 1, 2, 5). */
static void log_ticks(const Axis *a, Ticks *t)
{
    static const int sets[3][9] = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
    static const int set_len[3] = {1, 3, 9};
    int e0 = (int)floor(log10(a->lo)), e1 = (int)ceil(log10(a->hi));
    t->step = 0;
    for (int s = 0; s < 3; s++) {
        t->n = 0;
        for (int e = e0; e <= e1; e++)
            for (int i = 0; i < set_len[s] && t->n < MAX_TICKS; i++) {
                double v = sets[s][i] * pow(10, e);
                if (v >= a->lo * (1 - 1e-9) && v <= a->hi * (1 + 1e-9)) {
                    int m = sets[s][i];
                    t->labelled[t->n] = m == 1 || m == 2 || m == 5;
                    t->v[t->n++] = v;
                }
            }
        int labelled = 0;
        for (int i = 0; i < t->n; i++)
            labelled += t->labelled[i];
        if (labelled >= 3)
            return;
    }
}

/* Tick label: plain decimals matching the tick spacing; k/M/G for big counts. */
static void format_tick(char *buf, size_t len, double v, double step, int si)
{
    double av = fabs(v);
    if (si && av >= 1e4) {
        const char *suffix = av >= 1e9 ? "G" : av >= 1e6 ? "M" : "k";
        double div = av >= 1e9 ? 1e9 : av >= 1e6 ? 1e6 : 1e3;
        snprintf(buf, len, "%.4g%s", v / div, suffix);
    } else if (step > 0 && av < 1e7 && step >= 1e-6) {
        int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, len, "%.*f", decimals, v);
    } else {
        snprintf(buf, len, "%g", v);
    }
}

/* Grid lines go under the data. */
static void draw_grid(FILE *f, const Axis *x, const Ticks *xt, const Axis *y, const Ticks *yt)
{
    fputs("<g stroke=\"" GRID "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n", f);
    for (int i = 0; i < xt->n; i++) {
        double px = axis_map(x, xt->v[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px, PLOT_TOP, px,
                PLOT_BOTTOM);
    }
    for (int i = 0; i < yt->n; i++) {
        double py = axis_map(y, yt->v[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PLOT_LEFT, py,
                PLOT_RIGHT, py);
    }
    fputs("</g>\n", f);
}

/* Axis lines, ticks and labels go over the data. */
static void draw_axes(FILE *f, const Axis *x, const Ticks *xt, int x_si, const Axis *y,
                      const Ticks *yt, int y_si, const char *xlabel, const char *ylabel)
{
    char buf[64];
    fputs("<g stroke=\"" INK "\" stroke-width=\"1\" shape-rendering=\"crispEdges\">\n", f);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PLOT_LEFT, PLOT_BOTTOM,
            PLOT_RIGHT, PLOT_BOTTOM);
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", PLOT_LEFT, PLOT_TOP,
            PLOT_LEFT, PLOT_BOTTOM);
    for (int i = 0; i < xt->n; i++) {
        double px = axis_map(x, xt->v[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px, PLOT_BOTTOM, px,
                PLOT_BOTTOM + (xt->labelled[i] ? 5 : 3));
    }
    for (int i = 0; i < yt->n; i++) {
        double py = axis_map(y, yt->v[i]);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
                PLOT_LEFT - (yt->labelled[i] ? 5 : 3), py, PLOT_LEFT, py);
    }
    fputs("</g>\n", f);

    for (int i = 0; i < xt->n; i++) {
        if (!xt->labelled[i])
            continue;
        format_tick(buf, sizeof buf, xt->v[i], xt->step, x_si);
        text(f, axis_map(x, xt->v[i]), PLOT_BOTTOM + 20, "middle", 12, NULL, buf);
    }
    for (int i = 0; i < yt->n; i++) {
        if (!yt->labelled[i])
            continue;
        format_tick(buf, sizeof buf, yt->v[i], yt->step, y_si);
        text(f, PLOT_LEFT - 9, axis_map(y, yt->v[i]) + 4, "end", 12, NULL, buf);
    }
    if (xlabel && *xlabel)
        text(f, (PLOT_LEFT + PLOT_RIGHT) / 2, SVG_H - 20, "middle", 14, NULL, xlabel);
    if (ylabel && *ylabel) {
        char rot[96];
        double cy = (PLOT_TOP + PLOT_BOTTOM) / 2;
        snprintf(rot, sizeof rot, "transform=\"translate(22 %.1f) rotate(-90)\"", cy);
        text(f, 0, 0, "middle", 14, rot, ylabel);
    }
}

/* ---- Histogram ---------------------------------------------------------------------------- */

typedef struct HistPlot {
    const char *title, *xlabel;
    const uint64_t *counts;
    int n_bins, log_y;
    int origin; /* the value bin 0 stands for */
} HistPlot;

static uint64_t bar_count(const HistPlot *h, int v0, int v1)
{
    uint64_t c = 0;
    for (int v = v0; v < v1 && v < h->n_bins; v++)
        c += h->counts[v];
    return c;
}

static void render_histogram(FILE *f, const void *arg)
{
    const HistPlot *h = arg;
    uint64_t total = 0;
    int used = 0, first = -1, last = -1;
    for (int v = 0; v < h->n_bins; v++) {
        if (h->counts[v]) {
            total += h->counts[v];
            used++;
            last = v;
            if (first < 0)
                first = v;
        }
    }
    /* Deep images often use a small part of their range (a 12-bit scan in 16 bits): then show
     * only the occupied values, on round limits. */
    int lo = 0, hi = h->n_bins - 1, zoomed = 0;
    if (h->n_bins > 256 && first >= 0 && (last - first + 1) * 4 < h->n_bins) {
        double span = last - first + 1, step = nice_step(span * 1.04, 8);
        double zlo = floor((first + h->origin - span * 0.02) / step) * step - h->origin;
        double zhi = ceil((last + h->origin + span * 0.02) / step) * step - h->origin;
        lo = zlo > 0 ? (int)zlo : 0;
        hi = zhi < h->n_bins - 1 ? (int)zhi : h->n_bins - 1;
        zoomed = 1;
    }
    /* Values per bar: a power of two, so bars line up with the low bits of the samples. */
    int group = 1;
    while ((hi - lo) / group + 1 > MAX_BARS)
        group *= 2;
    int start = lo / group * group, n_bars = (hi - start) / group + 1;
    int end = start + n_bars * group < h->n_bins ? start + n_bars * group : h->n_bins;
    uint64_t max_count = 0;
    for (int i = 0; i < n_bars; i++) {
        uint64_t c = bar_count(h, start + i * group, start + (i + 1) * group);
        if (c > max_count)
            max_count = c;
    }

    /* Bar i spans values [v - 0.5, v + group - 0.5] for its first value v, so a tick at a value
     * sits on the centre of that value's bar. */
    Axis x = {start + h->origin - 0.5, end + h->origin - 0.5, 0, PLOT_LEFT, PLOT_RIGHT};
    Axis y = {0, 1, h->log_y, PLOT_BOTTOM, PLOT_TOP};
    Ticks xt, yt;
    if (h->log_y) {
        y.lo = 0.5;
        y.hi = max_count ? pow(10, ceil(log10((double)max_count * 1.5))) : 10;
        log_ticks(&y, &yt);
    } else {
        double top = max_count ? (double)max_count * 1.05 : 1;
        double step = nice_step(top, 6);
        y.hi = ceil(top / step) * step;
        linear_ticks(&y, 6, &yt);
    }
    int n_values = end - start;
    linear_ticks(&x, n_values <= 16 ? n_values : 8, &xt);
    if (xt.step < 1) { /* samples are integers: label each value */
        xt.n = 0;
        for (int v = start; v < end && xt.n < MAX_TICKS; v++) {
            xt.labelled[xt.n] = 1;
            xt.v[xt.n++] = v + h->origin;
        }
        xt.step = 1;
    }

    svg_begin(f, h->title);
    char info[200];
    int len = snprintf(info, sizeof info, "%llu samples, %d of %d values used",
                       (unsigned long long)total, used, h->n_bins);
    if (zoomed && len > 0 && (size_t)len < sizeof info)
        len += snprintf(info + len, sizeof info - (size_t)len, ", showing %d..%d",
                        start + h->origin, end - 1 + h->origin);
    if (group > 1 && len > 0 && (size_t)len < sizeof info)
        snprintf(info + len, sizeof info - (size_t)len, "; each bar sums %d values", group);
    text(f, SVG_W / 2.0, 50, "middle", 12, "fill=\"#666666\"", info);
    draw_grid(f, &x, &xt, &y, &yt);

    /* All bars in one path; a hairline gap between bars when they are wide enough to show it. */
    double bar_px = (PLOT_RIGHT - PLOT_LEFT) / n_bars;
    double gap = bar_px >= 6 ? 1 : 0;
    fprintf(f, "<path fill=\"" BAR_FILL "\" stroke=\"none\" shape-rendering=\"%s\" d=\"",
            gap ? "crispEdges" : "geometricPrecision");
    for (int i = 0; i < n_bars; i++) {
        int v0 = start + i * group, v1 = v0 + group < end ? v0 + group : end;
        uint64_t c = bar_count(h, v0, v1);
        if (!c)
            continue;
        double x0 = axis_map(&x, v0 + h->origin - 0.5) + gap / 2;
        double x1 = axis_map(&x, v1 + h->origin - 0.5) - gap / 2;
        double y0 = axis_map(&y, (double)c), base = PLOT_BOTTOM;
        if (base - y0 < 0.5) /* keep non-empty bins visible */
            y0 = base - 0.5;
        fprintf(f, "M%.2f %.2fV%.2fH%.2fV%.2fZ", x0, base, y0, x1, base);
    }
    fputs("\"/>\n", f);
    draw_axes(f, &x, &xt, 0, &y, &yt, 1, h->xlabel, h->log_y ? "count (log scale)" : "count");
    fputs("</svg>\n", f);
}

int imz_plot_histogram_axis_svg(const char *path, const char *title, const char *xlabel,
                                int first_value, const uint64_t *counts, int n_bins, int log_y,
                                char *err, size_t err_len)
{
    if (!counts || n_bins <= 0 || n_bins > (1 << 24)) {
        set_err(err, err_len, "histogram needs 1 to 2^24 bins, got %d", n_bins);
        return -1;
    }
    if (first_value < -(1 << 24) || first_value > (1 << 24)) {
        set_err(err, err_len, "histogram origin %d out of range", first_value);
        return -1;
    }
    HistPlot h = {title, xlabel, counts, n_bins, log_y, first_value};
    return write_atomic(path, render_histogram, &h, err, err_len);
}

int imz_plot_histogram_svg(const char *path, const char *title, const uint64_t *counts, int n_bins,
                           int log_y, char *err, size_t err_len)
{
    return imz_plot_histogram_axis_svg(path, title, "sample value", 0, counts, n_bins, log_y, err,
                                       err_len);
}

/* ---- Line plot ---------------------------------------------------------------------------- */

typedef struct LinePlot {
    const char *title, *xlabel, *ylabel;
    const ImzPlotSeries *series;
    int n_series, log_x;
} LinePlot;

static int point_ok(const LinePlot *p, double x, double y)
{
    return isfinite(x) && isfinite(y) && (!p->log_x || x > 0);
}

/* Data range of one coordinate over all usable points; returns 0 if there are none. */
static int data_range(const LinePlot *p, int use_y, double *lo, double *hi)
{
    int any = 0;
    for (int s = 0; s < p->n_series; s++) {
        const ImzPlotSeries *ser = &p->series[s];
        for (int i = 0; i < ser->n; i++) {
            if (!point_ok(p, ser->x[i], ser->y[i]))
                continue;
            double v = use_y ? ser->y[i] : ser->x[i];
            if (!any || v < *lo)
                *lo = v;
            if (!any || v > *hi)
                *hi = v;
            any = 1;
        }
    }
    return any;
}

static void fit_linear(Axis *a, double lo, double hi, int target)
{
    if (hi - lo <= fabs(hi) * 1e-12) { /* one value: centre it */
        double d = lo ? fabs(lo) * 0.1 : 1;
        lo -= d;
        hi += d;
    }
    double pad = (hi - lo) * 0.04;
    double step = nice_step(hi - lo + 2 * pad, target);
    a->lo = floor((lo - pad) / step) * step;
    a->hi = ceil((hi + pad) / step) * step;
    /* Rates, sizes and PSNRs are one-signed: padding must not add a negative (positive) stretch. */
    if (lo >= 0 && a->lo < 0)
        a->lo = 0;
    if (hi <= 0 && a->hi > 0)
        a->hi = 0;
}

typedef struct Box {
    double x0, y0, x1, y1;
} Box;

static int in_box(const Box *b, double x, double y)
{
    return x >= b->x0 && x <= b->x1 && y >= b->y0 && y <= b->y1;
}

/* Counts how much of the plotted data a legend box at b would cover (points and segment
 * samples), so the legend goes where it hides least. */
static int legend_cover(const LinePlot *p, const Axis *x, const Axis *y, const Box *b)
{
    int hits = 0;
    for (int s = 0; s < p->n_series; s++) {
        const ImzPlotSeries *ser = &p->series[s];
        int have_prev = 0;
        double px0 = 0, py0 = 0;
        for (int i = 0; i < ser->n; i++) {
            if (!point_ok(p, ser->x[i], ser->y[i])) {
                have_prev = 0;
                continue;
            }
            double px = axis_map(x, ser->x[i]), py = axis_map(y, ser->y[i]);
            hits += 4 * in_box(b, px, py);
            if (have_prev)
                for (int k = 1; k < 8; k++)
                    hits += in_box(b, px0 + (px - px0) * k / 8, py0 + (py - py0) * k / 8);
            px0 = px;
            py0 = py;
            have_prev = 1;
        }
    }
    return hits;
}

static void render_lines(FILE *f, const void *arg)
{
    const LinePlot *p = arg;
    Axis x = {0, 1, p->log_x, PLOT_LEFT, PLOT_RIGHT};
    Axis y = {0, 1, 0, PLOT_BOTTOM, PLOT_TOP};
    double lo = 0, hi = 1;
    if (data_range(p, 0, &lo, &hi)) {
        if (p->log_x) {
            double l0 = log10(lo), l1 = log10(hi);
            double pad = (l1 - l0) > 0 ? (l1 - l0) * 0.04 : 0.5;
            x.lo = pow(10, l0 - pad);
            x.hi = pow(10, l1 + pad);
        } else {
            fit_linear(&x, lo, hi, 8);
        }
    } else if (p->log_x) {
        x.lo = 1;
        x.hi = 10;
    }
    if (data_range(p, 1, &lo, &hi))
        fit_linear(&y, lo, hi, 6);
    Ticks xt, yt;
    if (p->log_x)
        log_ticks(&x, &xt);
    else
        linear_ticks(&x, 8, &xt);
    linear_ticks(&y, 6, &yt);

    svg_begin(f, p->title);
    draw_grid(f, &x, &xt, &y, &yt);
    draw_axes(f, &x, &xt, 0, &y, &yt, 0, p->xlabel, p->ylabel);

    for (int s = 0; s < p->n_series; s++) {
        const ImzPlotSeries *ser = &p->series[s];
        const char *colour = palette[s % (int)(sizeof palette / sizeof *palette)];
        /* One polyline per run of usable points. */
        int open = 0;
        for (int i = 0; i <= ser->n; i++) {
            int ok = i < ser->n && point_ok(p, ser->x[i], ser->y[i]);
            if (ok && !open) {
                fprintf(f,
                        "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                        "stroke-linejoin=\"round\" points=\"",
                        colour);
                open = 1;
            } else if (!ok && open) {
                fputs("\"/>\n", f);
                open = 0;
            }
            if (ok)
                fprintf(f, "%.2f,%.2f ", axis_map(&x, ser->x[i]), axis_map(&y, ser->y[i]));
        }
        if (ser->n <= 60) {
            fprintf(f, "<g fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"1\">\n", colour);
            for (int i = 0; i < ser->n; i++)
                if (point_ok(p, ser->x[i], ser->y[i]))
                    fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"3.5\"/>\n",
                            axis_map(&x, ser->x[i]), axis_map(&y, ser->y[i]));
            fputs("</g>\n", f);
        }
    }

    /* Legend: entries with a name, in the least crowded corner of the plot area. */
    int n_named = 0;
    size_t longest = 0;
    for (int s = 0; s < p->n_series; s++) {
        const char *name = p->series[s].name;
        if (name && *name) {
            n_named++;
            if (strlen(name) > longest)
                longest = strlen(name);
        }
    }
    if (n_named) {
        double bw = 44 + 7.2 * (double)longest, bh = 10 + 20.0 * n_named, inset = 10;
        Box corners[4] = {
            {PLOT_RIGHT - inset - bw, PLOT_TOP + inset, PLOT_RIGHT - inset, PLOT_TOP + inset + bh},
            {PLOT_LEFT + inset, PLOT_TOP + inset, PLOT_LEFT + inset + bw, PLOT_TOP + inset + bh},
            {PLOT_LEFT + inset, PLOT_BOTTOM - inset - bh, PLOT_LEFT + inset + bw,
             PLOT_BOTTOM - inset},
            {PLOT_RIGHT - inset - bw, PLOT_BOTTOM - inset - bh, PLOT_RIGHT - inset,
             PLOT_BOTTOM - inset},
        };
        int best = 0, best_hits = -1;
        for (int c = 0; c < 4; c++) {
            int hits = legend_cover(p, &x, &y, &corners[c]);
            if (best_hits < 0 || hits < best_hits) {
                best = c;
                best_hits = hits;
            }
        }
        const Box *b = &corners[best];
        fprintf(f,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" "
                "fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#cccccc\"/>\n",
                b->x0, b->y0, bw, bh);
        int row = 0;
        for (int s = 0; s < p->n_series; s++) {
            const char *name = p->series[s].name;
            if (!name || !*name)
                continue;
            const char *colour = palette[s % (int)(sizeof palette / sizeof *palette)];
            double cy = b->y0 + 15 + 20.0 * row++;
            fprintf(f,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                    "stroke-width=\"2\"/>\n",
                    b->x0 + 8, cy, b->x0 + 32, cy, colour);
            fprintf(f,
                    "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\" stroke=\"#ffffff\"/>\n",
                    b->x0 + 20, cy, colour);
            text(f, b->x0 + 38, cy + 4, "start", 12, NULL, name);
        }
    }
    fputs("</svg>\n", f);
}

int imz_plot_lines_svg(const char *path, const char *title, const char *xlabel, const char *ylabel,
                       const ImzPlotSeries *series, int n_series, int log_x, char *err,
                       size_t err_len)
{
    if (n_series < 0 || (n_series && !series)) {
        set_err(err, err_len, "invalid series list");
        return -1;
    }
    for (int s = 0; s < n_series; s++)
        if (series[s].n < 0 || (series[s].n && (!series[s].x || !series[s].y))) {
            set_err(err, err_len, "series %d has no data arrays", s);
            return -1;
        }
    LinePlot p = {title, xlabel, ylabel, series, n_series, log_x};
    return write_atomic(path, render_lines, &p, err, err_len);
}
