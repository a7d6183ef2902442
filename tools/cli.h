// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// What the imz subcommands share: the argument scanner, the two error formats (file errors and
// usage errors), whole-file input with a size cap, crash-safe output (temporary file in the target
// directory, fsync, rename; removed on error or on SIGINT/SIGTERM), loading any readable image, and
// checking codec options against the codec's own option table before any work is done.

#ifndef IMZ_TOOLS_CLI_H
#define IMZ_TOOLS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "imageio/imageio.h"
#include "imz.h"

enum { IMZ_EXIT_OK = 0, IMZ_EXIT_FAIL = 1, IMZ_EXIT_USAGE = 2 };

/** Inputs larger than this are refused before they are read (the whole file is held in memory). */
#define IMZ_CLI_MAX_INPUT ((uint64_t)4 << 30)

#if defined(__GNUC__)
#define IMZ_CLI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define IMZ_CLI_PRINTF(f, a)
#endif

/* ---- Subcommands (each returns an IMZ_EXIT_* code) ---------------------------------------- */

int imz_cmd_encode(int argc, char **argv);
int imz_cmd_decode(int argc, char **argv);
int imz_cmd_info(int argc, char **argv);
int imz_cmd_codecs(int argc, char **argv);
int imz_cmd_compare(int argc, char **argv);
int imz_cmd_analyze(int argc, char **argv);
int imz_cmd_gen(int argc, char **argv);
int imz_cmd_bench(int argc, char **argv);
int imz_cmd_dct_basis(int argc, char **argv);

/* ---- Messages ------------------------------------------------------------------------------ */

/** Prints "imz: error: <file>: <reason>" as one line on stderr; returns IMZ_EXIT_FAIL. */
int imz_cli_error(const char *file, const char *fmt, ...) IMZ_CLI_PRINTF(2, 3);
/** Prints "imz: error: <reason>" and "Try 'imz <cmd> --help'."; returns IMZ_EXIT_USAGE. */
int imz_cli_usage_error(const char *cmd, const char *fmt, ...) IMZ_CLI_PRINTF(2, 3);
/** The name shown for a path in messages ("<stdin>"/"<stdout>" for "-"). */
const char *imz_cli_display_name(const char *path, int is_output);

/* ---- Memory -------------------------------------------------------------------------------- */

/** Allocates size bytes for the command line's buffers (large ones on huge pages where the system
 * has them); NULL when out of memory. Freed with imz_cli_free, never with free. */
void *imz_cli_alloc(size_t size);
void imz_cli_free(void *ptr);
/** imz_cli_alloc(new_size), the first min(old_size, new_size) bytes copied, ptr freed. */
void *imz_cli_realloc(void *ptr, size_t old_size, size_t new_size);
/** The same allocator for contexts, so that codec buffers get it too. */
extern const ImzAllocator imz_cli_allocator;

/* ---- Argument scanning --------------------------------------------------------------------- */

/**
 * Walks argv[1..] of a subcommand. Options and positional arguments may be mixed; "--" ends the
 * options and "-" is positional. "--name=value" and "--name value" are both accepted.
 * Loop with imz_args_next; for each argument test a.opt, then try the imz_args_* matchers in turn
 * (each returns 1 when the option is theirs). After the loop, a.help asks for the usage text and
 * a.error is the exit status of a usage error already printed.
 */
typedef struct ImzArgs {
    int argc, i;
    char **argv;
    const char *cmd;        /**< subcommand name for usage messages */
    const char *arg;        /**< current argument */
    const char *inline_val; /**< the value after '=' of a "--name=value" argument, or NULL */
    char name[64];          /**< current option name without the "=value" part */
    int opt;                /**< 1 if the current argument is an option */
    int only_positional;
    int error; /**< IMZ_EXIT_USAGE once a usage error was printed, else 0 */
    int help;  /**< set when -h/--help was seen (the scan stops there) */
} ImzArgs;

void imz_args_init(ImzArgs *a, int argc, char **argv, const char *cmd);
/** Advances to the next argument; 0 at the end, after an error, or after -h/--help. */
int imz_args_next(ImzArgs *a);
/** 1 if the current option is `shrt` or `lng` (either may be NULL) and takes no value. */
int imz_args_flag(ImzArgs *a, const char *shrt, const char *lng);
/** 1 if the current option matches; *val receives its value (a usage error if it is missing). */
int imz_args_str(ImzArgs *a, const char *shrt, const char *lng, const char **val);
/** As imz_args_str, then parses a whole number in [min, max] into *val. */
int imz_args_int(ImzArgs *a, const char *shrt, const char *lng, long min, long max, long *val);
/** As imz_args_int for an unsigned 64-bit count. */
int imz_args_u64(ImzArgs *a, const char *shrt, const char *lng, uint64_t *val);
/** Reports the current argument as an unknown option; returns IMZ_EXIT_USAGE. */
int imz_args_unknown(ImzArgs *a);
/** Fetches the value of the current option whatever its name (for codec options). */
const char *imz_args_value(ImzArgs *a);

/** Parses a whole decimal number into *out; 1 on success (no trailing characters). */
int imz_cli_parse_long(const char *s, long *out);
/** Parses a finite decimal number into *out; 1 on success. */
int imz_cli_parse_double(const char *s, double *out);

/* ---- Options shared by most subcommands ---------------------------------------------------- */

typedef struct ImzCommonOpts {
    int force, quiet, verbose;
    long threads;        /**< -1 = library default */
    uint64_t max_pixels; /**< 0 = library default */
} ImzCommonOpts;

void imz_common_init(ImzCommonOpts *o);
/**
 * Handles -f/--force, -v/--verbose, --quiet (and -q when quiet_short), -j/--threads,
 * --max-pixels. Returns 1 if the current option was one of them.
 */
int imz_common_parse(ImzArgs *a, ImzCommonOpts *o, int quiet_short);
/** Creates a context with the limits and thread count of o; prints the error and returns NULL. */
ImzContext *imz_cli_context(const ImzCommonOpts *o);

/* ---- encode's command line ---------------------------------------------------------------- */

#define IMZ_CLI_MAX_CODEC_OPTS 32

/** The parsed command line of `imz encode` (one IN OUT pair, or -r DIR --out DIR2). */
typedef struct ImzEncodeArgs {
    ImzCommonOpts co;
    ImzCodecInfo info; /**< the codec, looked up and its options checked */
    ImzOption opts[IMZ_CLI_MAX_CODEC_OPTS];
    char names[IMZ_CLI_MAX_CODEC_OPTS][64];
    int n_opts;
    const char *in, *out;        /**< single-file mode */
    const char *dir, *out_dir;   /**< batch mode (-r DIR --out DIR2) */
    int help;                    /**< -h/--help was given */
    /** A standard format (-c jpeg|png|webp) written instead of .imz, with its settings
     *  (-1 = the format's default); see imageio/std_encode.h. */
    const char *std_codec;
    int std_quality, std_level, std_lossless, std_progressive;
} ImzEncodeArgs;

/**
 * Parses and validates encode's arguments without touching any file: codec name, codec options
 * against the codec's table, the positional arguments. Prints a usage error and returns its exit
 * status, or returns 0 (with e->help set when the usage text was asked for).
 */
int imz_encode_parse_args(int argc, char **argv, ImzEncodeArgs *e);

/* ---- Files --------------------------------------------------------------------------------- */

/** Installs the SIGINT/SIGTERM/SIGHUP handlers that remove an unfinished output file. */
void imz_cli_install_signals(void);

/** Reads a whole file ("-" = stdin) into *data (free with imz_cli_free); prints the error and returns 1.
 */
int imz_cli_read_file(const char *path, uint8_t **data, size_t *len);

/**
 * Checks that `path` may be written: refuses a path that is the same file as one of `inputs`
 * (always), an existing path unless force, and a directory. "-" is always writable.
 * Prints the error and returns 1 on refusal.
 */
int imz_cli_check_output(const char *path, int force, const char *const *inputs, int n_inputs);

/**
 * Writes len bytes to path ("-" = stdout) safely: re-runs imz_cli_check_output, writes a temporary
 * file "<dir>/.<name>.XXXXXX", fsyncs it and renames it over path. The temporary file is removed on
 * any failure and by the signal handlers. Prints the error and returns 1 on failure.
 */
int imz_cli_write_file(const char *path, const void *data, size_t len, int force,
                       const char *const *inputs, int n_inputs);

/**
 * Creates a temporary file next to `path` for a writer that takes a path (e.g. the SVG plots):
 * fills tmp (tmp_len bytes) with its name and registers it for removal on signals. Finish with
 * imz_cli_temp_commit (rename into place) or imz_cli_temp_abort. Returns 0 or prints and returns 1.
 */
int imz_cli_temp_create(const char *path, char *tmp, size_t tmp_len);
int imz_cli_temp_commit(const char *tmp, const char *path, int force);
void imz_cli_temp_abort(const char *tmp);

/* ---- Images -------------------------------------------------------------------------------- */

/** A decoded input image and where it came from. */
typedef struct ImzLoaded {
    ImzImage img;
    ImzFileFormat format;
    size_t file_bytes;
} ImzLoaded;

/** Reads and decodes any PNG/JPEG/PNM/PAM/.imz file ("-" = stdin). Prints errors; returns 0 or 1.
 */
int imz_cli_load_image(ImzContext *ctx, const char *path, ImzLoaded *out);
/** Decodes an image held in memory, as imz_cli_load_image does after reading. */
int imz_cli_decode_bytes(ImzContext *ctx, const char *path, const uint8_t *data, size_t len,
                         ImzLoaded *out);

/** Encodes img as fmt (PNG/PNM/PAM) and writes it safely; prints errors; returns 0 or 1. */
int imz_cli_save_image(const ImzImage *img, ImzFileFormat fmt, const char *path, int force,
                       const char *const *inputs, int n_inputs);

/** Name of a file format ("png", "jpeg", "pnm", "pam", "imz", "unknown"). */
const char *imz_cli_format_name(ImzFileFormat fmt);
/** Output format for --format NAME; IMZ_FMT_UNKNOWN if the name is not png/pnm/pam. */
ImzFileFormat imz_cli_parse_format(const char *name);

/** Raw size of an image in bytes: w*h*channels*(depth > 8 ? 2 : 1). */
uint64_t imz_cli_raw_bytes(const ImzImage *img);

/** Monotonic time in milliseconds. */
double imz_cli_now_ms(void);

/* ---- Codec options ------------------------------------------------------------------------- */

/**
 * Checks codec options given on the command line against the codec's table: unknown names,
 * non-numeric or out-of-range values and unknown choice names are usage errors that list the
 * codec's options. Returns 0 or the printed usage error's exit code.
 */
int imz_cli_check_codec_options(const char *cmd, const ImzCodecInfo *info, const ImzOption *opts,
                                int n_opts);
/** Looks up a codec by name; on failure prints a usage error listing the codecs; -1. */
int imz_cli_find_codec(const char *cmd, const char *name, ImzCodecInfo *info);
/** Writes "left|up|..." or "0..9" for an option into buf. */
void imz_cli_option_range(const ImzOptionInfo *o, char *buf, size_t len);
/** Writes an option's default (the choice name for choice options) into buf. */
void imz_cli_option_default(const ImzOptionInfo *o, char *buf, size_t len);

/* ---- Output formatting ---------------------------------------------------------------------- */

/** Writes a JSON string literal (with quotes and escapes) to f. */
void imz_cli_json_string(FILE *f, const char *s);

#endif
