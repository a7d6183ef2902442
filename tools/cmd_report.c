// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// `imz report`: turns the results of `imz bench --out DIR` into one self-contained HTML file that
// needs no network: rate-distortion curves, BD-rate and lossless tables, a speed chart and an image
// comparison view, drawn by the page's own script from the embedded results. The JSON is embedded
// as it is, so the tool needs no JSON parser: it only finds the crop files the JSON names
// ("crops/...png") and inlines them as base64 data URLs.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "cli.h"
#include "report_html.h"

static void report_usage(void)
{
    printf("Usage: imz report [options] RESULTS\n"
           "Writes one self-contained HTML page (no network access needed) from the results of\n"
           "`imz bench --out DIR`: RESULTS is that DIR or its results.json. The page shows the\n"
           "rate-distortion curves (hover for values), BD-rate and lossless tables, a speed chart\n"
           "and the decoded crops side by side or with a slider, zoomable to single pixels.\n"
           "\n"
           "Options:\n"
           "  -o, --out FILE   the HTML file to write (default report.html)\n"
           "  -f, --force      overwrite FILE\n"
           "  -h, --help       show this help\n");
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(FILE *f, const uint8_t *p, size_t n)
{
    char quad[4];
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        quad[0] = b64[v >> 18 & 63];
        quad[1] = b64[v >> 12 & 63];
        quad[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
        quad[3] = i + 2 < n ? b64[v & 63] : '=';
        fwrite(quad, 1, 4, f);
    }
}

/* The JSON inside a <script> element: "</" would end it early, so it is written "<\/". */
static void put_script_text(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '<' && i + 1 < n && s[i + 1] == '/')
            fputs("<\\", f);
        else
            fputc(s[i], f);
    }
}

/* Every crop file the results name, once each, inlined as a data URL. */
static int put_crops(FILE *f, const char *json, const char *base)
{
    const char *p = json;
    int first = 1, missing = 0;
    fputs("const CROPS = {", f);
    while ((p = strstr(p, "\"crops/"))) {
        const char *s = p + 1, *e = strchr(s, '"');
        if (!e)
            break;
        size_t n = (size_t)(e - s);
        const char *start = p;
        p = e + 1;
        char name[256], quoted[260], path[4400];
        if (n >= sizeof name || n < 5 || memcmp(e - 4, ".png", 4))
            continue;
        memcpy(name, s, n);
        name[n] = '\0';
        /* A crop may be named more than once; it is written where it is first named. */
        snprintf(quoted, sizeof quoted, "\"%s\"", name);
        if (strstr(json, quoted) != start)
            continue;
        snprintf(path, sizeof path, "%s/%s", base, name);
        uint8_t *data = NULL;
        size_t len = 0;
        FILE *in = fopen(path, "rb");
        if (in) {
            fseek(in, 0, SEEK_END);
            long sz = ftell(in);
            rewind(in);
            if (sz > 0 && (data = malloc((size_t)sz)) &&
                fread(data, 1, (size_t)sz, in) == (size_t)sz)
                len = (size_t)sz;
            fclose(in);
        }
        if (!len) {
            free(data);
            missing++;
            continue;
        }
        fprintf(f, "%s\n\"%s\": \"data:image/png;base64,", first ? "" : ",", name);
        put_base64(f, data, len);
        fputc('"', f);
        free(data);
        first = 0;
    }
    fputs("\n};\n", f);
    if (missing)
        fprintf(stderr, "imz: warning: %d crop file%s named in the results %s missing\n", missing,
                missing == 1 ? "" : "s", missing == 1 ? "is" : "are");
    return 0;
}

int imz_cmd_report(int argc, char **argv)
{
    ImzArgs a;
    ImzCommonOpts co;
    const char *out = "report.html", *results = NULL;

    imz_common_init(&co);
    imz_args_init(&a, argc, argv, "report");
    while (imz_args_next(&a)) {
        if (!a.opt) {
            if (results)
                return imz_cli_usage_error("report", "more than one RESULTS");
            results = a.arg;
        } else if (imz_args_str(&a, "-o", "--out", &out)) {
        } else if (!imz_common_parse(&a, &co, 1)) {
            return imz_args_unknown(&a);
        }
    }
    if (a.help) {
        report_usage();
        return IMZ_EXIT_OK;
    }
    if (a.error)
        return a.error;
    if (!results)
        return imz_cli_usage_error("report",
                                   "missing RESULTS (a directory from `imz bench --out`)");

    char json_path[4096], base[4096];
    struct stat st;
    if (stat(results, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(base, sizeof base, "%s", results);
        snprintf(json_path, sizeof json_path, "%s/results.json", results);
    } else {
        snprintf(json_path, sizeof json_path, "%s", results);
        snprintf(base, sizeof base, "%s", results);
        char *slash = strrchr(base, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(base, sizeof base, ".");
    }
    uint8_t *data = NULL;
    size_t len = 0;
    if (imz_cli_read_file(json_path, &data, &len))
        return IMZ_EXIT_FAIL;
    char *json = imz_cli_realloc(data, len, len + 1);
    if (!json) {
        imz_cli_free(data);
        return imz_cli_error(NULL, "out of memory");
    }
    json[len] = '\0';
    if (!strstr(json, "\"imz-bench-1\"")) {
        imz_cli_free(json);
        return imz_cli_error(json_path, "not the results of `imz bench --out`");
    }
    /* Trailing whitespace would end up inside the JavaScript statement; drop it. */
    while (len && (json[len - 1] == '\n' || json[len - 1] == ' ' || json[len - 1] == '\r'))
        json[--len] = '\0';

    const char *const inputs[] = {json_path};
    if (imz_cli_check_output(out, co.force, inputs, 1)) {
        imz_cli_free(json);
        return IMZ_EXIT_FAIL;
    }
    char tmp[4200];
    if (imz_cli_temp_create(out, tmp, sizeof tmp)) {
        imz_cli_free(json);
        return IMZ_EXIT_FAIL;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        imz_cli_temp_abort(tmp);
        imz_cli_free(json);
        return imz_cli_error(out, "%s", strerror(errno));
    }
    for (int i = 0; report_head[i]; i++)
        fputs(report_head[i], f);
    fputs("<script>\nconst DATA = ", f);
    put_script_text(f, json, len);
    fputs(";\n", f);
    put_crops(f, json, base);
    fputs("</script>\n<script>\n", f);
    for (int i = 0; report_script[i]; i++)
        fputs(report_script[i], f);
    fputs("</script>\n</body>\n</html>\n", f);
    imz_cli_free(json);
    if (ferror(f) | (fclose(f) != 0)) {
        imz_cli_temp_abort(tmp);
        return imz_cli_error(out, "write failed");
    }
    if (imz_cli_temp_commit(tmp, out, 1))
        return IMZ_EXIT_FAIL;
    if (!co.quiet)
        fprintf(stderr, "imz: wrote %s\n", out);
    return IMZ_EXIT_OK;
}
