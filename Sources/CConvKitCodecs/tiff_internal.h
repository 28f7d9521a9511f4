/* The TIFF context shared by tiff_shim.c (I/O, reading) and tiff_write.c. */
#ifndef CKIT_TIFF_INTERNAL_H
#define CKIT_TIFF_INTERNAL_H

#include <tiffio.h>

#include "ckit_codecs.h"
#include "shim_common.h"

struct ckit_tiff_ctx {
    TIFF *tif;
    char message[CKIT_MSG_SIZE];
    char warnings[CKIT_WARN_SIZE];
    int io_errno;
    uint64_t max_pixels;
    uint64_t max_alloc;

    /* I/O: a caller's fd (pread/pwrite at `pos`), or memory. */
    int fd;
    const uint8_t *rdata;
    size_t rsize;
    uint8_t *wdata;
    size_t wsize, wcap;
    uint64_t pos;

    /* Reading: the page and its decode cache. */
    uint32_t pages;
    int selected;
    ckit_tiff_info info;
    uint16_t spp;
    uint16_t *cmap[3];
    uint8_t *band;          /* one strip or one row of tiles, every plane */
    size_t band_size;       /* bytes of one plane's band */
    int64_t band_index;     /* strip / tile row cached, -1 none */
    uint32_t band_rows;     /* rows per band */
    size_t band_row_bytes;  /* bytes of one row of one plane in the band */

    /* Writing. */
    int writing;
    uint32_t w_width, w_height, w_tile, w_rows_per_band, w_row;
    int32_t w_channels, w_bits;
    size_t w_row_bytes;
    uint8_t *w_band;
    uint32_t w_band_filled;
    uint8_t *w_tile_buf;
};

/* Status after a libtiff call that failed: the saved message, or `fallback`. */
int ckit_tiff_fail(ckit_tiff_ctx *ctx, const char *fallback);

/* Opens the context's I/O (fd or memory) as a TIFF in `mode`. */
int ckit_tiff_client_open(ckit_tiff_ctx *ctx, const char *name, const char *mode);

#endif
