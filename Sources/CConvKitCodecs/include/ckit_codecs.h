/*
 * ckit_codecs.h: the narrow C shim between convkit (Swift) and libpng,
 * libjpeg, libtiff and libwebp.
 *
 * Why this shim exists: libpng and libjpeg report fatal errors by calling a
 * handler that must not return, and the only way to recover is setjmp/longjmp.
 * Swift cannot call setjmp (the compiler marks functions that return twice as
 * unavailable), and a longjmp across Swift frames is undefined behaviour. So
 * every library call that may fail runs here, in C, behind a setjmp; the
 * handler saves the library's formatted message in the context and jumps back,
 * and the call returns a status.
 *
 * The API follows spng.h:
 *   - an opaque context per image (ckit_png_ctx, ckit_jpeg_ctx);
 *   - every call returns an int status (CKIT_OK or a CKIT_E* code);
 *   - limits are set first (ckit_*_set_max_pixels);
 *   - a header query (ckit_*_read_header) gives the size of the decode buffer;
 *   - ckit_*_decode fills a buffer the caller provides;
 *   - ckit_*_strerror(ctx) gives the library's message for the last failure.
 *
 * Only stdint/stddef types cross this header: no libpng or libjpeg type
 * reaches Swift. Every symbol is prefixed ckit_.
 *
 * Input is a memory buffer (ckit_*_set_buffer: Swift read the whole file; the
 * buffer must outlive the context) or a file descriptor (ckit_*_set_fd: rows
 * are then decoded a few at a time with ckit_*_read_rows, so memory does not
 * grow with the image height). Output is a memory buffer (ckit_*_encode) or a
 * file descriptor written row by row (ckit_*_write_begin / _write_rows /
 * _write_end); both produce the same bytes for the same pixels.
 */
#ifndef CKIT_CODECS_H
#define CKIT_CODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes returned by every call. */
enum {
    CKIT_OK = 0,
    /* libpng / libjpeg reported an error; ckit_*_strerror has its message. */
    CKIT_ELIBRARY = 1,
    /* The declared width x height exceeds the max-pixels limit. */
    CKIT_ETOOLARGE = 2,
    /* Out of memory. */
    CKIT_ENOMEM = 3,
    /* Calls made out of order (e.g. decode before read_header). */
    CKIT_ESTATE = 4,
    /* An argument is invalid (buffer too small, bad channel count, ...). */
    CKIT_EINVAL = 5,
    /* A read(2)/write(2) on the caller's file descriptor failed;
     * ckit_*_io_errno has the errno (ENOSPC, EFBIG, EIO, ...). */
    CKIT_EIO = 6,
};

/* What a header query reports. Samples are interleaved (HWC) in the decode
 * buffer; 16-bit samples are host-order uint16_t. */
typedef struct ckit_image_header {
    uint32_t width;
    uint32_t height;
    /* Channels of the decoded buffer after expansion (1, 2, 3 or 4). */
    int32_t channels;
    /* Bits per decoded sample: 8 or 16. */
    int32_t sample_bits;
    /* Bit depth as stored (PNG IHDR 1/2/4/8/16; JPEG sample precision). */
    int32_t stored_bits;
    /* Bytes the decode buffer needs: width * height * channels * sample_bits/8. */
    uint64_t buffer_size;
    /* PNG: 1 for Adam7 interlacing. Such a file stores the image as seven
     * sub-images, so no row is complete before the last pass: it can only be
     * decoded whole (ckit_png_decode), never with ckit_png_read_rows.
     * JPEG: 1 for a progressive file. Rows still come one at a time, but
     * libjpeg first reads every scan into its own coefficient buffer, which
     * holds the whole image (about 2 bytes per sample). 0 otherwise. */
    int32_t interlaced;
} ckit_image_header;

/* ---- PNG (libpng) ---------------------------------------------------- */

typedef struct ckit_png_ctx ckit_png_ctx;

/* A new context, or NULL when out of memory. Free it with ckit_png_free. */
ckit_png_ctx *ckit_png_new(void);
void ckit_png_free(ckit_png_ctx *ctx);

/* Sets the pixel limit checked against the declared width x height before
 * any pixel buffer exists. Call first. */
int ckit_png_set_max_pixels(ckit_png_ctx *ctx, uint64_t max_pixels);

/* The PNG to decode: `size` bytes at `data`, kept alive by the caller. */
int ckit_png_set_buffer(ckit_png_ctx *ctx, const uint8_t *data, size_t size);

/* The PNG to decode, read from the open file `fd` from its first byte
 * (through stdio and png_init_io). The context reads a dup of `fd`, which
 * shares the file offset: the caller may pread(2) `fd` but must not read(2)
 * it while the context lives; the caller still closes `fd`. The file size
 * takes the place of the buffer size in the allocation caps. */
int ckit_png_set_fd(ckit_png_ctx *ctx, int fd);

/* Reads the signature and the chunks up to the first IDAT; applies the
 * expansions (palette -> RGB, palette tRNS -> alpha, 1/2/4-bit gray -> 8 bits,
 * 16-bit byte swap) and reports the decoded layout. */
int ckit_png_read_header(ckit_png_ctx *ctx, ckit_image_header *header);

/* Decodes every row (interlaced or not) into `out`, which holds `size` bytes
 * (at least header.buffer_size), then reads to IEND. */
int ckit_png_decode(ckit_png_ctx *ctx, void *out, size_t size);

/* Decodes the next `count` rows of a non-interlaced PNG into `out` (`size`
 * bytes, at least count * header.buffer_size / height), interleaved as for
 * ckit_png_decode. A NULL `out` decodes the rows and drops them (to skip).
 * After the last row it reads to IEND, as ckit_png_decode does, so a file cut
 * after its pixel data fails on the last call. Interlaced files give
 * CKIT_ESTATE (use ckit_png_decode); so do more rows than remain. */
int ckit_png_read_rows(ckit_png_ctx *ctx, void *out, size_t size, uint32_t count);

/* The eXIf chunk (a TIFF structure), if read so far: before the first IDAT
 * after read_header, anywhere after decode. With ckit_png_set_fd, an eXIf
 * that follows IDAT is known right after read_header too: read_header walks
 * the chunk headers with pread (seeking past each chunk's data, never loading
 * the file) and keeps the first eXIf, as EXIF.pngChunk does in Swift; one
 * larger than 16 MiB is ignored. *data is NULL when absent and stays valid
 * until ckit_png_free. */
int ckit_png_exif(ckit_png_ctx *ctx, const uint8_t **data, size_t *size);

/* libpng warnings so far, one per line ("" when none). */
const char *ckit_png_warnings(const ckit_png_ctx *ctx);

/* The message of the last failure ("" when none). */
const char *ckit_png_strerror(const ckit_png_ctx *ctx);

/* Encodes `pixels` (interleaved, `channels` of 1 gray, 2 gray+alpha, 3 RGB,
 * 4 RGBA; `bit_depth` 8 = uint8_t samples, 16 = host-order uint16_t) as a PNG
 * in memory with `text_count` tEXt chunks (keys[i], values[i]). Get the bytes
 * with ckit_png_encoded. */
int ckit_png_encode(ckit_png_ctx *ctx, const void *pixels, uint32_t width, uint32_t height,
                    int32_t channels, int32_t bit_depth,
                    const char *const *keys, const char *const *values, size_t text_count);

/* The zlib level (0-9) of the encoders below; call before ckit_png_encode or
 * ckit_png_write_begin. Without it libpng's default, 6. Filters stay libpng's
 * adaptive choice per row whatever the level. */
int ckit_png_set_compression(ckit_png_ctx *ctx, int32_t level);

/* The bytes written by ckit_png_encode, valid until ckit_png_free. */
int ckit_png_encoded(const ckit_png_ctx *ctx, const uint8_t **data, size_t *size);

/* Row-wise encoding to the open file `fd`, from its current offset: begin
 * takes the same arguments as ckit_png_encode and writes the signature, IHDR
 * and tEXt chunks; write_rows compresses the next `count` rows (`size` bytes
 * at `pixels`, interleaved as for ckit_png_encode); write_end, after the last
 * row, writes the trailing chunks. The file then holds exactly the bytes
 * ckit_png_encode gives for the same pixels and text: both paths share the
 * settings (libpng's default compression level and filter heuristics, no
 * interlacing) and feed libpng one row at a time. Output is buffered (64 KiB)
 * and written with write(2); a failed write gives CKIT_EIO. The caller closes
 * `fd`. */
int ckit_png_write_begin(ckit_png_ctx *ctx, int fd, uint32_t width, uint32_t height,
                         int32_t channels, int32_t bit_depth,
                         const char *const *keys, const char *const *values, size_t text_count);
int ckit_png_write_rows(ckit_png_ctx *ctx, const void *pixels, size_t size, uint32_t count);
int ckit_png_write_end(ckit_png_ctx *ctx);
/* write_end with tEXt chunks after IDAT (PNG allows them there): what is known only
 * once every row is written, such as the time the run took. */
int ckit_png_write_end_text(ckit_png_ctx *ctx, const char *const *keys, const char *const *values,
                            size_t text_count);

/* The errno of the read or write that failed with CKIT_EIO (0 when none). */
int ckit_png_io_errno(const ckit_png_ctx *ctx);

/* ---- JPEG (libjpeg) -------------------------------------------------- */

typedef struct ckit_jpeg_ctx ckit_jpeg_ctx;

ckit_jpeg_ctx *ckit_jpeg_new(void);
void ckit_jpeg_free(ckit_jpeg_ctx *ctx);

int ckit_jpeg_set_max_pixels(ckit_jpeg_ctx *ctx, uint64_t max_pixels);
int ckit_jpeg_set_buffer(ckit_jpeg_ctx *ctx, const uint8_t *data, size_t size);

/* The JPEG to decode, read from the open file `fd` from its first byte
 * (through stdio and jpeg_stdio_src), under the same rules as ckit_png_set_fd. */
int ckit_jpeg_set_fd(ckit_jpeg_ctx *ctx, int fd);

/* Reads the markers up to the first scan. Gray gives 1 channel; YCbCr, RGB,
 * CMYK and YCCK give 3 (RGB). */
int ckit_jpeg_read_header(ckit_jpeg_ctx *ctx, ckit_image_header *header);

/* Decodes with libjpeg's defaults (JDCT_ISLOW, fancy upsampling) into `out`.
 * The warnings "Premature end of JPEG file" and "Corrupt JPEG data: premature
 * end of data segment" fail the decode: they mean lost entropy-coded data that
 * libjpeg fills in silently. Adobe CMYK is converted to RGB as Pillow does. */
int ckit_jpeg_decode(ckit_jpeg_ctx *ctx, void *out, size_t size);

/* Decodes the next `count` rows into `out` (`size` bytes, at least
 * count * width * channels), with the same colour handling and the same fatal
 * warnings as ckit_jpeg_decode (which is this call for every row). A NULL
 * `out` decodes the rows and drops them (to skip). The first call starts the
 * decompressor: for a progressive file libjpeg then reads every scan into a
 * coefficient buffer that holds the whole image (header.interlaced says so).
 * After the last row it reads to EOI. */
int ckit_jpeg_read_rows(ckit_jpeg_ctx *ctx, void *out, size_t size, uint32_t count);

/* The first APP1 segment that starts "Exif\0\0", without that prefix (a TIFF
 * structure); *data is NULL when absent. Valid after read_header. */
int ckit_jpeg_exif(ckit_jpeg_ctx *ctx, const uint8_t **data, size_t *size);

const char *ckit_jpeg_warnings(const ckit_jpeg_ctx *ctx);
const char *ckit_jpeg_strerror(const ckit_jpeg_ctx *ctx);

/* Encodes 8-bit interleaved gray (1) or RGB (3) pixels at `quality` (1-100). */
int ckit_jpeg_encode(ckit_jpeg_ctx *ctx, const uint8_t *pixels, uint32_t width, uint32_t height,
                     int32_t channels, int32_t quality);
int ckit_jpeg_encoded(const ckit_jpeg_ctx *ctx, const uint8_t **data, size_t *size);

/* Row-wise encoding to the open file `fd`, as for PNG: begin takes the
 * arguments of ckit_jpeg_encode, write_rows compresses the next `count` rows
 * (`size` bytes at `pixels`), write_end finishes after the last row. The file
 * holds exactly the bytes of ckit_jpeg_encode: the compressor settings are
 * shared and only the destination manager differs (a 64 KiB buffer written
 * with write(2) instead of jpeg_mem_dest), which does not change the stream.
 * A failed write gives CKIT_EIO. The caller closes `fd`. */
int ckit_jpeg_write_begin(ckit_jpeg_ctx *ctx, int fd, uint32_t width, uint32_t height,
                          int32_t channels, int32_t quality);
int ckit_jpeg_write_rows(ckit_jpeg_ctx *ctx, const uint8_t *pixels, size_t size, uint32_t count);
int ckit_jpeg_write_end(ckit_jpeg_ctx *ctx);

/* The errno of the read or write that failed with CKIT_EIO (0 when none). */
int ckit_jpeg_io_errno(const ckit_jpeg_ctx *ctx);

/* ---- TIFF (libtiff) -------------------------------------------------- */

/* libtiff reports through error and warning handlers, not longjmp: the shim
 * installs per-file handlers (TIFFOpenOptionsSetErrorHandlerExtR) that save
 * the message, prefixed by libtiff's module, in the context. All I/O goes
 * through the context (pread/pwrite at its own offset on a caller's fd, or a
 * memory buffer), so the caller's file offset is never moved. */

typedef struct ckit_tiff_ctx ckit_tiff_ctx;

/* One page (IFD) as read. */
typedef struct ckit_tiff_info {
    uint32_t width;
    uint32_t height;
    /* Channels of the decoded rows: samples per pixel (extra samples and
     * alpha included), or 3 for a palette image. */
    int32_t channels;
    /* BitsPerSample as stored: 1, 2, 4, 8, 16, 32 or 64. */
    int32_t bits;
    /* SampleFormat: 1 unsigned, 2 signed, 3 IEEE float. */
    int32_t sample_format;
    /* PlanarConfiguration: 1 chunky, 2 planar. */
    int32_t planar;
    int32_t tiled;
    uint32_t tile_width;
    uint32_t tile_height;
    uint32_t rows_per_strip;
    /* The Compression and Photometric tags. */
    int32_t compression;
    int32_t photometric;
    /* The Orientation tag, 1-8 (1 when absent or out of range). */
    int32_t orientation;
    /* 1 for BigTIFF. */
    int32_t bigtiff;
    /* ExtraSamples count, and 1 when the first one is alpha (associated or not). */
    int32_t extra_samples;
    int32_t has_alpha;
} ckit_tiff_info;

ckit_tiff_ctx *ckit_tiff_new(void);
void ckit_tiff_free(ckit_tiff_ctx *ctx);

/* The pixel limit checked against each page's declared width x height, and
 * the largest single allocation libtiff may make (a strip, a tile, a tag
 * array); 0 keeps libtiff's default. Call before opening. */
int ckit_tiff_set_limits(ckit_tiff_ctx *ctx, uint64_t max_pixels, uint64_t max_alloc);

/* The TIFF to read: `size` bytes at `data` (kept alive by the caller), or the
 * open file `fd` (read with pread; the caller closes it). `name` prefixes no
 * message (the Swift side names the file) but is libtiff's file name. Reads
 * the first IFD and counts the pages (an IFD loop is an error). */
int ckit_tiff_open_buffer(ckit_tiff_ctx *ctx, const uint8_t *data, size_t size, const char *name);
int ckit_tiff_open_fd(ckit_tiff_ctx *ctx, int fd, const char *name);

/* The number of pages (IFDs in the main chain). */
int ckit_tiff_pages(const ckit_tiff_ctx *ctx, uint32_t *pages);

/* Selects page `page` (0-based) and reports its layout, after the max-pixels
 * check and the checks that the sample layout is one convkit reads. */
int ckit_tiff_select(ckit_tiff_ctx *ctx, uint32_t page, ckit_tiff_info *info);

/* Decodes stored rows [y, y + count) of the selected page as floats into
 * `out`, planar: sample (c, y + i, x) goes to out[c * plane_stride + i * width + x].
 * Unsigned integers map to x / (2^bits - 1) (MinIsWhite inverted), signed to
 * x / (2^(bits-1) - 1), floats are kept (64-bit rounded to 32), palette
 * entries expand to RGB / 65535. Rows may come in any order; the strip or
 * row of tiles last decoded is kept, so reading top to bottom decodes each once. */
int ckit_tiff_read_rows(ckit_tiff_ctx *ctx, float *out, size_t plane_stride, uint32_t y, uint32_t count);

const char *ckit_tiff_warnings(const ckit_tiff_ctx *ctx);
const char *ckit_tiff_strerror(const ckit_tiff_ctx *ctx);
int ckit_tiff_io_errno(const ckit_tiff_ctx *ctx);

/* Writing. `fd` -1 writes to memory (ckit_tiff_encoded); otherwise the open
 * file `fd`, from offset 0 (the caller closes it). `bigtiff` 1 writes BigTIFF. */
int ckit_tiff_write_open(ckit_tiff_ctx *ctx, int fd, int32_t bigtiff, const char *name);

/* Begins a page: `channels` samples (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA,
 * more: gray with unspecified extra samples), `bits` 8 or 16 (unsigned) or
 * 32 (IEEE float), `compression` 1 none, 5 LZW, 8 Deflate (with the
 * horizontal or float predictor), `tile` 0 for strips of about 64 KiB or a
 * tile side (a multiple of 16). `page` of `pages` sets the PageNumber tag
 * when pages > 1; `description` (may be NULL) goes into ImageDescription. */
int ckit_tiff_write_begin(ckit_tiff_ctx *ctx, uint32_t width, uint32_t height, int32_t channels, int32_t bits,
                          int32_t compression, uint32_t tile, uint32_t page, uint32_t pages,
                          const char *description);
/* The next `count` rows, interleaved samples (uint8_t, host uint16_t or float). */
int ckit_tiff_write_rows(ckit_tiff_ctx *ctx, const void *pixels, size_t size, uint32_t count);
/* Ends the page after its last row (writes its IFD). */
int ckit_tiff_write_end(ckit_tiff_ctx *ctx);
/* Closes the file; for memory output the bytes are then in ckit_tiff_encoded. */
int ckit_tiff_write_close(ckit_tiff_ctx *ctx);
int ckit_tiff_encoded(const ckit_tiff_ctx *ctx, const uint8_t **data, size_t *size);

/* ---- WebP (libwebp) -------------------------------------------------- */

/* libwebp returns status codes (no longjmp); the shim turns them into text.
 * WebP's own limit is 16383 px a side: larger images are refused before any
 * work. */

/* The header of the WebP in `data`: size, 3 or 4 channels (4 when it has
 * alpha), lossless 1 / lossy 0, animated 1. CKIT_ETOOLARGE past max_pixels. */
int ckit_webp_info(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t *width, uint32_t *height,
                   int32_t *channels, int32_t *lossless, int32_t *animated, char *message, size_t message_size);
/* Decodes into `out` (width * height * channels bytes, interleaved RGB or RGBA). */
int ckit_webp_decode(const uint8_t *data, size_t size, int32_t channels, uint8_t *out, size_t out_size,
                     char *message, size_t message_size);
/* Encodes 8-bit RGB (3) or RGBA (4) at `quality` (0-100) or losslessly
 * (exact: RGB under transparent pixels kept). The bytes are malloc'ed; free
 * them with ckit_webp_free. */
int ckit_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels, float quality,
                     int32_t lossless, uint8_t **data, size_t *size, char *message, size_t message_size);
void ckit_webp_free(void *data);

#ifdef __cplusplus
}
#endif

#endif /* CKIT_CODECS_H */
