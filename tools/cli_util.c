// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Shared machinery of the imz subcommands: argument scanning, error messages, whole-file input,
// crash-safe output and codec option checks (see cli.h). Output never goes straight to its final
// name: a half-written file must not be mistaken for a good one, so each output is written to a
// temporary file in the same directory and renamed only once it is complete and synced.

#define _XOPEN_SOURCE 700

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ---- Messages ------------------------------------------------------------------------------ */

/* Library and imageio reasons are meant to be one line; make sure of it. */
static void print_one_line(const char *s)
{
    for (; *s; s++)
        fputc((unsigned char)*s < 0x20 ? ' ' : *s, stderr);
}

const char *imz_cli_display_name(const char *path, int is_output)
{
    if (!strcmp(path, "-"))
        return is_output ? "<stdout>" : "<stdin>";
    return path;
}

int imz_cli_error(const char *file, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fputs("imz: error: ", stderr);
    if (file) {
        print_one_line(file);
        fputs(": ", stderr);
    }
    print_one_line(msg);
    fputc('\n', stderr);
    return IMZ_EXIT_FAIL;
}

int imz_cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "imz: error: %s\n", msg);
    if (cmd)
        fprintf(stderr, "Try 'imz %s --help'.\n", cmd);
    else
        fputs("Try 'imz --help'.\n", stderr);
    return IMZ_EXIT_USAGE;
}

/* ---- Argument scanning --------------------------------------------------------------------- */

void imz_args_init(ImzArgs *a, int argc, char **argv, const char *cmd)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->cmd = cmd;
    a->i = 0;
}

int imz_args_next(ImzArgs *a)
{
    if (a->error || a->help)
        return 0;
    for (;;) {
        if (++a->i >= a->argc)
            return 0;
        a->arg = a->argv[a->i];
        a->inline_val = NULL;
        a->opt = 0;
        a->name[0] = '\0';
        if (a->only_positional || a->arg[0] != '-' || !a->arg[1])
            return 1;
        if (!strcmp(a->arg, "--")) {
            a->only_positional = 1;
            continue;
        }
        break;
    }
    a->opt = 1;
    size_t n = strlen(a->arg);
    const char *eq = a->arg[1] == '-' ? strchr(a->arg, '=') : NULL;
    if (eq) {
        n = (size_t)(eq - a->arg);
        a->inline_val = eq + 1;
    }
    if (n >= sizeof a->name)
        n = sizeof a->name - 1;
    memcpy(a->name, a->arg, n);
    a->name[n] = '\0';
    if (!strcmp(a->name, "-h") || !strcmp(a->name, "--help")) {
        a->help = 1;
        return 0;
    }
    return 1;
}

static int matches(const ImzArgs *a, const char *shrt, const char *lng)
{
    return a->opt && ((shrt && !strcmp(a->name, shrt)) || (lng && !strcmp(a->name, lng)));
}

int imz_args_flag(ImzArgs *a, const char *shrt, const char *lng)
{
    if (!matches(a, shrt, lng))
        return 0;
    if (a->inline_val)
        a->error = imz_cli_usage_error(a->cmd, "option '%s' takes no value", a->name);
    return 1;
}

const char *imz_args_value(ImzArgs *a)
{
    if (a->inline_val)
        return a->inline_val;
    if (a->i + 1 < a->argc)
        return a->argv[++a->i];
    a->error = imz_cli_usage_error(a->cmd, "option '%s' needs a value", a->name);
    return NULL;
}

int imz_args_str(ImzArgs *a, const char *shrt, const char *lng, const char **val)
{
    if (!matches(a, shrt, lng))
        return 0;
    const char *v = imz_args_value(a);
    if (v)
        *val = v;
    return 1;
}

int imz_args_int(ImzArgs *a, const char *shrt, const char *lng, long min, long max, long *val)
{
    if (!matches(a, shrt, lng))
        return 0;
    const char *v = imz_args_value(a);
    if (!v)
        return 1;
    long x;
    if (!imz_cli_parse_long(v, &x))
        a->error =
            imz_cli_usage_error(a->cmd, "option '%s' needs a whole number, not '%s'", a->name, v);
    else if (x < min || x > max)
        a->error = imz_cli_usage_error(a->cmd, "option '%s' must be in %ld..%ld, not %ld", a->name,
                                       min, max, x);
    else
        *val = x;
    return 1;
}

int imz_args_u64(ImzArgs *a, const char *shrt, const char *lng, uint64_t *val)
{
    if (!matches(a, shrt, lng))
        return 0;
    const char *v = imz_args_value(a);
    if (!v)
        return 1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || errno || v[0] == '-' || v[0] == '+' || v[0] == ' ')
        a->error =
            imz_cli_usage_error(a->cmd, "option '%s' needs a whole number, not '%s'", a->name, v);
    else
        *val = (uint64_t)x;
    return 1;
}

int imz_args_unknown(ImzArgs *a)
{
    a->error = imz_cli_usage_error(a->cmd, "unknown option '%s'", a->name);
    return a->error;
}

int imz_cli_parse_long(const char *s, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || *s == ' ')
        return 0;
    *out = v;
    return 1;
}

int imz_cli_parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v) || *s == ' ')
        return 0;
    *out = v;
    return 1;
}

void imz_common_init(ImzCommonOpts *o)
{
    memset(o, 0, sizeof *o);
    o->threads = -1;
}

int imz_common_parse(ImzArgs *a, ImzCommonOpts *o, int quiet_short)
{
    if (imz_args_flag(a, "-f", "--force"))
        o->force = 1;
    else if (imz_args_flag(a, "-v", "--verbose"))
        o->verbose = 1;
    else if (imz_args_flag(a, quiet_short ? "-q" : NULL, "--quiet"))
        o->quiet = 1;
    else if (imz_args_int(a, "-j", "--threads", 0, 1024, &o->threads))
        ;
    else if (imz_args_u64(a, NULL, "--max-pixels", &o->max_pixels))
        ;
    else
        return 0;
    return 1;
}

ImzContext *imz_cli_context(const ImzCommonOpts *o)
{
    ImzContext *ctx = NULL;
    int st = imz_context_create(&ctx, &imz_cli_allocator);
    if (st != IMZ_OK) {
        imz_cli_error(NULL, "cannot create a context: %s", imz_strerror(st));
        return NULL;
    }
    if (o->max_pixels)
        imz_set_max_pixels(ctx, o->max_pixels);
    if (o->threads >= 0)
        imz_set_threads(ctx, (int)o->threads);
    return ctx;
}

/* ---- Signals and temporary files ----------------------------------------------------------- */

/* The one temporary output that exists right now, for the signal handler to remove. The path is
 * written only while signals are blocked, so the handler never sees it half-written. */
static char tmp_path[4096];
static volatile sig_atomic_t tmp_active;

static void on_signal(int sig)
{
    int saved = errno;
    if (tmp_active)
        unlink(tmp_path);
    /* SA_RESETHAND restored the default action: re-raise so the exit status shows the signal. */
    raise(sig);
    errno = saved;
}

static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void imz_cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++) {
        struct sigaction old;
        /* Keep a signal ignored if the parent ignored it (e.g. nohup). */
        if (sigaction(caught_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(caught_signals[i], &sa, NULL);
    }
}

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof caught_signals / sizeof caught_signals[0]; i++)
        sigaddset(&set, caught_signals[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

static void forget_temp(void)
{
    sigset_t old;
    block_signals(&old);
    tmp_active = 0;
    tmp_path[0] = '\0';
    restore_signals(&old);
}

int imz_cli_temp_create(const char *path, char *tmp, size_t tmp_len)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dir_len = slash ? (int)(slash - path) : 1;
    const char *dir = slash ? path : ".";
    if (!*base)
        return imz_cli_error(path, "is a directory");
    if (slash == path)
        dir_len = 0; /* "/name": the directory is the root */
    int n = snprintf(tmp, tmp_len, "%.*s/.%s.XXXXXX", dir_len, dir, base);
    if (n < 0 || (size_t)n >= tmp_len || (size_t)n >= sizeof tmp_path)
        return imz_cli_error(path, "path is too long");

    sigset_t old;
    block_signals(&old);
    if (tmp_active) {
        restore_signals(&old);
        return imz_cli_error(path, "internal error: two temporary files at once");
    }
    memcpy(tmp_path, tmp, (size_t)n + 1);
    int fd = mkstemp(tmp_path);
    int err = errno;
    if (fd >= 0)
        tmp_active = 1;
    memcpy(tmp, tmp_path, (size_t)n + 1);
    restore_signals(&old);
    if (fd < 0)
        return imz_cli_error(path, "cannot create a temporary file: %s", strerror(err));

    /* mkstemp makes the file 0600; give it the mode a plain create would. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0 || close(fd) != 0) {
        err = errno;
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "%s", strerror(err));
    }
    return 0;
}

void imz_cli_temp_abort(const char *tmp)
{
    unlink(tmp);
    forget_temp();
}

static void sync_dir_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some filesystems refuse fsync on directories */
        close(fd);
    }
}

int imz_cli_temp_commit(const char *tmp, const char *path, int force)
{
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "%s", strerror(err));
    }
    close(fd);
    if (force) {
        if (rename(tmp, path) != 0) {
            int err = errno;
            imz_cli_temp_abort(tmp);
            return imz_cli_error(path, "%s", strerror(err));
        }
    } else {
        /* link() fails if path appeared since the check, so an existing file is never replaced
         * without -f; filesystems without hard links fall back to check-then-rename. */
        if (link(tmp, path) == 0) {
            unlink(tmp);
        } else if (errno == EEXIST) {
            imz_cli_temp_abort(tmp);
            return imz_cli_error(path, "already exists (use -f to overwrite)");
        } else {
            struct stat st;
            if (lstat(path, &st) == 0) {
                imz_cli_temp_abort(tmp);
                return imz_cli_error(path, "already exists (use -f to overwrite)");
            }
            if (rename(tmp, path) != 0) {
                int err = errno;
                imz_cli_temp_abort(tmp);
                return imz_cli_error(path, "%s", strerror(err));
            }
        }
    }
    forget_temp();
    sync_dir_of(path);
    return 0;
}

/* ---- Files --------------------------------------------------------------------------------- */

int imz_cli_read_file(const char *path, uint8_t **data, size_t *len)
{
    const int is_stdin = !strcmp(path, "-");
    const char *name = imz_cli_display_name(path, 0);
    int fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY);
    if (fd < 0)
        return imz_cli_error(name, "%s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        if (!is_stdin)
            close(fd);
        return imz_cli_error(name, "%s", strerror(err));
    }
    if (S_ISDIR(st.st_mode)) {
        if (!is_stdin)
            close(fd);
        return imz_cli_error(name, "is a directory");
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > IMZ_CLI_MAX_INPUT) {
        if (!is_stdin)
            close(fd);
        return imz_cli_error(name, "file is larger than 4 GiB, the limit for input files");
    }

    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : (size_t)1 << 16;
    size_t n = 0;
    uint8_t *buf = imz_cli_alloc(cap);
    int err = buf ? 0 : ENOMEM;
    while (!err) {
        if (n == cap) {
            if ((uint64_t)cap > IMZ_CLI_MAX_INPUT) {
                imz_cli_free(buf);
                if (!is_stdin)
                    close(fd);
                return imz_cli_error(name, "input is larger than 4 GiB, the limit for inputs");
            }
            size_t ncap = cap * 2;
            uint8_t *nb = imz_cli_realloc(buf, n, ncap);
            if (!nb) {
                err = ENOMEM;
                break;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
        } else if (r == 0) {
            break;
        } else {
            n += (size_t)r;
        }
    }
    if (!is_stdin)
        close(fd);
    if (err) {
        imz_cli_free(buf);
        return imz_cli_error(name, "%s", strerror(err));
    }
    if ((uint64_t)n > IMZ_CLI_MAX_INPUT) {
        imz_cli_free(buf);
        return imz_cli_error(name, "input is larger than 4 GiB, the limit for inputs");
    }
    *data = buf;
    *len = n;
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n > ((size_t)1 << 30) ? (size_t)1 << 30 : n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int imz_cli_check_output(const char *path, int force, const char *const *inputs, int n_inputs)
{
    if (!strcmp(path, "-"))
        return 0;
    struct stat out;
    if (stat(path, &out) != 0) {
        if (errno != ENOENT)
            return imz_cli_error(path, "%s", strerror(errno));
        struct stat st; /* a dangling symlink: rename would replace the link itself */
        if (lstat(path, &st) == 0 && !force)
            return imz_cli_error(path, "already exists (use -f to overwrite)");
        /* Fail now, not after a long encode, if the directory is missing. */
        const char *slash = strrchr(path, '/');
        if (slash && slash != path) {
            char dir[4096];
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
            if (stat(dir, &st) != 0)
                return imz_cli_error(path, "%s", strerror(errno));
            if (!S_ISDIR(st.st_mode))
                return imz_cli_error(path, "%s", strerror(ENOTDIR));
        }
        return 0;
    }
    for (int i = 0; i < n_inputs; i++) {
        struct stat in;
        int ok = !strcmp(inputs[i], "-") ? fstat(STDIN_FILENO, &in) : stat(inputs[i], &in);
        if (ok == 0 && in.st_dev == out.st_dev && in.st_ino == out.st_ino)
            return imz_cli_error(path, "is the same file as the input %s",
                                 imz_cli_display_name(inputs[i], 0));
    }
    if (S_ISDIR(out.st_mode))
        return imz_cli_error(path, "is a directory");
    if (!force)
        return imz_cli_error(path, "already exists (use -f to overwrite)");
    return 0;
}

int imz_cli_write_file(const char *path, const void *data, size_t len, int force,
                       const char *const *inputs, int n_inputs)
{
    if (!strcmp(path, "-")) {
        if (isatty(STDOUT_FILENO))
            return imz_cli_error("<stdout>", "refusing to write binary data to a terminal");
        if (write_all(STDOUT_FILENO, data, len) != 0)
            return imz_cli_error("<stdout>", "%s", strerror(errno));
        return 0;
    }
    if (imz_cli_check_output(path, force, inputs, n_inputs))
        return IMZ_EXIT_FAIL;
    char tmp[4096];
    if (imz_cli_temp_create(path, tmp, sizeof tmp))
        return IMZ_EXIT_FAIL;
    int fd = open(tmp, O_WRONLY | O_TRUNC);
    if (fd < 0 || write_all(fd, data, len) != 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "%s", strerror(err));
    }
    if (close(fd) != 0) {
        int err = errno;
        imz_cli_temp_abort(tmp);
        return imz_cli_error(path, "%s", strerror(err));
    }
    return imz_cli_temp_commit(tmp, path, force);
}

/* ---- Images -------------------------------------------------------------------------------- */

int imz_cli_decode_bytes(ImzContext *ctx, const char *path, const uint8_t *data, size_t len,
                         ImzLoaded *out)
{
    const char *name = imz_cli_display_name(path, 0);
    memset(out, 0, sizeof *out);
    out->file_bytes = len;
    if (len == 0)
        return imz_cli_error(name, "empty file");
    out->format = imz_sniff_format(data, len);
    if (out->format == IMZ_FMT_UNKNOWN)
        return imz_cli_error(name, "not a recognised image (expected PNG, JPEG, PNM, PAM or .imz)");
    if (out->format == IMZ_FMT_IMZ) {
        int st = imz_decode(ctx, data, len, &out->img);
        if (st != IMZ_OK) {
            const char *why = imz_last_error(ctx);
            return imz_cli_error(name, "%s", why && *why ? why : imz_strerror(st));
        }
        return 0;
    }
    char err[256] = "";
    int st = imz_read_image(ctx, data, len, &out->img, err, sizeof err);
    if (st != IMZ_OK)
        return imz_cli_error(name, "%s", *err ? err : imz_strerror(st));
    return 0;
}

int imz_cli_load_image(ImzContext *ctx, const char *path, ImzLoaded *out)
{
    uint8_t *data = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    if (imz_cli_read_file(path, &data, &len))
        return IMZ_EXIT_FAIL;
    int rc = imz_cli_decode_bytes(ctx, path, data, len, out);
    imz_cli_free(data);
    return rc;
}

int imz_cli_save_image(const ImzImage *img, ImzFileFormat fmt, const char *path, int force,
                       const char *const *inputs, int n_inputs)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256] = "";
    int st = imz_write_image_alloc(img, fmt, &imz_cli_allocator, &buf, &len, err, sizeof err);
    if (st != IMZ_OK)
        return imz_cli_error(imz_cli_display_name(path, 1), "%s", *err ? err : imz_strerror(st));
    int rc = imz_cli_write_file(path, buf, len, force, inputs, n_inputs);
    imz_cli_free(buf);
    return rc;
}

const char *imz_cli_format_name(ImzFileFormat fmt)
{
    switch (fmt) {
    case IMZ_FMT_PNG:
        return "png";
    case IMZ_FMT_JPEG:
        return "jpeg";
    case IMZ_FMT_PNM:
        return "pnm";
    case IMZ_FMT_PAM:
        return "pam";
    case IMZ_FMT_IMZ:
        return "imz";
    case IMZ_FMT_UNKNOWN:
        break;
    }
    return "unknown";
}

ImzFileFormat imz_cli_parse_format(const char *name)
{
    if (!strcmp(name, "png"))
        return IMZ_FMT_PNG;
    if (!strcmp(name, "pnm") || !strcmp(name, "ppm") || !strcmp(name, "pgm"))
        return IMZ_FMT_PNM;
    if (!strcmp(name, "pam"))
        return IMZ_FMT_PAM;
    return IMZ_FMT_UNKNOWN;
}

uint64_t imz_cli_raw_bytes(const ImzImage *img)
{
    return (uint64_t)img->width * img->height * img->channels * (img->bit_depth > 8 ? 2u : 1u);
}

double imz_cli_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- Codec options ------------------------------------------------------------------------- */

/* Whole numbers in full ("4294967295", not "4.29497e+09"), others as %g. */
static void format_number(double v, char *buf, size_t len)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%g", v);
}

void imz_cli_option_range(const ImzOptionInfo *o, char *buf, size_t len)
{
    if (o->choices) {
        size_t n = 0;
        buf[0] = '\0';
        for (int k = 0; o->choices[k] && n < len; k++) {
            int w = snprintf(buf + n, len - n, "%s%s", k ? "|" : "", o->choices[k]);
            if (w < 0)
                break;
            n += (size_t)w;
        }
    } else {
        char lo[40], hi[40];
        format_number(o->min, lo, sizeof lo);
        format_number(o->max, hi, sizeof hi);
        snprintf(buf, len, "%s..%s", lo, hi);
    }
}

void imz_cli_option_default(const ImzOptionInfo *o, char *buf, size_t len)
{
    if (o->choices) {
        int k = 0;
        while (o->choices[k] && k < (int)o->def)
            k++;
        if (o->choices[k] && k == (int)o->def) {
            snprintf(buf, len, "%s", o->choices[k]);
            return;
        }
    }
    format_number(o->def, buf, len);
}

/* "--predictor left|up|avg, --level 0..9" into buf, for error messages. */
static void list_options(const ImzCodecInfo *info, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < info->n_options && n < len; i++) {
        char range[256];
        imz_cli_option_range(&info->options[i], range, sizeof range);
        int w =
            snprintf(buf + n, len - n, "%s--%s %s", i ? ", " : "", info->options[i].name, range);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

int imz_cli_check_codec_options(const char *cmd, const ImzCodecInfo *info, const ImzOption *opts,
                                int n_opts)
{
    char valid[1024];
    list_options(info, valid, sizeof valid);
    for (int i = 0; i < n_opts; i++) {
        const ImzOptionInfo *o = NULL;
        for (int k = 0; k < info->n_options; k++)
            if (!strcmp(info->options[k].name, opts[i].name))
                o = &info->options[k];
        if (!o) {
            if (!info->n_options)
                return imz_cli_usage_error(cmd,
                                           "unknown option '--%s': codec '%s' takes no options",
                                           opts[i].name, info->name);
            return imz_cli_usage_error(cmd, "unknown option '--%s' for codec '%s' (valid: %s)",
                                       opts[i].name, info->name, valid);
        }
        const char *v = opts[i].value;
        int ok = 0;
        if (o->choices)
            for (int k = 0; o->choices[k]; k++)
                if (!strcmp(o->choices[k], v))
                    ok = 1;
        if (ok)
            continue;
        char range[256];
        imz_cli_option_range(o, range, sizeof range);
        double x;
        if (!imz_cli_parse_double(v, &x)) {
            return imz_cli_usage_error(cmd, "option '--%s' of codec '%s' takes %s, not '%s'",
                                       o->name, info->name, range, v);
        }
        if (o->is_integer && x != floor(x))
            return imz_cli_usage_error(cmd,
                                       "option '--%s' of codec '%s' takes a whole number, not '%s'",
                                       o->name, info->name, v);
        if (x < o->min || x > o->max) {
            if (o->choices) {
                char lo[40], hi[40];
                format_number(o->min, lo, sizeof lo);
                format_number(o->max, hi, sizeof hi);
                snprintf(range, sizeof range, "%s..%s", lo, hi);
            }
            return imz_cli_usage_error(cmd, "option '--%s' of codec '%s' must be in %s, not '%s'",
                                       o->name, info->name, range, v);
        }
    }
    return 0;
}

int imz_cli_find_codec(const char *cmd, const char *name, ImzCodecInfo *info)
{
    int idx = imz_codec_find(name);
    if (idx < 0 || imz_codec_info(idx, info) != IMZ_OK) {
        char names[512];
        size_t n = 0;
        names[0] = '\0';
        for (int i = 0; i < imz_codec_count() && n < sizeof names; i++) {
            ImzCodecInfo ci;
            if (imz_codec_info(i, &ci) != IMZ_OK)
                continue;
            int w = snprintf(names + n, sizeof names - n, "%s%s", n ? ", " : "", ci.name);
            if (w < 0)
                break;
            n += (size_t)w;
        }
        imz_cli_usage_error(cmd, "unknown codec '%s' (available: %s)", name, names);
        return -1;
    }
    return idx;
}

/* ---- Output formatting ---------------------------------------------------------------------- */

void imz_cli_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}
