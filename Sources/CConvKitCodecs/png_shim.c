/* libpng behind setjmp: see include/ckit_codecs.h for why. */
#include "ckit_codecs.h"
#include "shim_common.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <sys/stat.h>

/* STAGE_ROWS: read_rows or write_begin has run and rows remain. */
enum { STAGE_NEW, STAGE_BUFFER, STAGE_HEADER, STAGE_ROWS, STAGE_DONE, STAGE_FAILED };

struct ckit_png_ctx {
    png_structp png;
    png_infop info;
    int writing;
    /* zlib level for writing, 0-9 (ckit_png_set_compression); -1: libpng's default (6). */
    int compression_level;
    int stage;
    uint64_t max_pixels;
    const uint8_t *data;
    size_t size;
    size_t pos;
    /* ckit_png_set_fd: the stream libpng reads (a dup of the caller's fd). */
    FILE *file;
    /* The first eXIf found by scan_exif (file input only). */
    uint8_t *exif;
    size_t exif_size;
    ckit_image_header header;
    /* Rows read or written so far, and the bytes of one row. */
    uint32_t row;
    size_t rowbytes;
    /* Encoder output: grown by write_fn (memory), or a CKIT_OUT_BUFFER that
     * write_fn flushes to out_fd (row-wise, out_fd >= 0). */
    uint8_t *out;
    size_t out_size;
    size_t out_cap;
    int out_fd;
    int io_errno;
    jmp_buf jump;
    char message[CKIT_MSG_SIZE];
    char warnings[CKIT_WARN_SIZE];
};

static void on_error(png_structp png, png_const_charp msg) {
    ckit_png_ctx *ctx = (ckit_png_ctx *)png_get_error_ptr(png);
    ckit_set_message(ctx->message, sizeof ctx->message, msg);
    longjmp(ctx->jump, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    ckit_png_ctx *ctx = (ckit_png_ctx *)png_get_error_ptr(png);
    ckit_add_warning(ctx->warnings, sizeof ctx->warnings, msg);
}

static void read_fn(png_structp png, png_bytep dst, size_t n) {
    ckit_png_ctx *ctx = (ckit_png_ctx *)png_get_io_ptr(png);
    if (ctx->size - ctx->pos < n) png_error(png, "Read Error");
    memcpy(dst, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

/* Writes the buffered output to out_fd; a failed write(2) is a libpng error
 * carrying its errno, so the caller can say "disk full" rather than "Write Error". */
static void flush_out(png_structp png, ckit_png_ctx *ctx) {
    int err = ckit_write_all(ctx->out_fd, ctx->out, ctx->out_size);
    ctx->out_size = 0;
    if (err) {
        ctx->io_errno = err;
        png_error(png, "Write Error");
    }
}

static void write_fn(png_structp png, png_bytep src, size_t n) {
    ckit_png_ctx *ctx = (ckit_png_ctx *)png_get_io_ptr(png);
    if (ctx->out_fd >= 0) {
        if (ctx->out_cap - ctx->out_size < n) flush_out(png, ctx);
        if (n >= ctx->out_cap) {
            int err = ckit_write_all(ctx->out_fd, src, n);
            if (err) {
                ctx->io_errno = err;
                png_error(png, "Write Error");
            }
            return;
        }
        memcpy(ctx->out + ctx->out_size, src, n);
        ctx->out_size += n;
        return;
    }
    if (ctx->out_cap - ctx->out_size < n) {
        size_t cap = ctx->out_cap ? ctx->out_cap : 4096;
        while (cap - ctx->out_size < n) {
            if (cap > SIZE_MAX / 2) png_error(png, "encoded PNG too large");
            cap *= 2;
        }
        uint8_t *grown = realloc(ctx->out, cap);
        if (!grown) png_error(png, "out of memory");
        ctx->out = grown;
        ctx->out_cap = cap;
    }
    memcpy(ctx->out + ctx->out_size, src, n);
    ctx->out_size += n;
}

static void flush_fn(png_structp png) { (void)png; }

int ckit_png_set_compression(ckit_png_ctx *ctx, int32_t level) {
    if (!ctx || level < 0 || level > 9) return CKIT_EINVAL;
    ctx->compression_level = level;
    return CKIT_OK;
}

ckit_png_ctx *ckit_png_new(void) {
    ckit_png_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx) {
        ctx->max_pixels = UINT64_MAX;
        ctx->out_fd = -1;
        ctx->compression_level = -1;
    }
    return ctx;
}

void ckit_png_free(ckit_png_ctx *ctx) {
    if (!ctx) return;
    if (ctx->png) {
        if (ctx->writing) png_destroy_write_struct(&ctx->png, &ctx->info);
        else png_destroy_read_struct(&ctx->png, &ctx->info, NULL);
    }
    if (ctx->file) fclose(ctx->file);
    free(ctx->exif);
    free(ctx->out);
    free(ctx);
}

int ckit_png_set_max_pixels(ckit_png_ctx *ctx, uint64_t max_pixels) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    ctx->max_pixels = max_pixels;
    return CKIT_OK;
}

int ckit_png_set_buffer(ckit_png_ctx *ctx, const uint8_t *data, size_t size) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (!data && size) return CKIT_EINVAL;
    ctx->data = data;
    ctx->size = size;
    ctx->pos = 0;
    ctx->stage = STAGE_BUFFER;
    return CKIT_OK;
}

int ckit_png_set_fd(ckit_png_ctx *ctx, int fd) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) return CKIT_EINVAL;
    ctx->file = ckit_open_fd(fd);
    if (!ctx->file) {
        ctx->io_errno = errno;
        snprintf(ctx->message, sizeof ctx->message, "cannot read the file: %s", strerror(errno));
        ctx->stage = STAGE_FAILED;
        return CKIT_EIO;
    }
    /* The allocation caps below scale with the input size. */
    ctx->size = st.st_size > 0 ? (size_t)st.st_size : 0;
    ctx->stage = STAGE_BUFFER;
    return CKIT_OK;
}

static int fail(ckit_png_ctx *ctx, int status, const char *msg) {
    if (msg) ckit_set_message(ctx->message, sizeof ctx->message, msg);
    ctx->stage = STAGE_FAILED;
    return status;
}

/* Bytes a decompressed ancillary chunk may use beyond the file's own size. */
#define CKIT_PNG_CHUNK_SLACK ((png_alloc_size_t)8 << 20)
/* Ancillary chunks kept per image (libpng's own default is 1000 where set). */
#define CKIT_PNG_CHUNK_CACHE_MAX 1000

/* libpng's allocator: no single block may exceed the file size plus
 * CKIT_PNG_ALLOC_SLACK (rows of any image within max-pixels, zlib windows and
 * decompressed text fit easily); NULL makes libpng fail cleanly. */
#define CKIT_PNG_ALLOC_SLACK ((png_alloc_size_t)64 << 20)

static png_voidp capped_malloc(png_structp png, png_alloc_size_t size) {
    ckit_png_ctx *ctx = (ckit_png_ctx *)png_get_mem_ptr(png);
    if (ctx && size > (png_alloc_size_t)ctx->size + CKIT_PNG_ALLOC_SLACK) return NULL;
    return malloc(size);
}

static void capped_free(png_structp png, png_voidp ptr) {
    (void)png;
    free(ptr);
}

static void too_large(ckit_png_ctx *ctx, uint32_t w, uint32_t h) {
    snprintf(ctx->message, sizeof ctx->message, "declared %ux%u exceeds max-pixels %llu", (unsigned)w, (unsigned)h,
             (unsigned long long)ctx->max_pixels);
}

/* The 8 bytes of IHDR's width and height, from the buffer or the file. */
static int ihdr_size(ckit_png_ctx *ctx, uint8_t p[8]) {
    if (!ctx->file) {
        memcpy(p, ctx->data + 16, 8);
        return 1;
    }
    return ckit_pread_full(fileno(ctx->file), p, 8, 16) == 8;
}

static int has_libpng_exif(ckit_png_ctx *ctx) {
#ifdef PNG_eXIf_SUPPORTED
    png_bytep exif = NULL;
    png_uint_32 n = 0;
    return (png_get_eXIf_1(ctx->png, ctx->info, &n, &exif) & PNG_INFO_eXIf) && exif && n > 0;
#else
    return 0;
#endif
}

/* An eXIf larger than this is ignored by scan_exif (JPEG caps EXIF at 64 KiB). */
#define CKIT_PNG_EXIF_MAX ((uint64_t)16 << 20)

/* A PNG may put eXIf after IDAT, where libpng meets it only after the last
 * row; a row-wise reader needs the orientation first. So walk the chunk list
 * with pread: 8 bytes per chunk header, seeking past the data, without
 * disturbing libpng's stream (pread leaves the offset alone) and without
 * reading the file. Same rules as EXIF.pngChunk in Swift: the first eXIf,
 * stop at IEND or at a length past the end of the file. */
static void scan_exif(ckit_png_ctx *ctx) {
    int fd = fileno(ctx->file);
    uint64_t size = ctx->size, at = 8;
    while (at + 8 <= size) {
        uint8_t h[8];
        if (ckit_pread_full(fd, h, 8, at) != 8) return;
        uint64_t length = (uint64_t)h[0] << 24 | (uint64_t)h[1] << 16 | (uint64_t)h[2] << 8 | h[3];
        uint64_t start = at + 8;
        if (length > size - start) return;
        if (memcmp(h + 4, "eXIf", 4) == 0) {
            if (length == 0 || length > CKIT_PNG_EXIF_MAX) return;
            uint8_t *data = malloc((size_t)length);
            if (!data) return;
            if (ckit_pread_full(fd, data, (size_t)length, start) != (ssize_t)length) {
                free(data);
                return;
            }
            ctx->exif = data;
            ctx->exif_size = (size_t)length;
            return;
        }
        if (memcmp(h + 4, "IEND", 4) == 0) return;
        at = start + length + 4;
    }
}

int ckit_png_read_header(ckit_png_ctx *ctx, ckit_image_header *header) {
    if (!ctx || !header || ctx->stage != STAGE_BUFFER) return CKIT_ESTATE;
    ctx->png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning, ctx, capped_malloc,
                                        capped_free);
    if (!ctx->png) return fail(ctx, CKIT_ENOMEM, "cannot create the libpng read struct");
    ctx->info = png_create_info_struct(ctx->png);
    if (!ctx->info) return fail(ctx, CKIT_ENOMEM, "cannot create the libpng info struct");
    if (setjmp(ctx->jump)) {
        /* libpng's per-side limit fired inside IHDR: report it as the pixel limit. */
        uint8_t p[8];
        if (strstr(ctx->warnings, "exceeds user limit") && ctx->size >= 24 && ihdr_size(ctx, p)) {
            too_large(ctx, (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3],
                      (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7]);
            return fail(ctx, CKIT_ETOOLARGE, NULL);
        }
        return fail(ctx, CKIT_ELIBRARY, NULL);
    }

    /* libpng's own per-side limit; the product is checked below. */
    uint64_t side = ctx->max_pixels < PNG_UINT_31_MAX ? ctx->max_pixels : PNG_UINT_31_MAX;
    if (side < 1) side = 1;
    png_set_user_limits(ctx->png, (png_uint_32)side, (png_uint_32)side);
    /* libpng allocates a whole ancillary chunk (iTXt, iCCP, zTXt, ...) at the
     * length its header declares before reading it, so a 282-byte file declaring
     * a 1.8 GB iTXt allocated 1.8 GB (found by FuzzPNG). Its own cap,
     * png_set_chunk_malloc_max, only warns on read (a benign error), so
     * capped_malloc refuses the allocation, which libpng reports as an error. */
    png_set_chunk_malloc_max(ctx->png, (png_alloc_size_t)ctx->size + CKIT_PNG_CHUNK_SLACK);
    /* At most this many ancillary chunks (tEXt, sPLT, unknown) are kept. */
    png_set_chunk_cache_max(ctx->png, CKIT_PNG_CHUNK_CACHE_MAX);
    if (ctx->file) png_init_io(ctx->png, ctx->file);
    else png_set_read_fn(ctx->png, ctx, read_fn);
    png_read_info(ctx->png, ctx->info);

    png_uint_32 w = png_get_image_width(ctx->png, ctx->info);
    png_uint_32 h = png_get_image_height(ctx->png, ctx->info);
    if ((uint64_t)w * (uint64_t)h > ctx->max_pixels) {
        too_large(ctx, w, h);
        return fail(ctx, CKIT_ETOOLARGE, NULL);
    }
    int color = png_get_color_type(ctx->png, ctx->info);
    int depth = png_get_bit_depth(ctx->png, ctx->info);
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(ctx->png);
        /* Only palette transparency becomes alpha; gray/RGB colour keys are ignored. */
        if (png_get_valid(ctx->png, ctx->info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(ctx->png);
    }
    if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(ctx->png);
    if (depth == 16) png_set_swap(ctx->png);
    png_set_interlace_handling(ctx->png);
    png_read_update_info(ctx->png, ctx->info);

    ctx->header.width = w;
    ctx->header.height = h;
    ctx->header.channels = png_get_channels(ctx->png, ctx->info);
    ctx->header.sample_bits = png_get_bit_depth(ctx->png, ctx->info);
    ctx->header.stored_bits = depth;
    ctx->header.buffer_size = (uint64_t)w * h * (uint64_t)ctx->header.channels * (uint64_t)(ctx->header.sample_bits / 8);
    ctx->header.interlaced = png_get_interlace_type(ctx->png, ctx->info) != PNG_INTERLACE_NONE;
    size_t rowbytes = png_get_rowbytes(ctx->png, ctx->info);
    if ((uint64_t)rowbytes * h != ctx->header.buffer_size)
        return fail(ctx, CKIT_ELIBRARY, "unexpected row size after expansion");
    ctx->rowbytes = rowbytes;
    if (ctx->file && !has_libpng_exif(ctx)) scan_exif(ctx);
    *header = ctx->header;
    ctx->stage = STAGE_HEADER;
    return CKIT_OK;
}

int ckit_png_decode(ckit_png_ctx *ctx, void *out, size_t size) {
    if (!ctx || ctx->stage != STAGE_HEADER) return CKIT_ESTATE;
    if (!out || size < ctx->header.buffer_size) return CKIT_EINVAL;
    size_t h = ctx->header.height;
    size_t rowbytes = (size_t)(ctx->header.buffer_size / h);
    png_bytep *volatile rows = malloc(h * sizeof(png_bytep));
    if (!rows) return fail(ctx, CKIT_ENOMEM, "out of memory for row pointers");
    if (setjmp(ctx->jump)) {
        free(rows);
        return fail(ctx, CKIT_ELIBRARY, NULL);
    }
    for (size_t y = 0; y < h; y++) rows[y] = (png_bytep)out + y * rowbytes;
    png_read_image(ctx->png, rows);
    /* A truncated file may decode every row and fail only here. Chunks after
     * IDAT (such as a late eXIf) land in the same info struct. */
    png_read_end(ctx->png, ctx->info);
    free(rows);
    ctx->stage = STAGE_DONE;
    return CKIT_OK;
}

int ckit_png_read_rows(ckit_png_ctx *ctx, void *out, size_t size, uint32_t count) {
    if (!ctx || ctx->writing || (ctx->stage != STAGE_HEADER && ctx->stage != STAGE_ROWS)) return CKIT_ESTATE;
    if (ctx->header.interlaced) {
        /* Not a failure of the file: the caller should have used ckit_png_decode. */
        ckit_set_message(ctx->message, sizeof ctx->message, "interlaced PNG: decode it whole with ckit_png_decode");
        return CKIT_ESTATE;
    }
    if (count > ctx->header.height - ctx->row) return CKIT_EINVAL;
    if (out && size / ctx->rowbytes < count) return CKIT_EINVAL;
    if (setjmp(ctx->jump)) return fail(ctx, CKIT_ELIBRARY, NULL);
    ctx->stage = STAGE_ROWS;
    for (uint32_t i = 0; i < count; i++) {
        /* A NULL row still runs the inflate and unfiltering (the next row
         * depends on this one); libpng just skips the copy out. */
        png_read_row(ctx->png, out ? (png_bytep)out + (size_t)i * ctx->rowbytes : NULL, NULL);
        ctx->row++;
    }
    if (ctx->row == ctx->header.height) {
        png_read_end(ctx->png, ctx->info);
        ctx->stage = STAGE_DONE;
    }
    return CKIT_OK;
}

int ckit_png_exif(ckit_png_ctx *ctx, const uint8_t **data, size_t *size) {
    if (!ctx || !data || !size) return CKIT_EINVAL;
    *data = NULL;
    *size = 0;
    if (!ctx->png || !ctx->info || ctx->writing) return CKIT_ESTATE;
#ifdef PNG_eXIf_SUPPORTED
    png_bytep exif = NULL;
    png_uint_32 n = 0;
    if (png_get_eXIf_1(ctx->png, ctx->info, &n, &exif) & PNG_INFO_eXIf) {
        if (exif && n > 0) {
            *data = exif;
            *size = n;
            return CKIT_OK;
        }
    }
#endif
    if (ctx->exif) {
        *data = ctx->exif;
        *size = ctx->exif_size;
    }
    return CKIT_OK;
}

const char *ckit_png_warnings(const ckit_png_ctx *ctx) { return ctx ? ctx->warnings : ""; }
const char *ckit_png_strerror(const ckit_png_ctx *ctx) { return ctx ? ctx->message : ""; }

/* IHDR and tEXt, written by libpng through write_fn to memory or to out_fd:
 * the one setup both encoders share, so their bytes are the same. */
/* Uncompressed tEXt chunks of `keys` and `values` set on the info struct (png_set_text
 * copies them); returns the array for the caller to free. Calls png_error (longjmp)
 * when out of memory, so the caller's setjmp must be armed. */
static png_textp set_text(ckit_png_ctx *ctx, const char *const *keys, const char *const *values, size_t count) {
    png_textp text = calloc(count, sizeof(png_text));
    if (!text) png_error(ctx->png, "out of memory for text chunks");
    for (size_t i = 0; i < count; i++) {
        text[i].compression = PNG_TEXT_COMPRESSION_NONE;
        text[i].key = (png_charp)keys[i];
        text[i].text = (png_charp)values[i];
        text[i].text_length = strlen(values[i]);
    }
    png_set_text(ctx->png, ctx->info, text, (int)count);
    return text;
}

static int write_begin(ckit_png_ctx *ctx, uint32_t width, uint32_t height, int32_t channels, int32_t bit_depth,
                       const char *const *keys, const char *const *values, size_t text_count) {
    if (width == 0 || height == 0 || channels < 1 || channels > 4 || (bit_depth != 8 && bit_depth != 16) ||
        (text_count && (!keys || !values)))
        return CKIT_EINVAL;
    static const int types[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                PNG_COLOR_TYPE_RGB_ALPHA};
    ctx->writing = 1;
    ctx->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
    if (!ctx->png) return fail(ctx, CKIT_ENOMEM, "cannot create the libpng write struct");
    ctx->info = png_create_info_struct(ctx->png);
    if (!ctx->info) return fail(ctx, CKIT_ENOMEM, "cannot create the libpng info struct");
    png_textp volatile text = NULL;
    if (setjmp(ctx->jump)) {
        free(text);
        return fail(ctx, ctx->io_errno ? CKIT_EIO : CKIT_ELIBRARY, NULL);
    }
    png_set_write_fn(ctx->png, ctx, write_fn, flush_fn);
    if (ctx->compression_level >= 0) png_set_compression_level(ctx->png, ctx->compression_level);
    png_set_IHDR(ctx->png, ctx->info, width, height, bit_depth, types[channels - 1], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (text_count) text = set_text(ctx, keys, values, text_count);
    png_write_info(ctx->png, ctx->info);
    if (bit_depth == 16) png_set_swap(ctx->png);
    free(text);
    ctx->header.width = width;
    ctx->header.height = height;
    ctx->header.channels = channels;
    ctx->header.sample_bits = bit_depth;
    ctx->header.stored_bits = bit_depth;
    ctx->rowbytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    ctx->row = 0;
    ctx->stage = STAGE_ROWS;
    return CKIT_OK;
}

int ckit_png_write_begin(ckit_png_ctx *ctx, int fd, uint32_t width, uint32_t height,
                         int32_t channels, int32_t bit_depth,
                         const char *const *keys, const char *const *values, size_t text_count) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (fd < 0) return CKIT_EINVAL;
    ctx->out = malloc(CKIT_OUT_BUFFER);
    if (!ctx->out) return fail(ctx, CKIT_ENOMEM, "out of memory for the output buffer");
    ctx->out_cap = CKIT_OUT_BUFFER;
    ctx->out_fd = fd;
    return write_begin(ctx, width, height, channels, bit_depth, keys, values, text_count);
}

int ckit_png_write_rows(ckit_png_ctx *ctx, const void *pixels, size_t size, uint32_t count) {
    if (!ctx || !ctx->writing || ctx->stage != STAGE_ROWS) return CKIT_ESTATE;
    if (count > ctx->header.height - ctx->row) return CKIT_EINVAL;
    if (count && (!pixels || size / ctx->rowbytes < count)) return CKIT_EINVAL;
    if (setjmp(ctx->jump)) return fail(ctx, ctx->io_errno ? CKIT_EIO : CKIT_ELIBRARY, NULL);
    /* What png_write_image does for a non-interlaced image, one row at a time. */
    for (uint32_t i = 0; i < count; i++) {
        png_write_row(ctx->png, (png_const_bytep)pixels + (size_t)i * ctx->rowbytes);
        ctx->row++;
    }
    return CKIT_OK;
}

int ckit_png_write_end(ckit_png_ctx *ctx) { return ckit_png_write_end_text(ctx, NULL, NULL, 0); }

int ckit_png_write_end_text(ckit_png_ctx *ctx, const char *const *keys, const char *const *values,
                            size_t text_count) {
    if (!ctx || !ctx->writing || ctx->stage != STAGE_ROWS) return CKIT_ESTATE;
    if (text_count && (!keys || !values)) return CKIT_EINVAL;
    if (ctx->row != ctx->header.height) {
        snprintf(ctx->message, sizeof ctx->message, "only %u of %u rows were written", (unsigned)ctx->row,
                 (unsigned)ctx->header.height);
        return CKIT_ESTATE;
    }
    png_textp volatile text = NULL;
    if (setjmp(ctx->jump)) {
        free(text);
        return fail(ctx, ctx->io_errno ? CKIT_EIO : CKIT_ELIBRARY, NULL);
    }
    /* Chunks set now are not yet written: png_write_end writes them after IDAT. */
    if (text_count) text = set_text(ctx, keys, values, text_count);
    png_write_end(ctx->png, ctx->info);
    free(text);
    if (ctx->out_fd >= 0) flush_out(ctx->png, ctx);
    ctx->stage = STAGE_DONE;
    return CKIT_OK;
}

int ckit_png_io_errno(const ckit_png_ctx *ctx) { return ctx ? ctx->io_errno : 0; }

int ckit_png_encode(ckit_png_ctx *ctx, const void *pixels, uint32_t width, uint32_t height,
                    int32_t channels, int32_t bit_depth,
                    const char *const *keys, const char *const *values, size_t text_count) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (!pixels) return CKIT_EINVAL;
    int status = write_begin(ctx, width, height, channels, bit_depth, keys, values, text_count);
    if (status == CKIT_OK) status = ckit_png_write_rows(ctx, pixels, ctx->rowbytes * height, height);
    if (status == CKIT_OK) status = ckit_png_write_end(ctx);
    return status;
}

int ckit_png_encoded(const ckit_png_ctx *ctx, const uint8_t **data, size_t *size) {
    if (!ctx || !data || !size) return CKIT_EINVAL;
    if (!ctx->writing || ctx->stage != STAGE_DONE || ctx->out_fd >= 0) return CKIT_ESTATE;
    *data = ctx->out;
    *size = ctx->out_size;
    return CKIT_OK;
}
