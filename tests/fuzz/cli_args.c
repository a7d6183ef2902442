// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Fuzz target: the command line of `imz encode`. The input is split at NUL bytes into arguments
// and given to imz_encode_parse_args, which validates everything (codec, codec options, modes)
// without touching files. Usage errors are printed to stderr; the target checks that an accepted
// command line is complete and consistent.

#include <string.h>

#include "cli.h"
#include "fuzz_target.h"

#define MAX_ARGS 24

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "encode";
    for (size_t i = 0; i <= size && argc <= MAX_ARGS;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;

    ImzEncodeArgs e;
    int rc = imz_encode_parse_args(argc, argv, &e);
    FUZZ_ASSERT(rc == 0 || rc == IMZ_EXIT_USAGE);
    if (rc == 0 && !e.help) {
        FUZZ_ASSERT((e.in && e.out && !e.dir) || (e.dir && e.out_dir && !e.in));
        /* a registered codec, or a standard format (jpeg, png, webp) with its own few options */
        FUZZ_ASSERT(e.std_codec || imz_codec_find(e.info.name) >= 0);
        FUZZ_ASSERT(e.n_opts >= 0 && e.n_opts <= IMZ_CLI_MAX_CODEC_OPTS);
        for (int i = 0; i < e.n_opts && !e.std_codec; i++) {
            int known = 0;
            for (int k = 0; k < e.info.n_options; k++)
                known |= !strcmp(e.info.options[k].name, e.opts[i].name);
            FUZZ_ASSERT(known && e.opts[i].value);
        }
        if (e.std_codec)
            FUZZ_ASSERT(e.std_quality <= 100 && e.std_level <= 9);
    }
    free(buf);
    return 0;
}
