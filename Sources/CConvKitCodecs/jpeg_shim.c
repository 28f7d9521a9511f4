/* libjpeg behind setjmp: see include/ckit_codecs.h for why. */
#include "ckit_codecs.h"
#include "shim_common.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>
#include <jerror.h>

/* STAGE_ROWS: the decompressor (or compressor) has started and rows remain. */
enum { STAGE_NEW, STAGE_BUFFER, STAGE_HEADER, STAGE_ROWS, STAGE_DONE, STAGE_FAILED };

/* libjpeg's error manager first, so the callbacks can cast j_common_ptr->err back. */
typedef struct {
    struct jpeg_error_mgr mgr;
    struct ckit_jpeg_ctx *ctx;
} error_mgr;

/* A destination manager writing to a file descriptor (first member: libjpeg
 * sees only the public part). */
typedef struct {
    struct jpeg_destination_mgr pub;
    struct ckit_jpeg_ctx *ctx;
} fd_dest;

struct ckit_jpeg_ctx {
    struct jpeg_decompress_struct dinfo;
    struct jpeg_compress_struct cinfo;
    int has_dinfo;
    int has_cinfo;
    int stage;
    int cmyk;
    int inverted;
    uint64_t max_pixels;
    const uint8_t *data;
    size_t size;
    /* ckit_jpeg_set_fd: the stream libjpeg reads (a dup of the caller's fd). */
    FILE *file;
    ckit_image_header header;
    /* Rows read or written so far. */
    uint32_t row;
    /* One decoded row: the CMYK samples before conversion, or a skipped row. */
    uint8_t *scratch;
    const uint8_t *exif;
    size_t exif_size;
    /* Encoder output from jpeg_mem_dest (malloc'd by libjpeg). */
    unsigned char *out;
    unsigned long out_size;
    /* Row-wise encoder output: CKIT_OUT_BUFFER bytes written to out_fd. */
    fd_dest dest;
    uint8_t *obuf;
    int out_fd;
    int io_errno;
    error_mgr err;
    jmp_buf jump;
    char message[CKIT_MSG_SIZE];
    char warnings[CKIT_WARN_SIZE];
};

static void on_error_exit(j_common_ptr cinfo) {
    ckit_jpeg_ctx *ctx = ((error_mgr *)cinfo->err)->ctx;
    char buf[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, buf);
    ckit_set_message(ctx->message, sizeof ctx->message, buf);
    longjmp(ctx->jump, 1);
}

static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return; /* trace messages */
    ckit_jpeg_ctx *ctx = ((error_mgr *)cinfo->err)->ctx;
    char buf[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, buf);
    cinfo->err->num_warnings++;
    int code = cinfo->err->msg_code;
    /* Lost entropy-coded data that libjpeg would fill in silently: an error. */
    if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) {
        ckit_set_message(ctx->message, sizeof ctx->message, buf);
        longjmp(ctx->jump, 1);
    }
    ckit_add_warning(ctx->warnings, sizeof ctx->warnings, buf);
}

static void setup_errors(ckit_jpeg_ctx *ctx) {
    jpeg_std_error(&ctx->err.mgr);
    ctx->err.mgr.error_exit = on_error_exit;
    ctx->err.mgr.emit_message = on_emit_message;
    ctx->err.ctx = ctx;
}

static int fail(ckit_jpeg_ctx *ctx, int status, const char *msg) {
    if (msg) ckit_set_message(ctx->message, sizeof ctx->message, msg);
    ctx->stage = STAGE_FAILED;
    return status;
}

ckit_jpeg_ctx *ckit_jpeg_new(void) {
    ckit_jpeg_ctx *ctx = calloc(1, sizeof *ctx);
    if (ctx) {
        ctx->max_pixels = UINT64_MAX;
        ctx->out_fd = -1;
    }
    return ctx;
}

void ckit_jpeg_free(ckit_jpeg_ctx *ctx) {
    if (!ctx) return;
    if (ctx->has_dinfo) jpeg_destroy_decompress(&ctx->dinfo);
    if (ctx->has_cinfo) jpeg_destroy_compress(&ctx->cinfo);
    if (ctx->file) fclose(ctx->file);
    free(ctx->scratch);
    free(ctx->obuf);
    free(ctx->out);
    free(ctx);
}

int ckit_jpeg_set_max_pixels(ckit_jpeg_ctx *ctx, uint64_t max_pixels) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    ctx->max_pixels = max_pixels;
    return CKIT_OK;
}

int ckit_jpeg_set_buffer(ckit_jpeg_ctx *ctx, const uint8_t *data, size_t size) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (!data || size == 0) return CKIT_EINVAL;
    ctx->data = data;
    ctx->size = size;
    ctx->stage = STAGE_BUFFER;
    return CKIT_OK;
}

int ckit_jpeg_set_fd(ckit_jpeg_ctx *ctx, int fd) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (fd < 0) return CKIT_EINVAL;
    ctx->file = ckit_open_fd(fd);
    if (!ctx->file) {
        ctx->io_errno = errno;
        snprintf(ctx->message, sizeof ctx->message, "cannot read the file: %s", strerror(errno));
        ctx->stage = STAGE_FAILED;
        return CKIT_EIO;
    }
    ctx->stage = STAGE_BUFFER;
    return CKIT_OK;
}

int ckit_jpeg_read_header(ckit_jpeg_ctx *ctx, ckit_image_header *header) {
    if (!ctx || !header || ctx->stage != STAGE_BUFFER) return CKIT_ESTATE;
    struct jpeg_decompress_struct *d = &ctx->dinfo;
    setup_errors(ctx);
    d->err = &ctx->err.mgr;
    if (setjmp(ctx->jump)) return fail(ctx, CKIT_ELIBRARY, NULL);
    jpeg_create_decompress(d);
    ctx->has_dinfo = 1;
    /* Both sources raise JWRN_JPEG_EOF at the end of the data, which
     * on_emit_message turns into an error, so a cut file fails the same way. */
    if (ctx->file) jpeg_stdio_src(d, ctx->file);
    else jpeg_mem_src(d, ctx->data, (unsigned long)ctx->size);
    jpeg_save_markers(d, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(d, TRUE);

    if ((uint64_t)d->image_width * (uint64_t)d->image_height > ctx->max_pixels) {
        char msg[CKIT_MSG_SIZE];
        snprintf(msg, sizeof msg, "declared %ux%u exceeds max-pixels %llu", (unsigned)d->image_width,
                 (unsigned)d->image_height, (unsigned long long)ctx->max_pixels);
        return fail(ctx, CKIT_ETOOLARGE, msg);
    }
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next) {
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && memcmp(m->data, "Exif\0\0", 6) == 0) {
            ctx->exif = m->data + 6;
            ctx->exif_size = m->data_length - 6;
            break;
        }
    }
    int channels;
    switch (d->jpeg_color_space) {
    case JCS_GRAYSCALE:
        d->out_color_space = JCS_GRAYSCALE;
        channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        d->out_color_space = JCS_RGB;
        channels = 3;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        /* Converted to RGB in ckit_jpeg_decode. */
        d->out_color_space = JCS_CMYK;
        ctx->cmyk = 1;
        ctx->inverted = d->saw_Adobe_marker;
        channels = 3;
        break;
    default:
        return fail(ctx, CKIT_ELIBRARY, "unsupported JPEG colour space");
    }
    d->dct_method = JDCT_ISLOW;
    d->do_fancy_upsampling = TRUE;

    ctx->header.width = d->image_width;
    ctx->header.height = d->image_height;
    ctx->header.channels = channels;
    ctx->header.sample_bits = 8;
    ctx->header.stored_bits = d->data_precision;
    ctx->header.buffer_size = (uint64_t)d->image_width * d->image_height * (uint64_t)channels;
    ctx->header.interlaced = d->progressive_mode ? 1 : 0;
    *header = ctx->header;
    ctx->stage = STAGE_HEADER;
    return CKIT_OK;
}

/* Pillow's CMYK -> RGB (Convert.c cmyk2rgb), after undoing Adobe's inversion. */
static void cmyk_to_rgb(uint8_t *dst, const uint8_t *src, size_t width, int inverted) {
    for (size_t x = 0; x < width; x++) {
        int c = src[4 * x], m = src[4 * x + 1], y = src[4 * x + 2], k = src[4 * x + 3];
        if (inverted) {
            c = 255 - c;
            m = 255 - m;
            y = 255 - y;
            k = 255 - k;
        }
        int nk = 255 - k;
        int t;
        t = c * nk + 128; dst[3 * x] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        t = m * nk + 128; dst[3 * x + 1] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
        t = y * nk + 128; dst[3 * x + 2] = (uint8_t)(nk - (((t >> 8) + t) >> 8));
    }
}

int ckit_jpeg_decode(ckit_jpeg_ctx *ctx, void *out, size_t size) {
    if (!ctx || ctx->stage != STAGE_HEADER) return CKIT_ESTATE;
    if (!out || size < ctx->header.buffer_size) return CKIT_EINVAL;
    return ckit_jpeg_read_rows(ctx, out, size, ctx->header.height);
}

int ckit_jpeg_read_rows(ckit_jpeg_ctx *ctx, void *out, size_t size, uint32_t count) {
    if (!ctx || !ctx->has_dinfo || (ctx->stage != STAGE_HEADER && ctx->stage != STAGE_ROWS)) return CKIT_ESTATE;
    struct jpeg_decompress_struct *d = &ctx->dinfo;
    size_t stride = (size_t)ctx->header.width * (size_t)ctx->header.channels;
    if (count > ctx->header.height - ctx->row) return CKIT_EINVAL;
    if (out && size / stride < count) return CKIT_EINVAL;
    if (setjmp(ctx->jump)) return fail(ctx, CKIT_ELIBRARY, NULL);
    if (ctx->stage == STAGE_HEADER) {
        /* For a progressive file this reads every scan into libjpeg's
         * coefficient buffer (the whole image) before the first row. */
        jpeg_start_decompress(d);
        int expect = ctx->cmyk ? 4 : ctx->header.channels;
        if (d->output_components != expect || d->output_width != ctx->header.width ||
            d->output_height != ctx->header.height) {
            jpeg_abort_decompress(d);
            return fail(ctx, CKIT_ELIBRARY, "unexpected JPEG output layout");
        }
        ctx->scratch = malloc((size_t)d->output_width * (size_t)expect);
        if (!ctx->scratch) {
            jpeg_abort_decompress(d);
            return fail(ctx, CKIT_ENOMEM, ctx->cmyk ? "out of memory for a CMYK row" : "out of memory for a row");
        }
        ctx->stage = STAGE_ROWS;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *dst = out ? (uint8_t *)out + (size_t)i * stride : NULL;
        JSAMPROW target = ctx->cmyk || !dst ? ctx->scratch : dst;
        if (jpeg_read_scanlines(d, &target, 1) != 1) {
            jpeg_abort_decompress(d);
            return fail(ctx, CKIT_ELIBRARY, "Premature end of JPEG file");
        }
        if (ctx->cmyk && dst) cmyk_to_rgb(dst, ctx->scratch, ctx->header.width, ctx->inverted);
        ctx->row++;
    }
    if (ctx->row == ctx->header.height) {
        jpeg_finish_decompress(d);
        ctx->stage = STAGE_DONE;
    }
    return CKIT_OK;
}

int ckit_jpeg_exif(ckit_jpeg_ctx *ctx, const uint8_t **data, size_t *size) {
    if (!ctx || !data || !size) return CKIT_EINVAL;
    *data = ctx->exif;
    *size = ctx->exif_size;
    return CKIT_OK;
}

const char *ckit_jpeg_warnings(const ckit_jpeg_ctx *ctx) { return ctx ? ctx->warnings : ""; }
const char *ckit_jpeg_strerror(const ckit_jpeg_ctx *ctx) { return ctx ? ctx->message : ""; }

/* The row-wise destination: libjpeg fills obuf, these write it to out_fd. A
 * failed write(2) is a libjpeg error (JERR_FILE_WRITE) carrying its errno. */
static void dest_init(j_compress_ptr c) {
    ckit_jpeg_ctx *ctx = ((fd_dest *)c->dest)->ctx;
    c->dest->next_output_byte = ctx->obuf;
    c->dest->free_in_buffer = CKIT_OUT_BUFFER;
}

static void dest_write(j_compress_ptr c, size_t n) {
    ckit_jpeg_ctx *ctx = ((fd_dest *)c->dest)->ctx;
    int err = ckit_write_all(ctx->out_fd, ctx->obuf, n);
    if (err) {
        ctx->io_errno = err;
        ERREXIT(c, JERR_FILE_WRITE);
    }
}

/* libjpeg's contract: write the whole buffer, whatever next_output_byte says. */
static boolean dest_empty(j_compress_ptr c) {
    dest_write(c, CKIT_OUT_BUFFER);
    dest_init(c);
    return TRUE;
}

static void dest_term(j_compress_ptr c) { dest_write(c, CKIT_OUT_BUFFER - c->dest->free_in_buffer); }

/* The compressor setup both encoders share (only the destination differs). */
static int write_begin(ckit_jpeg_ctx *ctx, int fd, uint32_t width, uint32_t height, int32_t channels,
                       int32_t quality) {
    if (width == 0 || height == 0 || (channels != 1 && channels != 3)) return CKIT_EINVAL;
    if (width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION)
        return fail(ctx, CKIT_EINVAL, "JPEG width and height are limited to 65500");
    if (quality < 1) quality = 1;
    if (quality > 100) quality = 100;
    if (fd >= 0) {
        ctx->obuf = malloc(CKIT_OUT_BUFFER);
        if (!ctx->obuf) return fail(ctx, CKIT_ENOMEM, "out of memory for the output buffer");
        ctx->out_fd = fd;
    }
    struct jpeg_compress_struct *c = &ctx->cinfo;
    setup_errors(ctx);
    c->err = &ctx->err.mgr;
    if (setjmp(ctx->jump)) return fail(ctx, ctx->io_errno ? CKIT_EIO : CKIT_ELIBRARY, NULL);
    jpeg_create_compress(c);
    ctx->has_cinfo = 1;
    if (fd >= 0) {
        ctx->dest.pub.init_destination = dest_init;
        ctx->dest.pub.empty_output_buffer = dest_empty;
        ctx->dest.pub.term_destination = dest_term;
        ctx->dest.ctx = ctx;
        c->dest = &ctx->dest.pub;
    } else {
        jpeg_mem_dest(c, &ctx->out, &ctx->out_size);
    }
    c->image_width = width;
    c->image_height = height;
    c->input_components = channels;
    c->in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(c);
    jpeg_set_quality(c, quality, TRUE);
    jpeg_start_compress(c, TRUE);
    ctx->header.width = width;
    ctx->header.height = height;
    ctx->header.channels = channels;
    ctx->header.sample_bits = 8;
    ctx->header.stored_bits = 8;
    ctx->row = 0;
    ctx->stage = STAGE_ROWS;
    return CKIT_OK;
}

int ckit_jpeg_write_begin(ckit_jpeg_ctx *ctx, int fd, uint32_t width, uint32_t height,
                          int32_t channels, int32_t quality) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (fd < 0) return CKIT_EINVAL;
    return write_begin(ctx, fd, width, height, channels, quality);
}

int ckit_jpeg_write_rows(ckit_jpeg_ctx *ctx, const uint8_t *pixels, size_t size, uint32_t count) {
    if (!ctx || !ctx->has_cinfo || ctx->stage != STAGE_ROWS) return CKIT_ESTATE;
    struct jpeg_compress_struct *c = &ctx->cinfo;
    size_t stride = (size_t)ctx->header.width * (size_t)ctx->header.channels;
    if (count > ctx->header.height - ctx->row) return CKIT_EINVAL;
    if (count && (!pixels || size / stride < count)) return CKIT_EINVAL;
    if (setjmp(ctx->jump)) return fail(ctx, ctx->io_errno ? CKIT_EIO : CKIT_ELIBRARY, NULL);
    for (uint32_t i = 0; i < count; i++) {
        JSAMPROW rowp = (JSAMPROW)(pixels + (size_t)i * stride);
        jpeg_write_scanlines(c, &rowp, 1);
        ctx->row++;
    }
    return CKIT_OK;
}

int ckit_jpeg_write_end(ckit_jpeg_ctx *ctx) {
    if (!ctx || !ctx->has_cinfo || ctx->stage != STAGE_ROWS) return CKIT_ESTATE;
    if (ctx->row != ctx->header.height) {
        snprintf(ctx->message, sizeof ctx->message, "only %u of %u rows were written", (unsigned)ctx->row,
                 (unsigned)ctx->header.height);
        return CKIT_ESTATE;
    }
    if (setjmp(ctx->jump)) return fail(ctx, ctx->io_errno ? CKIT_EIO : CKIT_ELIBRARY, NULL);
    jpeg_finish_compress(&ctx->cinfo);
    ctx->stage = STAGE_DONE;
    return CKIT_OK;
}

int ckit_jpeg_io_errno(const ckit_jpeg_ctx *ctx) { return ctx ? ctx->io_errno : 0; }

int ckit_jpeg_encode(ckit_jpeg_ctx *ctx, const uint8_t *pixels, uint32_t width, uint32_t height,
                     int32_t channels, int32_t quality) {
    if (!ctx || ctx->stage != STAGE_NEW) return CKIT_ESTATE;
    if (!pixels) return CKIT_EINVAL;
    int status = write_begin(ctx, -1, width, height, channels, quality);
    size_t stride = (size_t)width * (size_t)channels;
    if (status == CKIT_OK) status = ckit_jpeg_write_rows(ctx, pixels, stride * height, height);
    if (status == CKIT_OK) status = ckit_jpeg_write_end(ctx);
    return status;
}

int ckit_jpeg_encoded(const ckit_jpeg_ctx *ctx, const uint8_t **data, size_t *size) {
    if (!ctx || !data || !size) return CKIT_EINVAL;
    if (!ctx->has_cinfo || ctx->stage != STAGE_DONE || ctx->out_fd >= 0) return CKIT_ESTATE;
    *data = ctx->out;
    *size = (size_t)ctx->out_size;
    return CKIT_OK;
}
