/* TIFF through libtiff: context, I/O, error handlers, reading. Writing is in tiff_write.c. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "tiff_internal.h"

static int on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    ckit_tiff_ctx *ctx = user;
    char text[CKIT_MSG_SIZE];
    vsnprintf(text, sizeof text, fmt, ap);
    /* Keep the first error: later ones are usually consequences ("Cannot read ..."). */
    if (!ctx->message[0]) {
        if (module && *module) snprintf(ctx->message, sizeof ctx->message, "%s: %s", module, text);
        else ckit_set_message(ctx->message, sizeof ctx->message, text);
    }
    return 1; /* handled: libtiff's default handler does not print */
}

static int on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    ckit_tiff_ctx *ctx = user;
    char text[CKIT_MSG_SIZE], line[CKIT_MSG_SIZE + 64];
    vsnprintf(text, sizeof text, fmt, ap);
    snprintf(line, sizeof line, "%s%s%s", module ? module : "", module && *module ? ": " : "", text);
    /* A warning repeated for every strip is kept once. */
    if (!strstr(ctx->warnings, line)) ckit_add_warning(ctx->warnings, sizeof ctx->warnings, line);
    return 1;
}

/* Errors raised before a TIFF* exists, or by code without a context, would go
 * to libtiff's global handlers, which print to stderr: silence them once. */
static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;
static void quiet_globals(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
}

int ckit_tiff_fail(ckit_tiff_ctx *ctx, const char *fallback) {
    if (ctx->io_errno) return CKIT_EIO;
    if (!ctx->message[0]) ckit_set_message(ctx->message, sizeof ctx->message, fallback);
    return CKIT_ELIBRARY;
}

ckit_tiff_ctx *ckit_tiff_new(void) {
    pthread_once(&quiet_once, quiet_globals);
    ckit_tiff_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) return NULL;
    ctx->fd = -1;
    ctx->band_index = -1;
    ctx->max_pixels = UINT64_MAX;
    return ctx;
}

void ckit_tiff_free(ckit_tiff_ctx *ctx) {
    if (!ctx) return;
    if (ctx->tif) TIFFClose(ctx->tif);
    free(ctx->band);
    free(ctx->w_band);
    free(ctx->w_tile_buf);
    free(ctx->wdata);
    free(ctx);
}

int ckit_tiff_set_limits(ckit_tiff_ctx *ctx, uint64_t max_pixels, uint64_t max_alloc) {
    if (!ctx || ctx->tif) return CKIT_ESTATE;
    ctx->max_pixels = max_pixels;
    ctx->max_alloc = max_alloc;
    return CKIT_OK;
}

/* ---- I/O procs: the context is libtiff's client data ---- */

static tmsize_t io_read(thandle_t h, void *buf, tmsize_t n) {
    ckit_tiff_ctx *ctx = h;
    if (n <= 0) return 0;
    if (ctx->fd >= 0) {
        ssize_t r = ckit_pread_full(ctx->fd, buf, (size_t)n, ctx->pos);
        if (r < 0) { ctx->io_errno = errno; return -1; }
        ctx->pos += (uint64_t)r;
        return r;
    }
    const uint8_t *src = ctx->rdata ? ctx->rdata : ctx->wdata;
    size_t size = ctx->rdata ? ctx->rsize : ctx->wsize;
    if (ctx->pos >= size) return 0;
    size_t k = size - ctx->pos < (size_t)n ? size - ctx->pos : (size_t)n;
    memcpy(buf, src + ctx->pos, k);
    ctx->pos += k;
    return (tmsize_t)k;
}

static tmsize_t io_write(thandle_t h, void *buf, tmsize_t n) {
    ckit_tiff_ctx *ctx = h;
    if (n <= 0) return 0;
    if (ctx->fd >= 0) {
        size_t done = 0;
        while (done < (size_t)n) {
            ssize_t w = pwrite(ctx->fd, (char *)buf + done, (size_t)n - done, (off_t)(ctx->pos + done));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) { ctx->io_errno = w < 0 ? errno : EIO; return -1; }
            done += (size_t)w;
        }
        ctx->pos += done;
        return n;
    }
    if (ctx->rdata) return -1;
    uint64_t end = ctx->pos + (uint64_t)n;
    if (end > ctx->wcap) {
        size_t cap = ctx->wcap ? ctx->wcap : 1 << 16;
        while (cap < end) cap *= 2;
        uint8_t *grown = realloc(ctx->wdata, cap);
        if (!grown) { ctx->io_errno = ENOMEM; return -1; }
        ctx->wdata = grown;
        ctx->wcap = cap;
    }
    if (ctx->pos > ctx->wsize) memset(ctx->wdata + ctx->wsize, 0, ctx->pos - ctx->wsize);
    memcpy(ctx->wdata + ctx->pos, buf, (size_t)n);
    ctx->pos = end;
    if (end > ctx->wsize) ctx->wsize = end;
    return n;
}

static uint64_t io_size_now(ckit_tiff_ctx *ctx) {
    if (ctx->fd >= 0) {
        off_t end = lseek(ctx->fd, 0, SEEK_END);
        return end < 0 ? 0 : (uint64_t)end;
    }
    return ctx->rdata ? ctx->rsize : ctx->wsize;
}

static toff_t io_seek(thandle_t h, toff_t off, int whence) {
    ckit_tiff_ctx *ctx = h;
    uint64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? ctx->pos : io_size_now(ctx);
    ctx->pos = base + off;
    return ctx->pos;
}

static int io_close(thandle_t h) { (void)h; return 0; }
static toff_t io_size(thandle_t h) { return io_size_now(h); }
static int io_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void io_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

int ckit_tiff_client_open(ckit_tiff_ctx *ctx, const char *name, const char *mode) {
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) return CKIT_ENOMEM;
    TIFFOpenOptionsSetErrorHandlerExtR(opts, on_error, ctx);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, on_warning, ctx);
    if (ctx->max_alloc) TIFFOpenOptionsSetMaxSingleMemAlloc(opts, (tmsize_t)ctx->max_alloc);
    ctx->pos = 0;
    ctx->tif = TIFFClientOpenExt(name ? name : "", mode, ctx, io_read, io_write, io_seek, io_close, io_size,
                                 io_map, io_unmap, opts);
    TIFFOpenOptionsFree(opts);
    return ctx->tif ? CKIT_OK : ckit_tiff_fail(ctx, "not a readable TIFF");
}

static int open_read(ckit_tiff_ctx *ctx, const char *name) {
    int status = ckit_tiff_client_open(ctx, name, "rm");
    if (status != CKIT_OK) return status;
    tdir_t n = TIFFNumberOfDirectories(ctx->tif);
    if (ctx->message[0]) return CKIT_ELIBRARY;
    /* libtiff treats a chain of IFDs that loops back as ending there, with a
     * warning; a file whose directories loop is damaged, so it is refused. */
    const char *loop = strstr(ctx->warnings, "IFD loop");
    if (loop) {
        const char *start = loop, *end = strchr(loop, '\n');
        while (start > ctx->warnings && start[-1] != '\n') start--;
        snprintf(ctx->message, sizeof ctx->message, "%.*s", (int)(end ? end - start : (long)strlen(start)), start);
        return CKIT_ELIBRARY;
    }
    if (n == 0) return ckit_tiff_fail(ctx, "the file has no image directory");
    ctx->pages = n;
    return CKIT_OK;
}

int ckit_tiff_open_buffer(ckit_tiff_ctx *ctx, const uint8_t *data, size_t size, const char *name) {
    if (!ctx || ctx->tif || !data) return CKIT_ESTATE;
    ctx->rdata = data;
    ctx->rsize = size;
    return open_read(ctx, name);
}

int ckit_tiff_open_fd(ckit_tiff_ctx *ctx, int fd, const char *name) {
    if (!ctx || ctx->tif || fd < 0) return CKIT_ESTATE;
    ctx->fd = fd;
    return open_read(ctx, name);
}

int ckit_tiff_pages(const ckit_tiff_ctx *ctx, uint32_t *pages) {
    if (!ctx || !ctx->tif) return CKIT_ESTATE;
    *pages = ctx->pages;
    return CKIT_OK;
}

static int refuse(ckit_tiff_ctx *ctx, const char *fmt, long a, long b) {
    snprintf(ctx->message, sizeof ctx->message, fmt, a, b);
    return CKIT_ELIBRARY;
}

int ckit_tiff_select(ckit_tiff_ctx *ctx, uint32_t page, ckit_tiff_info *info) {
    if (!ctx || !ctx->tif || ctx->writing) return CKIT_ESTATE;
    if (page >= ctx->pages) return refuse(ctx, "page %ld does not exist: the file has %ld", (long)page, (long)ctx->pages);
    ctx->selected = 0;
    ctx->band_index = -1;
    TIFF *tif = ctx->tif;
    if (!TIFFSetDirectory(tif, (tdir_t)page)) return ckit_tiff_fail(ctx, "cannot read the page's directory");
    ckit_tiff_info in = {0};
    uint16_t bps = 1, spp = 1, fmt = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG, photo = 0, comp = 1, orient = 1;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &in.width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &in.height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &fmt);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &comp);
    if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo)) photo = spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    if (TIFFGetField(tif, TIFFTAG_ORIENTATION, &orient) && orient >= 1 && orient <= 8) in.orientation = orient;
    else in.orientation = 1;
    uint16_t nextra = 0, *extra = NULL;
    if (TIFFGetField(tif, TIFFTAG_EXTRASAMPLES, &nextra, &extra)) {
        in.extra_samples = nextra;
        in.has_alpha = nextra > 0 && extra && (extra[0] == EXTRASAMPLE_ASSOCALPHA || extra[0] == EXTRASAMPLE_UNASSALPHA);
    }
    if (in.width == 0 || in.height == 0) return refuse(ctx, "the page declares %ldx%ld pixels", (long)in.width, (long)in.height);
    if ((uint64_t)in.width * in.height > ctx->max_pixels) {
        snprintf(ctx->message, sizeof ctx->message, "declared %ux%u exceeds max-pixels %llu", in.width, in.height,
                 (unsigned long long)ctx->max_pixels);
        return CKIT_ETOOLARGE;
    }
    if (spp == 0) return refuse(ctx, "SamplesPerPixel is %ld%.0ld", 0, 0);
    /* The decoded tensor holds width x height x samples floats: allow as many
     * samples as max-pixels RGBA pixels have, so that 65535 declared samples
     * per pixel cannot make a small file allocate terabytes. */
    uint64_t decoded_channels = photo == PHOTOMETRIC_PALETTE ? 3 : spp;
    if (ctx->max_pixels < UINT64_MAX / 4 &&
        (uint64_t)in.width * in.height * decoded_channels > ctx->max_pixels * 4) {
        snprintf(ctx->message, sizeof ctx->message,
                 "declared %ux%u with %u samples per pixel exceeds max-pixels %llu x 4 samples", in.width, in.height,
                 (unsigned)decoded_channels, (unsigned long long)ctx->max_pixels);
        return CKIT_ETOOLARGE;
    }
    int bits_ok = (fmt == SAMPLEFORMAT_IEEEFP) ? (bps == 32 || bps == 64)
                : (fmt == SAMPLEFORMAT_UINT || fmt == SAMPLEFORMAT_INT)
                    ? (bps == 1 || bps == 2 || bps == 4 || bps == 8 || bps == 16 || bps == 32) : 0;
    if (!bits_ok) return refuse(ctx, "%ld-bit samples of SampleFormat %ld are not read (integers of 1-32 bits, floats of 32 or 64)",
                                bps, fmt);
    if (comp == COMPRESSION_JPEG && photo == PHOTOMETRIC_YCBCR) {
        TIFFSetField(tif, TIFFTAG_JPEGCOLORMODE, JPEGCOLORMODE_RGB);
        photo = PHOTOMETRIC_RGB;
    }
    in.channels = spp;
    if (photo == PHOTOMETRIC_PALETTE) {
        if (spp != 1 || bps > 16 || fmt != SAMPLEFORMAT_UINT) return refuse(ctx, "a palette image of %ld samples of %ld bits", spp, bps);
        if (!TIFFGetField(tif, TIFFTAG_COLORMAP, &ctx->cmap[0], &ctx->cmap[1], &ctx->cmap[2]))
            return ckit_tiff_fail(ctx, "a palette image without a ColorMap");
        in.channels = 3;
    } else if (photo != PHOTOMETRIC_MINISBLACK && photo != PHOTOMETRIC_MINISWHITE && photo != PHOTOMETRIC_RGB) {
        return refuse(ctx, "Photometric %ld is not read (gray, RGB, palette, JPEG YCbCr)%.0ld", photo, 0);
    }
    if (photo == PHOTOMETRIC_RGB && spp < 3) return refuse(ctx, "an RGB image with %ld samples%.0ld", spp, 0);
    in.bits = bps;
    in.sample_format = fmt;
    in.planar = planar == PLANARCONFIG_SEPARATE && spp > 1 ? 2 : 1;
    in.compression = comp;
    in.photometric = photo;
    in.bigtiff = TIFFIsBigTIFF(tif);
    in.tiled = TIFFIsTiled(tif);
    if (in.tiled) {
        TIFFGetField(tif, TIFFTAG_TILEWIDTH, &in.tile_width);
        TIFFGetField(tif, TIFFTAG_TILELENGTH, &in.tile_height);
        if (!in.tile_width || !in.tile_height || in.tile_width > 65536 || in.tile_height > 65536)
            return refuse(ctx, "tiles of %ldx%ld (TIFF tiles are 16 to 65536 pixels a side)", in.tile_width, in.tile_height);
    } else {
        TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &in.rows_per_strip);
        if (in.rows_per_strip == 0 || in.rows_per_strip > in.height) in.rows_per_strip = in.height;
    }
    if (!TIFFIsCODECConfigured(comp)) return refuse(ctx, "compression %ld is not built into this libtiff%.0ld", comp, 0);

    /* The band cache: one strip, or one row of tiles, for every plane. */
    uint64_t planes = in.planar == 2 ? spp : 1;
    uint64_t row_samples = in.planar == 2 ? 1 : spp;
    uint64_t band_width = in.tiled ? ((uint64_t)in.width + in.tile_width - 1) / in.tile_width * in.tile_width : in.width;
    uint64_t row_bytes = (band_width * row_samples * bps + 7) / 8;
    if (in.tiled) row_bytes = (((uint64_t)in.width + in.tile_width - 1) / in.tile_width) *
                              (((uint64_t)in.tile_width * row_samples * bps + 7) / 8);
    uint32_t band_rows = in.tiled ? in.tile_height : in.rows_per_strip;
    uint64_t size = row_bytes * band_rows;
    if (ctx->max_alloc && size * planes > ctx->max_alloc)
        return refuse(ctx, "a strip or row of tiles needs %ld bytes, over the limit of %ld", (long)(size * planes), (long)ctx->max_alloc);
    free(ctx->band);
    ctx->band = malloc(size * planes ? size * planes : 1);
    if (!ctx->band) return CKIT_ENOMEM;
    ctx->band_size = size;
    ctx->band_rows = band_rows;
    ctx->band_row_bytes = row_bytes;
    ctx->spp = spp;
    ctx->info = in;
    ctx->selected = 1;
    *info = in;
    return CKIT_OK;
}

/* Decodes band `b` (strip or tile row) of every plane into ctx->band. */
static int load_band(ckit_tiff_ctx *ctx, uint32_t b) {
    TIFF *tif = ctx->tif;
    const ckit_tiff_info *in = &ctx->info;
    uint32_t planes = in->planar == 2 ? ctx->spp : 1;
    uint32_t top = b * ctx->band_rows;
    uint32_t rows = in->height - top < ctx->band_rows ? in->height - top : ctx->band_rows;
    ctx->band_index = -1;
    for (uint32_t p = 0; p < planes; p++) {
        uint8_t *dst = ctx->band + (size_t)p * ctx->band_size;
        if (!in->tiled) {
            uint32_t strip = TIFFComputeStrip(tif, top, (uint16_t)p);
            tmsize_t want = (tmsize_t)(ctx->band_row_bytes * rows);
            /* libtiff reads an uncompressed strip by its expected size whatever
             * StripByteCounts says; a count that disagrees means a damaged file. */
            uint64_t count = TIFFGetStrileByteCount(tif, strip);
            if (in->compression == COMPRESSION_NONE && count < (uint64_t)want) {
                snprintf(ctx->message, sizeof ctx->message,
                         "StripByteCounts gives strip %u %llu bytes, its %u rows need %lld", strip,
                         (unsigned long long)count, rows, (long long)want);
                return CKIT_ELIBRARY;
            }
            tmsize_t got = TIFFReadEncodedStrip(tif, strip, dst, want);
            if (got < 0) return ckit_tiff_fail(ctx, "cannot decode a strip");
            if (got < want) {
                snprintf(ctx->message, sizeof ctx->message, "strip %u decodes to %lld bytes, %lld expected", strip,
                         (long long)got, (long long)want);
                return CKIT_ELIBRARY;
            }
            continue;
        }
        /* 64-bit: width + tile_width - 1 passes 2^32 for a huge declared tile width. */
        uint32_t across = (uint32_t)(((uint64_t)in->width + in->tile_width - 1) / in->tile_width);
        size_t tile_row_bytes = ctx->band_row_bytes / across;
        tmsize_t tile_size = (tmsize_t)(tile_row_bytes * in->tile_height);
        /* Each tile decodes into the band's tail scratch, then its rows move into place. */
        uint8_t *scratch = malloc((size_t)tile_size);
        if (!scratch) return CKIT_ENOMEM;
        for (uint32_t t = 0; t < across; t++) {
            uint32_t tile = TIFFComputeTile(tif, t * in->tile_width, top, 0, (uint16_t)p);
            tmsize_t got = TIFFReadEncodedTile(tif, tile, scratch, tile_size);
            if (got < 0) { free(scratch); return ckit_tiff_fail(ctx, "cannot decode a tile"); }
            if (got < tile_size) {
                free(scratch);
                snprintf(ctx->message, sizeof ctx->message, "tile %u decodes to %lld bytes, %lld expected", tile,
                         (long long)got, (long long)tile_size);
                return CKIT_ELIBRARY;
            }
            for (uint32_t r = 0; r < rows; r++)
                memcpy(dst + r * ctx->band_row_bytes + t * tile_row_bytes, scratch + r * tile_row_bytes, tile_row_bytes);
        }
        free(scratch);
    }
    ctx->band_index = b;
    return CKIT_OK;
}

/* Sample `i` of a row of `bits`-bit samples as a float, by the mapping of ckit_tiff_read_rows. */
static inline float sample(const uint8_t *row, size_t i, int bits, int fmt, int invert) {
    if (fmt == SAMPLEFORMAT_IEEEFP) {
        if (bits == 32) { float f; memcpy(&f, row + 4 * i, 4); return f; }
        double d; memcpy(&d, row + 8 * i, 8); return (float)d;
    }
    uint32_t u;
    switch (bits) {
    case 8: u = row[i]; break;
    case 16: { uint16_t v; memcpy(&v, row + 2 * i, 2); u = v; break; }
    case 32: memcpy(&u, row + 4 * i, 4); break;
    default: { /* 1, 2, 4: MSB first (libtiff has applied FillOrder) */
        size_t bit = i * (size_t)bits;
        u = (row[bit >> 3] >> (8 - bits - (bit & 7))) & ((1u << bits) - 1);
    }
    }
    if (fmt == SAMPLEFORMAT_INT) {
        int32_t s = bits == 32 ? (int32_t)u : (int32_t)(u << (32 - bits)) >> (32 - bits);
        double m = bits == 32 ? 2147483647.0 : (double)((1u << (bits - 1)) - 1);
        return bits <= 16 ? (float)s / (float)m : (float)((double)s / m);
    }
    uint32_t max = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    if (invert) u = max - u;
    return bits <= 16 ? (float)u / (float)max : (float)((double)u / (double)max);
}

int ckit_tiff_read_rows(ckit_tiff_ctx *ctx, float *out, size_t plane_stride, uint32_t y, uint32_t count) {
    if (!ctx || !ctx->selected || !out) return CKIT_ESTATE;
    const ckit_tiff_info *in = &ctx->info;
    if (y > in->height || count > in->height - y) return CKIT_EINVAL;
    int invert = in->photometric == PHOTOMETRIC_MINISWHITE;
    int palette = in->photometric == PHOTOMETRIC_PALETTE;
    uint32_t w = in->width;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t row = y + i, b = row / ctx->band_rows;
        if (ctx->band_index != (int64_t)b) {
            int status = load_band(ctx, b);
            if (status != CKIT_OK) return status;
        }
        size_t r = row - b * ctx->band_rows;
        float *o = out + (size_t)i * w;
        if (palette) {
            const uint8_t *src = ctx->band + r * ctx->band_row_bytes;
            uint32_t entries = 1u << in->bits;
            for (uint32_t x = 0; x < w; x++) {
                uint32_t k = (uint32_t)lroundf(sample(src, x, in->bits, SAMPLEFORMAT_UINT, 0) * (float)(entries - 1));
                for (int c = 0; c < 3; c++) o[c * plane_stride + x] = (float)ctx->cmap[c][k] / 65535.0f;
            }
        } else if (in->planar == 2) {
            for (uint16_t c = 0; c < ctx->spp; c++) {
                const uint8_t *src = ctx->band + (size_t)c * ctx->band_size + r * ctx->band_row_bytes;
                for (uint32_t x = 0; x < w; x++)
                    o[c * plane_stride + x] = sample(src, x, in->bits, in->sample_format, invert && c == 0);
            }
        } else if (!invert && in->sample_format == SAMPLEFORMAT_UINT && (in->bits == 8 || in->bits == 16)) {
            /* The common cases, without a per-sample switch: the same arithmetic as sample(). */
            const uint8_t *src = ctx->band + r * ctx->band_row_bytes;
            uint16_t spp = ctx->spp;
            if (in->bits == 8) {
                for (uint16_t c = 0; c < spp; c++)
                    for (uint32_t x = 0; x < w; x++) o[c * plane_stride + x] = (float)src[(size_t)x * spp + c] / 255.0f;
            } else {
                const uint16_t *s16 = (const uint16_t *)(const void *)src;
                for (uint16_t c = 0; c < spp; c++)
                    for (uint32_t x = 0; x < w; x++) o[c * plane_stride + x] = (float)s16[(size_t)x * spp + c] / 65535.0f;
            }
        } else if (in->sample_format == SAMPLEFORMAT_IEEEFP && in->bits == 32) {
            const uint8_t *src = ctx->band + r * ctx->band_row_bytes;
            uint16_t spp = ctx->spp;
            for (uint16_t c = 0; c < spp; c++)
                for (uint32_t x = 0; x < w; x++) memcpy(&o[c * plane_stride + x], src + 4 * ((size_t)x * spp + c), 4);
        } else {
            const uint8_t *src = ctx->band + r * ctx->band_row_bytes;
            uint16_t spp = ctx->spp;
            for (uint32_t x = 0; x < w; x++)
                for (uint16_t c = 0; c < spp; c++)
                    o[c * plane_stride + x] = sample(src, (size_t)x * spp + c, in->bits, in->sample_format, invert && c == 0);
        }
    }
    return CKIT_OK;
}

const char *ckit_tiff_warnings(const ckit_tiff_ctx *ctx) { return ctx ? ctx->warnings : ""; }
const char *ckit_tiff_strerror(const ckit_tiff_ctx *ctx) { return ctx ? ctx->message : ""; }
int ckit_tiff_io_errno(const ckit_tiff_ctx *ctx) { return ctx ? ctx->io_errno : 0; }
