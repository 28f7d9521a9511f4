/* TIFF writing through libtiff: pages of strips or tiles, to an fd or to memory. */
#include <stdlib.h>

#include "tiff_internal.h"

/* Strips of about this many bytes (uncompressed), as libtiff's and tifffile's writers choose. */
#define CKIT_TIFF_STRIP_BYTES ((size_t)64 << 10)

int ckit_tiff_write_open(ckit_tiff_ctx *ctx, int fd, int32_t bigtiff, const char *name) {
    if (!ctx || ctx->tif) return CKIT_ESTATE;
    ctx->fd = fd;
    ctx->writing = 1;
    return ckit_tiff_client_open(ctx, name, bigtiff ? "w8" : "w");
}

int ckit_tiff_write_begin(ckit_tiff_ctx *ctx, uint32_t width, uint32_t height, int32_t channels, int32_t bits,
                          int32_t compression, uint32_t tile, uint32_t page, uint32_t pages,
                          const char *description) {
    if (!ctx || !ctx->tif || !ctx->writing || ctx->w_band) return CKIT_ESTATE;
    if (!width || !height || channels < 1 || channels > 65535) return CKIT_EINVAL;
    if (bits != 8 && bits != 16 && bits != 32) return CKIT_EINVAL;
    if (compression != COMPRESSION_NONE && compression != COMPRESSION_LZW && compression != COMPRESSION_ADOBE_DEFLATE)
        return CKIT_EINVAL;
    if (tile && (tile % 16 || tile > 65536)) return CKIT_EINVAL;
    TIFF *tif = ctx->tif;
    uint16_t photo = channels >= 3 && channels <= 4 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    int colour = photo == PHOTOMETRIC_RGB ? 3 : 1;
    int ok = TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, width) && TIFFSetField(tif, TIFFTAG_IMAGELENGTH, height) &&
             TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)channels) &&
             TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)bits) &&
             TIFFSetField(tif, TIFFTAG_SAMPLEFORMAT, bits == 32 ? SAMPLEFORMAT_IEEEFP : SAMPLEFORMAT_UINT) &&
             TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photo) &&
             TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG) &&
             TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT) &&
             TIFFSetField(tif, TIFFTAG_COMPRESSION, (uint16_t)compression) &&
             TIFFSetField(tif, TIFFTAG_SOFTWARE, "convkit");
    if (ok && channels > colour) {
        uint16_t n = (uint16_t)(channels - colour);
        uint16_t *extra = calloc(n, sizeof *extra);
        if (!extra) return CKIT_ENOMEM;
        /* One extra sample after gray or RGB is alpha; more are plain data. */
        if (n == 1 && channels <= 4) extra[0] = EXTRASAMPLE_UNASSALPHA;
        ok = TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, n, extra);
        free(extra);
    }
    if (ok && compression != COMPRESSION_NONE)
        ok = TIFFSetField(tif, TIFFTAG_PREDICTOR, bits == 32 ? PREDICTOR_FLOATINGPOINT : PREDICTOR_HORIZONTAL);
    if (ok && pages > 1) {
        ok = TIFFSetField(tif, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE) &&
             TIFFSetField(tif, TIFFTAG_PAGENUMBER, (uint16_t)page, (uint16_t)pages);
    }
    if (ok && description) ok = TIFFSetField(tif, TIFFTAG_IMAGEDESCRIPTION, description);
    size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bits / 8);
    uint32_t band_rows;
    if (ok && tile) {
        ok = TIFFSetField(tif, TIFFTAG_TILEWIDTH, tile) && TIFFSetField(tif, TIFFTAG_TILELENGTH, tile);
        band_rows = tile;
    } else {
        size_t rows = row_bytes ? CKIT_TIFF_STRIP_BYTES / row_bytes : 1;
        band_rows = rows < 1 ? 1 : rows > height ? height : (uint32_t)rows;
        if (ok) ok = TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, band_rows);
    }
    if (!ok) return ckit_tiff_fail(ctx, "cannot set the page's tags");
    ctx->w_width = width;
    ctx->w_height = height;
    ctx->w_channels = channels;
    ctx->w_bits = bits;
    ctx->w_tile = tile;
    ctx->w_row_bytes = row_bytes;
    ctx->w_rows_per_band = band_rows;
    ctx->w_row = 0;
    ctx->w_band_filled = 0;
    ctx->w_band = calloc((size_t)band_rows, row_bytes);
    if (!ctx->w_band) return CKIT_ENOMEM;
    if (tile) {
        free(ctx->w_tile_buf);
        ctx->w_tile_buf = malloc((size_t)tile * tile * channels * (bits / 8));
        if (!ctx->w_tile_buf) return CKIT_ENOMEM;
    }
    return CKIT_OK;
}

/* Writes the band of ctx->w_band_filled rows that starts at row `top`. */
static int flush_band(ckit_tiff_ctx *ctx, uint32_t top) {
    TIFF *tif = ctx->tif;
    uint32_t rows = ctx->w_band_filled;
    if (!ctx->w_tile) {
        uint32_t strip = top / ctx->w_rows_per_band;
        if (TIFFWriteEncodedStrip(tif, strip, ctx->w_band, (tmsize_t)(rows * ctx->w_row_bytes)) < 0)
            return ckit_tiff_fail(ctx, "cannot write a strip");
        return CKIT_OK;
    }
    uint32_t t = ctx->w_tile;
    size_t px = (size_t)ctx->w_channels * (ctx->w_bits / 8), tile_row = (size_t)t * px;
    for (uint32_t x0 = 0; x0 < ctx->w_width; x0 += t) {
        uint32_t cols = ctx->w_width - x0 < t ? ctx->w_width - x0 : t;
        memset(ctx->w_tile_buf, 0, tile_row * t);
        for (uint32_t r = 0; r < rows; r++)
            memcpy(ctx->w_tile_buf + r * tile_row, ctx->w_band + r * ctx->w_row_bytes + x0 * px, cols * px);
        uint32_t tile = TIFFComputeTile(tif, x0, top, 0, 0);
        if (TIFFWriteEncodedTile(tif, tile, ctx->w_tile_buf, (tmsize_t)(tile_row * t)) < 0)
            return ckit_tiff_fail(ctx, "cannot write a tile");
    }
    return CKIT_OK;
}

int ckit_tiff_write_rows(ckit_tiff_ctx *ctx, const void *pixels, size_t size, uint32_t count) {
    if (!ctx || !ctx->w_band) return CKIT_ESTATE;
    if (count > ctx->w_height - ctx->w_row || size < count * ctx->w_row_bytes) return CKIT_EINVAL;
    const uint8_t *src = pixels;
    for (uint32_t i = 0; i < count; i++) {
        memcpy(ctx->w_band + ctx->w_band_filled * ctx->w_row_bytes, src + i * ctx->w_row_bytes, ctx->w_row_bytes);
        ctx->w_band_filled++;
        ctx->w_row++;
        if (ctx->w_band_filled == ctx->w_rows_per_band || ctx->w_row == ctx->w_height) {
            int status = flush_band(ctx, ctx->w_row - ctx->w_band_filled);
            if (status != CKIT_OK) return status;
            ctx->w_band_filled = 0;
        }
    }
    return CKIT_OK;
}

int ckit_tiff_write_end(ckit_tiff_ctx *ctx) {
    if (!ctx || !ctx->w_band || ctx->w_row != ctx->w_height) return CKIT_ESTATE;
    free(ctx->w_band);
    ctx->w_band = NULL;
    if (!TIFFWriteDirectory(ctx->tif)) return ckit_tiff_fail(ctx, "cannot write the page's directory");
    return CKIT_OK;
}

int ckit_tiff_write_close(ckit_tiff_ctx *ctx) {
    if (!ctx || !ctx->tif || !ctx->writing || ctx->w_band) return CKIT_ESTATE;
    TIFFClose(ctx->tif); /* flushes nothing more: every page's directory is written */
    ctx->tif = NULL;
    if (ctx->message[0] || ctx->io_errno) return ckit_tiff_fail(ctx, "cannot close the file");
    return CKIT_OK;
}

int ckit_tiff_encoded(const ckit_tiff_ctx *ctx, const uint8_t **data, size_t *size) {
    if (!ctx || ctx->tif || ctx->fd >= 0) return CKIT_ESTATE;
    *data = ctx->wdata;
    *size = ctx->wsize;
    return CKIT_OK;
}
