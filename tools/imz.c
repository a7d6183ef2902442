// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// The imz command-line tool: main() and the subcommand table. Each subcommand lives in its own
// cmd_*.c file and returns the process exit status: 0 success, 1 bad input or failure, 2 usage.

#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli.h"

typedef struct Command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} Command;

static const Command commands[] = {
    {"encode", imz_cmd_encode, "compress an image (PNG, JPEG, PNM, PAM) to .imz"},
    {"decode", imz_cmd_decode, "decompress .imz to PNG, PNM or PAM"},
    {"info", imz_cmd_info, "describe .imz and image files"},
    {"compare", imz_cmd_compare, "MSE, PSNR, SSIM, size and ratio of B against A"},
    {"analyze", imz_cmd_analyze, "entropy and predictor statistics of an image"},
    {"gen", imz_cmd_gen, "generate a synthetic test image"},
    {"dct-basis", imz_cmd_dct_basis, "draw the DCT-II basis images"},
    {"codecs", imz_cmd_codecs, "list the codecs and their options"},
    {"bench", imz_cmd_bench, "size, quality and speed of every codec on images"},
    {"report", imz_cmd_report, "HTML report of `imz bench --out` results"},
};

static void usage(FILE *f)
{
    fputs("Usage: imz <command> [options] [arguments]\n"
          "\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Options everywhere: -h/--help, -q/--quiet (only --quiet in encode), -v/--verbose,\n"
          "-f/--force (overwrite outputs), -j N threads, --max-pixels N. '-' is stdin/stdout.\n"
          "Exit status: 0 success, 1 bad input or failure, 2 usage error.\n"
          "Run 'imz <command> --help' for a command's options.\n",
          f);
}

int main(int argc, char **argv)
{
    imz_cli_install_signals();
    if (argc < 2) {
        usage(stderr);
        return IMZ_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return IMZ_EXIT_OK;
    }
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        printf("imz %s\n", imz_version_string());
        return IMZ_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(cmd, commands[i].name)) {
            int rc = commands[i].run(argc - 1, argv + 1);
            if (fflush(stdout) != 0 && rc == IMZ_EXIT_OK)
                rc = imz_cli_error("<stdout>", "write failed");
            return rc;
        }
    if (cmd[0] == '-')
        return imz_cli_usage_error(NULL, "unknown option '%s'", cmd);
    return imz_cli_usage_error(NULL, "unknown command '%s'", cmd);
}
