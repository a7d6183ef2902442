// SPDX-License-Identifier: BSD-2-Clause
// SPDX-FileCopyrightText: imz authors
//
// Tests of tools/imageio: format sniffing, PNG/PNM/PAM write-read round trips over shapes, channel
// counts and bit depths, PNGs and JPEGs made directly with libpng and libjpeg (palette, tRNS,
// Adam7, low-bit gray, 16-bit, CMYK), the PNM header rules, pixel limits, the reference data sets,
// and hostile input: every truncation and random bit flips of small real images must give an error
// or a valid image, never a crash (run these under ASan/UBSan too).

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <jpeglib.h>

#include "imageio/imageio.h"
#include "imageio/imageio_internal.h"
#include "test.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

static uint8_t *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* An image is acceptable output for hostile input if its shape is sane and samples fit. */
static int image_valid(const ImzImage *img)
{
    if (!img->data || !img->width || !img->height || img->channels < 1 || img->channels > 4 ||
        img->bit_depth < 1 || img->bit_depth > 16)
        return 0;
    size_t n = (size_t)img->width * img->height * img->channels;
    for (size_t i = 0; i < n; i++)
        if (img->data[i] >> img->bit_depth)
            return 0;
    return 1;
}

/* Decodes data and checks the contract: an error with a reason and a zeroed image, or a valid
 * image. Returns the status. */
static int read_checked(ImzContext *ctx, const uint8_t *data, size_t len, const char *what,
                        size_t at)
{
    ImzImage img;
    char err[256];
    memset(err, 'x', sizeof err);
    int st = imz_read_image(ctx, data, len, &img, err, sizeof err);
    if (st < 0) {
        CHECK_MSG(err[0] && memchr(err, 0, sizeof err), "%s at %zu: error %d without a reason",
                  what, at, st);
        CHECK_MSG(img.data == NULL, "%s at %zu: image not cleared on error", what, at);
    } else {
        CHECK_MSG(st == IMZ_OK, "%s at %zu: status %d", what, at, st);
        CHECK_MSG(image_valid(&img), "%s at %zu: invalid image returned", what, at);
    }
    imz_image_free(ctx, &img);
    return st;
}

static int read_ok(const uint8_t *data, size_t len, ImzImage *img)
{
    char err[256] = "";
    int st = imz_read_image(test_ctx(), data, len, img, err, sizeof err);
    CHECK_MSG(st == IMZ_OK, "read failed: %d %s", st, err);
    return st;
}

static int expect_error(const uint8_t *data, size_t len, int status, const char *msg)
{
    ImzImage img;
    char err[256] = "";
    int st = imz_read_image(test_ctx(), data, len, &img, err, sizeof err);
    CHECK_MSG(st == status, "status %d (%s), expected %d", st, err, status);
    if (msg)
        CHECK_MSG(strstr(err, msg) != NULL, "message '%s' lacks '%s'", err, msg);
    imz_image_free(test_ctx(), &img);
    return st;
}

static int expect_text_error(const char *text, int status, const char *msg)
{
    return expect_error((const uint8_t *)text, strlen(text), status, msg);
}

/* ---- PNGs made with libpng ------------------------------------------------------------------- */

typedef struct MemBuf {
    uint8_t *p;
    size_t len, cap;
} MemBuf;

static void mem_write(png_structp png, png_bytep src, size_t n)
{
    MemBuf *b = png_get_io_ptr(png);
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void mem_flush(png_structp png)
{
    (void)png;
}

static void png_abort(png_structp png, png_const_charp msg)
{
    (void)png;
    fprintf(stderr, "libpng: %s\n", msg);
    abort();
}

typedef struct PngSpec {
    uint32_t w, h;
    int depth, ctype, interlace;
    const png_color *palette;
    int n_palette;
    const uint8_t *trns_alpha;
    int n_trns;
    const png_color_16 *trns_color;
} PngSpec;

static int png_channels(int ctype)
{
    switch (ctype) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;
    }
}

/* Writes a PNG with libpng from samples (palette indices for palette images). */
static uint8_t *make_png(const PngSpec *sp, const uint16_t *samples, size_t *len)
{
    int ch = png_channels(sp->ctype);
    size_t rowbytes = ((size_t)sp->w * ch * sp->depth + 7) / 8;
    uint8_t *pix = calloc(rowbytes * sp->h, 1);
    png_bytep *rows = malloc(sp->h * sizeof *rows);
    for (uint32_t y = 0; y < sp->h; y++) {
        uint8_t *row = pix + y * rowbytes;
        rows[y] = row;
        for (size_t i = 0; i < (size_t)sp->w * ch; i++) {
            unsigned v = samples[(size_t)y * sp->w * ch + i];
            if (sp->depth == 16) {
                row[2 * i] = (uint8_t)(v >> 8);
                row[2 * i + 1] = (uint8_t)v;
            } else {
                size_t bit = i * (size_t)sp->depth;
                row[bit / 8] |= (uint8_t)(v << (8 - sp->depth - bit % 8));
            }
        }
    }
    MemBuf b = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_abort, NULL);
    png_infop info = png_create_info_struct(png);
    png_set_write_fn(png, &b, mem_write, mem_flush);
    png_set_IHDR(png, info, sp->w, sp->h, sp->depth, sp->ctype, sp->interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (sp->palette)
        png_set_PLTE(png, info, sp->palette, sp->n_palette);
    if (sp->trns_alpha || sp->trns_color)
        png_set_tRNS(png, info, sp->trns_alpha, sp->n_trns, sp->trns_color);
    png_write_info(png, info);
    png_write_image(png, rows);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(pix);
    *len = b.len;
    return b.p;
}

/* Fills img (already allocated) with a deterministic pattern of values below 2^depth. */
static void fill_pattern(ImzImage *img, uint32_t seed, unsigned maxval)
{
    size_t n = (size_t)img->width * img->height * img->channels;
    uint32_t s = seed * 2654435761u + 7;
    for (size_t i = 0; i < n; i++)
        img->data[i] = (uint16_t)(rng_next(&s) % (maxval + 1));
}

/* Makes a PNG from `src` (the samples as the PNG holds them) and checks it decodes to `want`. */
static void check_png_decode(const PngSpec *sp, const ImzImage *src, const ImzImage *want,
                             const char *what)
{
    size_t len;
    uint8_t *png = make_png(sp, src->data, &len);
    ImzImage got;
    char err[256] = "";
    int st = imz_read_image(test_ctx(), png, len, &got, err, sizeof err);
    CHECK_MSG(st == IMZ_OK, "%s: %s", what, err);
    if (st == IMZ_OK) {
        CHECK_MSG(got.width == want->width && got.height == want->height &&
                      got.channels == want->channels && got.bit_depth == want->bit_depth,
                  "%s: got %ux%u c%d d%d, want %ux%u c%d d%d", what, got.width, got.height,
                  got.channels, got.bit_depth, want->width, want->height, want->channels,
                  want->bit_depth);
        CHECK_MSG(test_images_equal(&got, want), "%s: samples differ", what);
    }
    imz_image_free(test_ctx(), &got);
    free(png);
}

/* ---- JPEGs made with libjpeg ----------------------------------------------------------------- */

static uint8_t *make_jpeg(uint8_t *pix, uint32_t w, uint32_t h, int comps, J_COLOR_SPACE cs,
                          int quality, int progressive, size_t *len)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    unsigned char *buf = NULL;
    unsigned long blen = 0;
    jpeg_mem_dest(&c, &buf, &blen);
    c.image_width = w;
    c.image_height = h;
    c.input_components = comps;
    c.in_color_space = cs;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < h) {
        JSAMPROW row = pix + (size_t)c.next_scanline * w * comps;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    *len = blen;
    return buf;
}

static void check_close(const ImzImage *img, const uint8_t *want, double max_mean, int max_abs,
                        const char *what)
{
    size_t n = (size_t)img->width * img->height * img->channels;
    double sum = 0;
    int worst = 0;
    for (size_t i = 0; i < n; i++) {
        int d = abs((int)img->data[i] - (int)want[i]);
        sum += d;
        worst = d > worst ? d : worst;
    }
    CHECK_MSG(sum / (double)n <= max_mean && worst <= max_abs, "%s: mean error %.2f, max %d", what,
              sum / (double)n, worst);
}

/* ---- Sniffing and names ---------------------------------------------------------------------- */

TEST(sniff_magic)
{
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0};
    static const uint8_t imz[] = {0x89, 'I', 'M', 'Z', '\r', '\n', 0x1a, '\n', 1};
    static const uint8_t jpg[] = {0xff, 0xd8, 0xff, 0xe0};
    CHECK_EQ(imz_sniff_format(png, sizeof png), IMZ_FMT_PNG);
    CHECK_EQ(imz_sniff_format(png, 5), IMZ_FMT_PNG); /* cut short: still goes to the PNG reader */
    CHECK_EQ(imz_sniff_format(imz, sizeof imz), IMZ_FMT_IMZ);
    CHECK_EQ(imz_sniff_format(jpg, sizeof jpg), IMZ_FMT_JPEG);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"P5\n1 1\n255\n", 11), IMZ_FMT_PNM);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"P1 ", 3), IMZ_FMT_PNM);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"P6#x\n", 5), IMZ_FMT_PNM);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"P7\nWIDTH", 8), IMZ_FMT_PAM);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"P8\n", 3), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"P5x", 3), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_sniff_format((const uint8_t *)"GIF89a", 6), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_sniff_format(png, 0), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_sniff_format(NULL, 4), IMZ_FMT_UNKNOWN);
}

TEST(format_from_name)
{
    CHECK_EQ(imz_format_from_name("a.png"), IMZ_FMT_PNG);
    CHECK_EQ(imz_format_from_name("dir.v2/A.PNG"), IMZ_FMT_PNG);
    CHECK_EQ(imz_format_from_name("x.jpg"), IMZ_FMT_JPEG);
    CHECK_EQ(imz_format_from_name("x.JPEG"), IMZ_FMT_JPEG);
    CHECK_EQ(imz_format_from_name("x.pgm"), IMZ_FMT_PNM);
    CHECK_EQ(imz_format_from_name("x.ppm"), IMZ_FMT_PNM);
    CHECK_EQ(imz_format_from_name("x.Pnm"), IMZ_FMT_PNM);
    CHECK_EQ(imz_format_from_name("x.pam"), IMZ_FMT_PAM);
    CHECK_EQ(imz_format_from_name("/tmp/x.imz"), IMZ_FMT_IMZ);
    CHECK_EQ(imz_format_from_name("x.pngx"), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_format_from_name("dir.png/x"), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_format_from_name(".png"), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_format_from_name("png"), IMZ_FMT_UNKNOWN);
    CHECK_EQ(imz_format_from_name(NULL), IMZ_FMT_UNKNOWN);
}

TEST(read_rejects_other_files)
{
    static const uint8_t imz[] = {0x89, 'I', 'M', 'Z', '\r', '\n', 0x1a, '\n', 1, 2, 3};
    expect_text_error("GIF89a....", IMZ_ERR_UNSUPPORTED, "not a PNG, JPEG or PNM file");
    expect_error(imz, sizeof imz, IMZ_ERR_UNSUPPORTED, ".imz");
    expect_error((const uint8_t *)"", 0, IMZ_ERR_TRUNCATED, "empty");
}

/* ---- Round trips ----------------------------------------------------------------------------- */

static const uint32_t shapes[][2] = {{1, 1}, {1, 9}, {9, 1}, {13, 5}, {33, 17}, {64, 3}};

static int png_depth_for(int channels, int depth)
{
    if (channels == 1 && depth <= 4)
        return depth == 3 ? 4 : depth;
    return depth <= 8 ? 8 : 16;
}

/* Writes every shape, channel count and depth as fmt and reads it back. */
static void roundtrip(ImzFileFormat fmt)
{
    const char *kinds[] = {"noise", "extremes", "gradient"};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        for (int ch = 1; ch <= 4; ch++)
            for (int depth = 1; depth <= 16; depth++) {
                const char *kind = kinds[(s + (size_t)depth) % 3];
                ImzImage img, back;
                REQUIRE(test_make_image(&img, kind, shapes[s][0], shapes[s][1], ch, depth,
                                        (uint32_t)(s * 100 + (size_t)depth)) == IMZ_OK);
                uint8_t *buf = NULL;
                size_t len = 0;
                char err[256] = "";
                int st = imz_write_image(&img, fmt, &buf, &len, err, sizeof err);
                CHECK_MSG(st == IMZ_OK, "write %ux%u c%d d%d: %s", shapes[s][0], shapes[s][1], ch,
                          depth, err);
                if (st == IMZ_OK && fmt != IMZ_FMT_PNG) {
                    const char *magic = fmt == IMZ_FMT_PAM || ch == 2 || ch == 4 ? "P7"
                                        : ch == 1                                ? "P5"
                                                                                 : "P6";
                    CHECK_MSG(len > 2 && !memcmp(buf, magic, 2), "c%d: expected %s", ch, magic);
                }
                st = st ? st : imz_read_image(test_ctx(), buf, len, &back, err, sizeof err);
                CHECK_MSG(st == IMZ_OK, "read %ux%u c%d d%d: %s", shapes[s][0], shapes[s][1], ch,
                          depth, err);
                if (st == IMZ_OK) {
                    int want_depth = fmt == IMZ_FMT_PNG ? png_depth_for(ch, depth) : depth;
                    CHECK_MSG(back.width == img.width && back.height == img.height &&
                                  back.channels == img.channels && back.bit_depth == want_depth,
                              "%ux%u c%d d%d came back as %ux%u c%d d%d", img.width, img.height, ch,
                              depth, back.width, back.height, back.channels, back.bit_depth);
                    back.bit_depth = img.bit_depth;
                    CHECK_MSG(test_images_equal(&img, &back), "%ux%u c%d d%d: samples differ",
                              img.width, img.height, ch, depth);
                }
                imz_image_free(test_ctx(), &back);
                imz_image_free(test_ctx(), &img);
                free(buf);
                if (test_failed_now())
                    return;
            }
}

TEST(roundtrip_png)
{
    roundtrip(IMZ_FMT_PNG);
}

TEST(roundtrip_pnm)
{
    roundtrip(IMZ_FMT_PNM);
}

TEST(roundtrip_pam)
{
    roundtrip(IMZ_FMT_PAM);
}

TEST(png_levels)
{
    ImzImage img, back;
    REQUIRE(test_make_image(&img, "gradient", 40, 30, 3, 8, 1) == IMZ_OK);
    size_t prev = 0;
    for (int level = 0; level <= 9; level += 9) {
        uint8_t *buf = NULL;
        size_t len = 0;
        char err[256] = "";
        CHECK(imz_png_write(&img, level, &buf, &len, err, sizeof err) == IMZ_OK);
        if (read_ok(buf, len, &back) == IMZ_OK)
            CHECK(test_images_equal(&img, &back));
        imz_image_free(test_ctx(), &back);
        if (level == 9)
            CHECK_MSG(len < prev, "level 9 (%zu bytes) not smaller than level 0 (%zu)", len, prev);
        prev = len;
        free(buf);
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256] = "";
    CHECK_EQ(imz_png_write(&img, 10, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    imz_image_free(test_ctx(), &img);
}

TEST(write_rejects_bad_images)
{
    ImzImage img;
    uint8_t *buf = (uint8_t *)1;
    size_t len = 1;
    char err[256] = "";
    REQUIRE(test_make_image(&img, "noise", 5, 4, 1, 4, 3) == IMZ_OK);
    img.data[7] = 16; /* does not fit in 4 bits */
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_PNG, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    CHECK(buf == NULL && len == 0);
    CHECK_MSG(strstr(err, "exceeds bit depth 4") != NULL, "message: %s", err);
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_PNM, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    img.data[7] = 15;
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_JPEG, &buf, &len, err, sizeof err), IMZ_ERR_UNSUPPORTED);
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_IMZ, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_UNKNOWN, &buf, &len, err, sizeof err),
             IMZ_ERR_INVALID_ARG);
    img.channels = 5;
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_PNG, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    img.channels = 1;
    img.bit_depth = 17;
    CHECK_EQ(imz_write_image(&img, IMZ_FMT_PAM, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    img.bit_depth = 4;
    CHECK_EQ(imz_write_image(NULL, IMZ_FMT_PNG, &buf, &len, err, sizeof err), IMZ_ERR_INVALID_ARG);
    imz_image_free(test_ctx(), &img);
}

TEST(pnm_header_text)
{
    ImzImage img;
    uint8_t *buf = NULL;
    size_t len = 0;
    char err[256] = "";
    REQUIRE(test_make_image(&img, "noise", 3, 2, 1, 12, 5) == IMZ_OK);
    REQUIRE(imz_write_image(&img, IMZ_FMT_PNM, &buf, &len, err, sizeof err) == IMZ_OK);
    CHECK(len == 12 + 3 * 2 * 2 && !memcmp(buf, "P5\n3 2\n4095\n", 12));
    free(buf);
    imz_image_free(test_ctx(), &img);
    REQUIRE(test_make_image(&img, "noise", 3, 2, 2, 8, 5) == IMZ_OK);
    REQUIRE(imz_write_image(&img, IMZ_FMT_PNM, &buf, &len, err, sizeof err) == IMZ_OK);
    const char *hdr = "P7\nWIDTH 3\nHEIGHT 2\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\n"
                      "ENDHDR\n";
    CHECK(len == strlen(hdr) + 12 && !memcmp(buf, hdr, strlen(hdr)));
    free(buf);
    imz_image_free(test_ctx(), &img);
}

/* ---- PNGs from libpng ------------------------------------------------------------------------ */

TEST(png_low_bit_gray)
{
    static const int depths[] = {1, 2, 4};
    for (int interlace = 0; interlace <= 1; interlace++)
        for (int i = 0; i < 3; i++) {
            int d = depths[i];
            ImzImage img;
            REQUIRE(imz_image_alloc(test_ctx(), &img, 19, 11, 1, d) == IMZ_OK);
            fill_pattern(&img, (uint32_t)d, (1u << d) - 1);
            PngSpec sp = {19,
                          11,
                          d,
                          PNG_COLOR_TYPE_GRAY,
                          interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                          0,
                          0,
                          0,
                          0,
                          0};
            char what[64];
            snprintf(what, sizeof what, "%d-bit gray%s", d, interlace ? " interlaced" : "");
            check_png_decode(&sp, &img, &img, what);
            imz_image_free(test_ctx(), &img);
        }
}

TEST(png_palette)
{
    static const png_color pal[4] = {{0, 0, 0}, {255, 0, 0}, {10, 200, 30}, {1, 2, 3}};
    static const uint8_t alpha[3] = {0, 128, 255};
    for (int depth = 2; depth <= 8; depth += 6)
        for (int trns = 0; trns <= 1; trns++) {
            ImzImage idx, want;
            REQUIRE(imz_image_alloc(test_ctx(), &idx, 7, 5, 1, depth) == IMZ_OK);
            fill_pattern(&idx, 9, 3);
            int ch = trns ? 4 : 3;
            REQUIRE(imz_image_alloc(test_ctx(), &want, 7, 5, ch, 8) == IMZ_OK);
            for (size_t i = 0; i < 35; i++) {
                const png_color *c = &pal[idx.data[i]];
                uint16_t *w = want.data + i * (size_t)ch;
                w[0] = c->red;
                w[1] = c->green;
                w[2] = c->blue;
                if (trns) /* entries past the tRNS list are opaque */
                    w[3] = idx.data[i] < 3 ? alpha[idx.data[i]] : 255;
            }
            PngSpec sp = {7,
                          5,
                          depth,
                          PNG_COLOR_TYPE_PALETTE,
                          PNG_INTERLACE_NONE,
                          pal,
                          4,
                          trns ? alpha : NULL,
                          trns ? 3 : 0,
                          NULL};
            check_png_decode(&sp, &idx, &want, trns ? "palette+tRNS" : "palette");
            imz_image_free(test_ctx(), &idx);
            imz_image_free(test_ctx(), &want);
        }
}

/* Gray or RGB with a tRNS colour: the samples are kept and an alpha channel is added. */
static void check_trns(int ch, int depth, int interlace)
{
    uint32_t w = 9, h = 6;
    unsigned maxval = (1u << depth) - 1;
    ImzImage src, want;
    REQUIRE(imz_image_alloc(test_ctx(), &src, w, h, ch, depth) == IMZ_OK);
    fill_pattern(&src, (uint32_t)(depth * 10 + ch), depth > 2 ? 3 : maxval);
    REQUIRE(imz_image_alloc(test_ctx(), &want, w, h, ch + 1, depth) == IMZ_OK);
    png_color_16 key = {0, 2, 1, 2, 1};
    for (size_t i = 0; i < (size_t)w * h; i++) {
        const uint16_t *s = src.data + i * (size_t)ch;
        uint16_t *d = want.data + i * (size_t)(ch + 1);
        int transparent =
            ch == 1 ? s[0] == key.gray : s[0] == key.red && s[1] == key.green && s[2] == key.blue;
        memcpy(d, s, (size_t)ch * sizeof *s);
        d[ch] = transparent ? 0 : (uint16_t)maxval;
    }
    PngSpec sp = {w,
                  h,
                  depth,
                  ch == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                  interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                  NULL,
                  0,
                  NULL,
                  0,
                  &key};
    char what[64];
    snprintf(what, sizeof what, "%s%d+tRNS%s", ch == 1 ? "gray" : "rgb", depth,
             interlace ? " interlaced" : "");
    check_png_decode(&sp, &src, &want, what);
    imz_image_free(test_ctx(), &src);
    imz_image_free(test_ctx(), &want);
}

TEST(png_trns)
{
    check_trns(1, 2, 0);
    check_trns(1, 4, 0);
    check_trns(1, 8, 0);
    check_trns(1, 16, 1);
    check_trns(3, 8, 0);
    check_trns(3, 16, 0);
    check_trns(3, 8, 1);
}

TEST(png_colour_types_and_interlace)
{
    static const int types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                PNG_COLOR_TYPE_RGB_ALPHA};
    for (int t = 0; t < 4; t++)
        for (int depth = 8; depth <= 16; depth += 8)
            for (int interlace = 0; interlace <= 1; interlace++) {
                /* 1x1 and 3x2 have empty Adam7 passes; 37x29 has partial ones. */
                static const uint32_t sz[][2] = {{1, 1}, {3, 2}, {37, 29}};
                for (int s = 0; s < 3; s++) {
                    int ch = png_channels(types[t]);
                    ImzImage img;
                    REQUIRE(imz_image_alloc(test_ctx(), &img, sz[s][0], sz[s][1], ch, depth) ==
                            IMZ_OK);
                    fill_pattern(&img, (uint32_t)(t * 7 + depth + s), (1u << depth) - 1);
                    PngSpec sp = {sz[s][0],
                                  sz[s][1],
                                  depth,
                                  types[t],
                                  interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                                  NULL,
                                  0,
                                  NULL,
                                  0,
                                  NULL};
                    char what[64];
                    snprintf(what, sizeof what, "type %d depth %d %ux%u%s", types[t], depth,
                             sz[s][0], sz[s][1], interlace ? " interlaced" : "");
                    check_png_decode(&sp, &img, &img, what);
                    imz_image_free(test_ctx(), &img);
                }
            }
}

/* ---- PNG errors and limits ------------------------------------------------------------------- */

/* Offset of the first byte of the data of the first chunk of the given type, or 0. */
static size_t png_chunk_data(const uint8_t *p, size_t len, const char *type)
{
    size_t pos = 8;
    while (pos + 12 <= len) {
        size_t n =
            (size_t)p[pos] << 24 | (size_t)p[pos + 1] << 16 | (size_t)p[pos + 2] << 8 | p[pos + 3];
        if (!memcmp(p + pos + 4, type, 4))
            return pos + 8;
        if (n > len - pos - 12)
            break;
        pos += 12 + n;
    }
    return 0;
}

/* Recomputes every chunk CRC, so that altered data reaches the decoder instead of the CRC check. */
static void png_fix_crcs(uint8_t *p, size_t len)
{
    size_t pos = 8;
    while (pos + 12 <= len) {
        size_t n =
            (size_t)p[pos] << 24 | (size_t)p[pos + 1] << 16 | (size_t)p[pos + 2] << 8 | p[pos + 3];
        if (n > len - pos - 12)
            break;
        uint32_t crc = (uint32_t)crc32(0, p + pos + 4, (uInt)(n + 4));
        p[pos + 8 + n] = (uint8_t)(crc >> 24);
        p[pos + 9 + n] = (uint8_t)(crc >> 16);
        p[pos + 10 + n] = (uint8_t)(crc >> 8);
        p[pos + 11 + n] = (uint8_t)crc;
        pos += 12 + n;
    }
}

static uint8_t *small_png(size_t *len, uint32_t w, uint32_t h, int ch, int depth)
{
    ImzImage img;
    uint8_t *buf = NULL;
    char err[256];
    if (test_make_image(&img, "noise", w, h, ch, depth, 77) != IMZ_OK)
        return NULL;
    if (imz_write_image(&img, IMZ_FMT_PNG, &buf, len, err, sizeof err) != IMZ_OK)
        buf = NULL;
    imz_image_free(test_ctx(), &img);
    return buf;
}

TEST(png_error_messages)
{
    size_t len;
    uint8_t *png = small_png(&len, 20, 10, 3, 8);
    REQUIRE(png != NULL);
    size_t idat = png_chunk_data(png, len, "IDAT");
    REQUIRE(idat > 0);
    png[idat + 3] ^= 0x10;
    expect_error(png, len, IMZ_ERR_CORRUPT, "PNG: CRC error in IDAT");
    png[idat + 3] ^= 0x10;
    png[len - 1] ^= 1; /* the IEND CRC */
    expect_error(png, len, IMZ_ERR_CORRUPT, "PNG: CRC error in IEND");
    png[len - 1] ^= 1;
    expect_error(png, len - 20, IMZ_ERR_TRUNCATED, "truncated PNG data");
    expect_error(png, 6, IMZ_ERR_TRUNCATED, "truncated PNG data");
    /* Bad zlib data with valid CRCs reaches libpng's inflate. */
    png[idat] = 0xff;
    png_fix_crcs(png, len);
    expect_error(png, len, IMZ_ERR_CORRUPT, "PNG: ");
    free(png);
}

/* A PNG signature, an IHDR and an empty IDAT and IEND, all with valid CRCs, for header tests. */
static size_t png_header_only(uint8_t *p, uint32_t w, uint32_t h)
{
    static const uint8_t tail[24] = {0, 0, 0, 0, 'I', 'D', 'A', 'T', 0, 0, 0, 0,
                                     0, 0, 0, 0, 'I', 'E', 'N', 'D', 0, 0, 0, 0};
    static const uint8_t head[16] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                     0,    0,   0,   13,  'I',  'H',  'D',  'R'};
    memcpy(p, head, 16);
    for (int i = 0; i < 4; i++) {
        p[16 + i] = (uint8_t)(w >> (24 - 8 * i));
        p[20 + i] = (uint8_t)(h >> (24 - 8 * i));
    }
    p[24] = 8; /* depth */
    p[25] = 2; /* RGB */
    p[26] = p[27] = p[28] = 0;
    memcpy(p + 33, tail, sizeof tail);
    png_fix_crcs(p, 57);
    return 57;
}

TEST(limits)
{
    ImzContext *ctx;
    REQUIRE(imz_context_create(&ctx, NULL) == IMZ_OK);
    imz_set_max_pixels(ctx, 100);
    ImzImage img;
    char err[256];
    size_t len;
    uint8_t *png = small_png(&len, 20, 10, 1, 8);
    REQUIRE(png != NULL);
    CHECK_EQ(imz_read_image(ctx, png, len, &img, err, sizeof err), IMZ_ERR_LIMIT);
    CHECK_MSG(strstr(err, "pixel limit") != NULL, "message: %s", err);
    free(png);

    uint8_t hdr[64];
    len = png_header_only(hdr, 1u << 20, 1u << 20);
    CHECK_EQ(imz_read_image(ctx, hdr, len, &img, err, sizeof err), IMZ_ERR_LIMIT);
    CHECK_MSG(strstr(err, "1048576x1048576") != NULL, "message: %s", err);
    CHECK_EQ(imz_read_image(test_ctx(), hdr, len, &img, err, sizeof err), IMZ_ERR_LIMIT);
    len = png_header_only(hdr, 1u << 30, 2);
    CHECK_EQ(imz_read_image(ctx, hdr, len, &img, err, sizeof err), IMZ_ERR_LIMIT);
    CHECK_MSG(strstr(err, "over 16777216") != NULL, "message: %s", err);
    len = png_header_only(hdr, 0, 2);
    CHECK_EQ(imz_read_image(ctx, hdr, len, &img, err, sizeof err), IMZ_ERR_CORRUPT);
    CHECK_MSG(strstr(err, "width is zero") != NULL, "message: %s", err);
    len = png_header_only(hdr, 5, 5);
    CHECK_EQ(imz_read_image(ctx, hdr, len, &img, err, sizeof err), IMZ_ERR_CORRUPT);

    const char *pgm = "P5 20 10 255\n";
    uint8_t big[13 + 200];
    memcpy(big, pgm, 13);
    memset(big + 13, 9, 200);
    CHECK_EQ(imz_read_image(ctx, big, sizeof big, &img, err, sizeof err), IMZ_ERR_LIMIT);
    CHECK_EQ(imz_read_image(test_ctx(), big, sizeof big, &img, err, sizeof err), IMZ_OK);
    imz_image_free(test_ctx(), &img);
    imz_context_destroy(ctx);
}

/* ---- JPEG ------------------------------------------------------------------------------------ */

static uint8_t *gradient_pixels(uint32_t w, uint32_t h, int comps)
{
    uint8_t *pix = malloc((size_t)w * h * comps);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < comps; c++)
                pix[((size_t)y * w + x) * comps + c] =
                    (uint8_t)(40 + (x * 150) / w + (y * 50) / h + (uint32_t)c * 10);
    return pix;
}

TEST(jpeg_gray_and_rgb)
{
    for (int progressive = 0; progressive <= 1; progressive++)
        for (int comps = 1; comps <= 3; comps += 2) {
            uint32_t w = 37, h = 23;
            uint8_t *pix = gradient_pixels(w, h, comps);
            size_t len;
            uint8_t *jpg = make_jpeg(pix, w, h, comps, comps == 1 ? JCS_GRAYSCALE : JCS_RGB, 95,
                                     progressive, &len);
            ImzImage img;
            if (read_ok(jpg, len, &img) == IMZ_OK) {
                CHECK(img.width == w && img.height == h && img.channels == comps &&
                      img.bit_depth == 8);
                check_close(&img, pix, 2.0, 12, comps == 1 ? "gray JPEG" : "RGB JPEG");
            }
            imz_image_free(test_ctx(), &img);
            free(jpg);
            free(pix);
        }
}

TEST(jpeg_cmyk)
{
    /* Adobe CMYK is stored inverted (255 = no ink): pure red is C=0 M=Y=255 K=0. */
    uint32_t w = 16, h = 16;
    uint8_t *cmyk = malloc((size_t)w * h * 4);
    uint8_t *want = malloc((size_t)w * h * 3);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        int red = (i / w) < h / 2;
        cmyk[4 * i + 0] = 255;
        cmyk[4 * i + 1] = red ? 0 : 255;
        cmyk[4 * i + 2] = red ? 0 : 255;
        cmyk[4 * i + 3] = red ? 255 : 128; /* lower half: 50% black, no colour ink */
        want[3 * i + 0] = red ? 255 : 128;
        want[3 * i + 1] = red ? 0 : 128;
        want[3 * i + 2] = red ? 0 : 128;
    }
    size_t len;
    uint8_t *jpg = make_jpeg(cmyk, w, h, 4, JCS_CMYK, 98, 0, &len);
    ImzImage img;
    if (read_ok(jpg, len, &img) == IMZ_OK) {
        CHECK(img.width == w && img.height == h && img.channels == 3 && img.bit_depth == 8);
        check_close(&img, want, 3.0, 24, "CMYK JPEG");
    }
    imz_image_free(test_ctx(), &img);
    free(jpg);
    free(cmyk);
    free(want);
}

TEST(jpeg_errors)
{
    uint8_t *pix = gradient_pixels(16, 16, 3);
    size_t len;
    uint8_t *jpg = make_jpeg(pix, 16, 16, 3, JCS_RGB, 90, 0, &len);
    expect_error(jpg, len / 2, IMZ_ERR_TRUNCATED, "truncated JPEG data");
    expect_error(jpg, len - 1, IMZ_ERR_TRUNCATED, "truncated JPEG data");
    expect_error(jpg, 3, IMZ_ERR_TRUNCATED, "truncated JPEG data");
    size_t sof = 2;
    while (sof + 9 < len && !(jpg[sof] == 0xff && jpg[sof + 1] == 0xc0))
        sof++;
    REQUIRE(sof + 9 < len);
    jpg[sof + 4] = 12; /* sample precision */
    expect_error(jpg, len, IMZ_ERR_UNSUPPORTED, "JPEG: ");
    jpg[sof + 4] = 8;
    jpg[sof + 5] = jpg[sof + 6] = 0; /* height 0 */
    expect_error(jpg, len, IMZ_ERR_CORRUPT, "JPEG: ");
    free(jpg);
    free(pix);
}

/* ---- PNM parsing ----------------------------------------------------------------------------- */

/* A string literal as bytes and length (it may hold NULs). */
#define LIT(s) (const uint8_t *)(s), sizeof(s) - 1

static void check_text_image(const uint8_t *data, size_t len, uint32_t w, uint32_t h, int ch,
                             int depth, const uint16_t *want)
{
    ImzImage img;
    char err[256] = "";
    const char *text = (const char *)data;
    int st = imz_read_image(test_ctx(), data, len, &img, err, sizeof err);
    CHECK_MSG(st == IMZ_OK, "%.20s...: %s", text, err);
    if (st == IMZ_OK) {
        CHECK_MSG(img.width == w && img.height == h && img.channels == ch && img.bit_depth == depth,
                  "%.10s: got %ux%u c%d d%d", text, img.width, img.height, img.channels,
                  img.bit_depth);
        if (img.width == w && img.height == h && img.channels == ch)
            CHECK_MSG(!memcmp(img.data, want, (size_t)w * h * ch * 2), "%.10s: samples", text);
    }
    imz_image_free(test_ctx(), &img);
}

TEST(pnm_ascii_and_comments)
{
    static const uint16_t g[] = {0, 500, 1000, 7, 8, 9};
    check_text_image(LIT("P2\n# comment\n3 2 # trailing\n1000\n0 500 1000\n7 8\n#c\n 9\n"), 3, 2, 1,
                     10, g);
    static const uint16_t rgb[] = {1, 2, 3, 4095, 0, 17};
    check_text_image(LIT("P3 2 1 4095 1 2 3 4095 0 17"), 2, 1, 3, 12, rgb);
    static const uint16_t bits[] = {0, 1, 1, 0, 0, 1};
    check_text_image(LIT("P1\n3 2\n1 0 0\n110"), 3, 2, 1, 1, bits);
    check_text_image(LIT("P4\n3 2\n\x80\x60"), 3, 2, 1, 1, (const uint16_t[]){0, 1, 1, 1, 0, 0});
    static const uint16_t w16[] = {0x1234, 65535};
    check_text_image(LIT("P5 2 1 65535\n\x12\x34\xff\xff"), 2, 1, 1, 16, w16);
    static const uint16_t ga[] = {1, 2, 3, 0};
    check_text_image(LIT("P7\n# pam comment\nWIDTH 2\nHEIGHT 1\nDEPTH 2\n#x\nMAXVAL 3\n"
                         "TUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n\x01\x02\x03\x00"),
                     2, 1, 2, 2, ga);
    static const uint16_t one[] = {200};
    check_text_image(LIT("P5\n1 1\n255\n\xc8"), 1, 1, 1, 8, one);
    check_text_image(LIT("P5\n1 1\n200\n\xc8"), 1, 1, 1, 8, one);
}

TEST(pnm_errors)
{
    expect_text_error("P2\n1 1\n65535\n70000\n", IMZ_ERR_CORRUPT,
                      "PNM: sample 70000 exceeds maxval 65535");
    expect_error(LIT("P5 2 1 1000\n\x03\xe9\x00\x00"), IMZ_ERR_CORRUPT,
                 "PNM: sample 1001 exceeds maxval 1000");
    expect_text_error("P5 2 1 100\n\x10\x65", IMZ_ERR_CORRUPT, "sample 101 exceeds maxval 100");
    expect_text_error("P5 2 2 255\n\x01\x02\x03", IMZ_ERR_TRUNCATED, "truncated PNM data");
    expect_text_error("P2 2 2 255\n1 2 3", IMZ_ERR_TRUNCATED, "truncated PNM data");
    expect_text_error("P5 2 2", IMZ_ERR_TRUNCATED, "truncated PNM header");
    expect_text_error("P5 2 2 0\n", IMZ_ERR_CORRUPT, "maxval 0");
    expect_text_error("P5 2 2 65536\n", IMZ_ERR_CORRUPT, "maxval 65536");
    expect_text_error("P5 0 2 255\n", IMZ_ERR_CORRUPT, "invalid dimensions");
    expect_text_error("P5 99999999999 2 255\n", IMZ_ERR_CORRUPT, "width too large");
    expect_text_error("P5 -3 2 255\n", IMZ_ERR_CORRUPT, "bad width");
    expect_text_error("P5 3x 2 255\n", IMZ_ERR_CORRUPT, "bad width");
    expect_text_error("P6 100000 100000 255\n\x01", IMZ_ERR_TRUNCATED, "truncated PNM data");
    expect_text_error("P1 2 1 0 2", IMZ_ERR_CORRUPT, "PBM: bad pixel");
    expect_text_error("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 5\nMAXVAL 255\nENDHDR\n12345",
                      IMZ_ERR_UNSUPPORTED, "DEPTH 5");
    expect_text_error("P7\nWIDTH 1\nHEIGHT 1\nMAXVAL 255\nENDHDR\n1", IMZ_ERR_CORRUPT,
                      "lacks DEPTH");
    expect_text_error("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nCOLOUR 2\nMAXVAL 255\nENDHDR\n1",
                      IMZ_ERR_CORRUPT, "unknown header field 'COLOUR'");
    expect_text_error("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 1\nMAXVAL 255\n", IMZ_ERR_TRUNCATED,
                      "truncated PNM header");
}

/* ---- Reference data -------------------------------------------------------------------------- */

TEST(kodak_images)
{
    const char *dir = test_data_dir("kodak");
    if (!dir)
        SKIP("kodak data set not found (../shared/data/kodak)");
    char *names[64];
    int n = test_list_png(dir, names, 64);
    CHECK_MSG(n == 24, "%d Kodak images", n);
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *data = read_whole(names[i], &len);
        ImzImage img;
        CHECK_MSG(data != NULL, "cannot read %s", names[i]);
        if (data && read_ok(data, len, &img) == IMZ_OK)
            CHECK_MSG(((img.width == 768 && img.height == 512) ||
                       (img.width == 512 && img.height == 768)) &&
                          img.channels == 3 && img.bit_depth == 8,
                      "%s: %ux%u c%d d%d", names[i], img.width, img.height, img.channels,
                      img.bit_depth);
        imz_image_free(test_ctx(), &img);
        free(data);
        free(names[i]);
    }
}

TEST(gray16_images)
{
    const char *dir = test_data_dir("gray16");
    if (!dir)
        SKIP("gray16 data set not found (../shared/data/gray16)");
    char *names[64];
    int n = test_list_png(dir, names, 64);
    CHECK_MSG(n > 0, "no gray16 images");
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *data = read_whole(names[i], &len);
        ImzImage img;
        CHECK_MSG(data != NULL, "cannot read %s", names[i]);
        if (data && read_ok(data, len, &img) == IMZ_OK) {
            CHECK_MSG(img.channels == 1 && img.bit_depth == 16, "%s: c%d d%d", names[i],
                      img.channels, img.bit_depth);
            /* The size is in the name: ..._<W>x<H>.png */
            unsigned w = 0, h = 0;
            const char *us = strrchr(names[i], '_');
            if (us && sscanf(us, "_%ux%u.png", &w, &h) == 2)
                CHECK_MSG(img.width == w && img.height == h, "%s: %ux%u", names[i], img.width,
                          img.height);
        }
        imz_image_free(test_ctx(), &img);
        free(data);
        free(names[i]);
    }
}

TEST(sample_files)
{
    static const struct {
        const char *name;
        uint32_t w, h;
        int ch, depth;
    } files[] = {{"kodim23_crop.png", 384, 256, 3, 8}, {"ct16_crop.png", 192, 160, 1, 16}};
    for (int i = 0; i < 2; i++) {
        size_t len;
        uint8_t *data = read_whole(test_sample(files[i].name), &len);
        ImzImage img, back;
        REQUIRE(data != NULL);
        if (read_ok(data, len, &img) == IMZ_OK) {
            CHECK(img.width == files[i].w && img.height == files[i].h &&
                  img.channels == files[i].ch && img.bit_depth == files[i].depth);
            /* Through each writer and back: identical. */
            for (int f = 0; f < 3; f++) {
                static const ImzFileFormat fmts[] = {IMZ_FMT_PNG, IMZ_FMT_PNM, IMZ_FMT_PAM};
                uint8_t *buf = NULL;
                size_t blen = 0;
                char err[256];
                CHECK(imz_write_image(&img, fmts[f], &buf, &blen, err, sizeof err) == IMZ_OK);
                if (buf && read_ok(buf, blen, &back) == IMZ_OK)
                    CHECK(test_images_equal(&img, &back));
                imz_image_free(test_ctx(), &back);
                free(buf);
            }
        }
        imz_image_free(test_ctx(), &img);
        free(data);
    }
}

/* ---- Hostile input --------------------------------------------------------------------------- */

/* A small crop of a real photograph, as RGB or gray. */
static int real_crop(ImzImage *out, uint32_t w, uint32_t h, int gray)
{
    size_t len;
    uint8_t *data = read_whole(test_sample("kodim23_crop.png"), &len);
    ImzImage full;
    char err[256];
    if (!data || imz_read_image(test_ctx(), data, len, &full, err, sizeof err) != IMZ_OK) {
        free(data);
        return -1;
    }
    free(data);
    int ch = gray ? 1 : 3;
    if (imz_image_alloc(test_ctx(), out, w, h, ch, 8) != IMZ_OK) {
        imz_image_free(test_ctx(), &full);
        return -1;
    }
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            const uint16_t *s = full.data + ((size_t)(y + 100) * full.width + x + 150) * 3;
            uint16_t *d = out->data + ((size_t)y * w + x) * ch;
            if (gray)
                d[0] = (uint16_t)((s[0] * 3 + s[1] * 6 + s[2]) / 10);
            else
                memcpy(d, s, 3 * sizeof *s);
        }
    imz_image_free(test_ctx(), &full);
    return 0;
}

/* Every prefix must give an error or a valid image; with strict, every strict prefix must fail
 * (formats whose end is marked or whose size is known). The whole file must decode. */
static void truncate_at(ImzContext *ctx, const uint8_t *data, size_t len, int strict,
                        const char *what)
{
    CHECK_MSG(read_checked(ctx, data, len, what, len) == IMZ_OK, "%s: whole file fails", what);
    for (size_t n = 0; n < len && !test_failed_now(); n++) {
        /* A fresh allocation of exactly n bytes lets ASan catch any read past the end. */
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, data, n);
        int st = read_checked(ctx, exact, n, what, n);
        CHECK_MSG(st < 0 || !strict, "%s: prefix of %zu bytes decoded", what, n);
        free(exact);
    }
}

static void truncate_everywhere(ImzContext *ctx, const uint8_t *data, size_t len, const char *what)
{
    truncate_at(ctx, data, len, 1, what);
}

static void flip_bits(ImzContext *ctx, const uint8_t *data, size_t len, int trials, int fix_crc,
                      uint32_t seed, const char *what)
{
    uint32_t s = seed;
    uint8_t *buf = malloc(len);
    for (int t = 0; t < trials && !test_failed_now(); t++) {
        memcpy(buf, data, len);
        int flips = 1 + (int)(rng_next(&s) % 4);
        for (int k = 0; k < flips; k++) {
            size_t pos = rng_next(&s) % len;
            buf[pos] ^= (uint8_t)(1u << (rng_next(&s) % 8));
        }
        if (fix_crc && (t & 1))
            png_fix_crcs(buf, len);
        read_checked(ctx, buf, len, what, (size_t)t);
    }
    free(buf);
}

static ImzContext *hostile_ctx(void)
{
    ImzContext *ctx = NULL;
    if (imz_context_create(&ctx, NULL) == IMZ_OK)
        imz_set_max_pixels(ctx, 1u << 20); /* flipped headers must not ask for gigabytes */
    return ctx;
}

TEST(hostile_png)
{
    ImzContext *ctx = hostile_ctx();
    ImzImage img;
    REQUIRE(ctx && real_crop(&img, 24, 16, 0) == IMZ_OK);
    uint8_t *png = NULL;
    size_t len = 0;
    char err[256];
    REQUIRE(imz_write_image(&img, IMZ_FMT_PNG, &png, &len, err, sizeof err) == IMZ_OK);
    truncate_everywhere(ctx, png, len, "png");
    flip_bits(ctx, png, len, 3000, 1, 1, "png flip");

    /* Interlaced, palette and low-bit files go through other libpng paths. */
    PngSpec sp = {img.width, img.height, 8,   PNG_COLOR_TYPE_RGB, PNG_INTERLACE_ADAM7, NULL, 0,
                  NULL,      0,          NULL};
    size_t ilen;
    uint8_t *ipng = make_png(&sp, img.data, &ilen);
    truncate_everywhere(ctx, ipng, ilen, "interlaced png");
    flip_bits(ctx, ipng, ilen, 2000, 1, 2, "interlaced png flip");
    free(ipng);

    static const png_color pal[4] = {{0, 0, 0}, {255, 0, 0}, {10, 200, 30}, {1, 2, 3}};
    static const uint8_t alpha[2] = {0, 100};
    ImzImage idx;
    REQUIRE(imz_image_alloc(test_ctx(), &idx, 21, 13, 1, 2) == IMZ_OK);
    fill_pattern(&idx, 3, 3);
    PngSpec psp = {21, 13, 2, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_ADAM7, pal, 4, alpha, 2, NULL};
    uint8_t *ppng = make_png(&psp, idx.data, &ilen);
    truncate_everywhere(ctx, ppng, ilen, "palette png");
    flip_bits(ctx, ppng, ilen, 2000, 1, 3, "palette png flip");
    free(ppng);
    imz_image_free(test_ctx(), &idx);

    free(png);
    imz_image_free(test_ctx(), &img);
    imz_context_destroy(ctx);
}

TEST(hostile_real_png)
{
    /* The whole sample file, with CRCs fixed after the flips so the inflate and filter paths see
     * the damage. */
    ImzContext *ctx = hostile_ctx();
    size_t len;
    uint8_t *data = read_whole(test_sample("ct16_crop.png"), &len);
    REQUIRE(ctx && data);
    flip_bits(ctx, data, len, 200, 1, 4, "ct16 flip");
    free(data);
    imz_context_destroy(ctx);
}

TEST(hostile_jpeg)
{
    ImzContext *ctx = hostile_ctx();
    for (int gray = 0; gray <= 1; gray++)
        for (int progressive = 0; progressive <= 1; progressive++) {
            ImzImage img;
            REQUIRE(ctx && real_crop(&img, 32, 24, gray) == IMZ_OK);
            int ch = gray ? 1 : 3;
            size_t n = (size_t)img.width * img.height * ch;
            uint8_t *pix = malloc(n);
            for (size_t i = 0; i < n; i++)
                pix[i] = (uint8_t)img.data[i];
            size_t len;
            uint8_t *jpg = make_jpeg(pix, img.width, img.height, ch, gray ? JCS_GRAYSCALE : JCS_RGB,
                                     85, progressive, &len);
            char what[64];
            snprintf(what, sizeof what, "%s%s jpeg", gray ? "gray" : "rgb",
                     progressive ? " progressive" : "");
            truncate_everywhere(ctx, jpg, len, what);
            flip_bits(ctx, jpg, len, 1500, 0, (uint32_t)(10 + gray * 2 + progressive), what);
            free(jpg);
            free(pix);
            imz_image_free(test_ctx(), &img);
        }
    imz_context_destroy(ctx);
}

TEST(hostile_pnm)
{
    ImzContext *ctx = hostile_ctx();
    static const struct {
        ImzFileFormat fmt;
        int gray, depth;
    } cases[] = {
        {IMZ_FMT_PNM, 0, 8}, {IMZ_FMT_PNM, 1, 8}, {IMZ_FMT_PAM, 0, 8}, {IMZ_FMT_PNM, 1, 16}};
    for (int c = 0; c < 4; c++) {
        ImzImage img;
        REQUIRE(ctx && real_crop(&img, 12, 9, cases[c].gray) == IMZ_OK);
        if (cases[c].depth == 16) {
            for (size_t i = 0; i < (size_t)img.width * img.height; i++)
                img.data[i] = (uint16_t)(img.data[i] * 257);
            img.bit_depth = 16;
        }
        uint8_t *buf = NULL;
        size_t len = 0;
        char err[256];
        REQUIRE(imz_write_image(&img, cases[c].fmt, &buf, &len, err, sizeof err) == IMZ_OK);
        truncate_everywhere(ctx, buf, len, "pnm");
        flip_bits(ctx, buf, len, 2000, 0, (uint32_t)(20 + c), "pnm flip");
        free(buf);
        imz_image_free(test_ctx(), &img);
    }
    /* ASCII: a prefix that ends between numbers is still short of samples. */
    const char *ascii = "P3\n# x\n3 2\n1000\n1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 999\n";
    truncate_at(ctx, (const uint8_t *)ascii, strlen(ascii), 0, "ascii pnm");
    flip_bits(ctx, (const uint8_t *)ascii, strlen(ascii), 2000, 0, 30, "ascii pnm flip");
    imz_context_destroy(ctx);
}
