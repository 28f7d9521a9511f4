/*
 * ckit_codecs.h: the narrow C shim between convkit (Swift) and libpng /
 * libjpeg.
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
 * reaches Swift. Every symbol is prefixed ckit_. The input is always a memory
 * buffer (Swift reads the file), which must outlive the context.
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

/* Reads the signature and the chunks up to the first IDAT; applies the
 * expansions (palette -> RGB, palette tRNS -> alpha, 1/2/4-bit gray -> 8 bits,
 * 16-bit byte swap) and reports the decoded layout. */
int ckit_png_read_header(ckit_png_ctx *ctx, ckit_image_header *header);

/* Decodes every row (interlaced or not) into `out`, which holds `size` bytes
 * (at least header.buffer_size), then reads to IEND. */
int ckit_png_decode(ckit_png_ctx *ctx, void *out, size_t size);

/* The eXIf chunk (a TIFF structure), if read so far: before the first IDAT
 * after read_header, anywhere after decode. *data is NULL when absent and
 * stays valid until ckit_png_free. */
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

/* The bytes written by ckit_png_encode, valid until ckit_png_free. */
int ckit_png_encoded(const ckit_png_ctx *ctx, const uint8_t **data, size_t *size);

/* ---- JPEG (libjpeg) -------------------------------------------------- */

typedef struct ckit_jpeg_ctx ckit_jpeg_ctx;

ckit_jpeg_ctx *ckit_jpeg_new(void);
void ckit_jpeg_free(ckit_jpeg_ctx *ctx);

int ckit_jpeg_set_max_pixels(ckit_jpeg_ctx *ctx, uint64_t max_pixels);
int ckit_jpeg_set_buffer(ckit_jpeg_ctx *ctx, const uint8_t *data, size_t size);

/* Reads the markers up to the first scan. Gray gives 1 channel; YCbCr, RGB,
 * CMYK and YCCK give 3 (RGB). */
int ckit_jpeg_read_header(ckit_jpeg_ctx *ctx, ckit_image_header *header);

/* Decodes with libjpeg's defaults (JDCT_ISLOW, fancy upsampling) into `out`.
 * The warnings "Premature end of JPEG file" and "Corrupt JPEG data: premature
 * end of data segment" fail the decode: they mean lost entropy-coded data that
 * libjpeg fills in silently. Adobe CMYK is converted to RGB as Pillow does. */
int ckit_jpeg_decode(ckit_jpeg_ctx *ctx, void *out, size_t size);

/* The first APP1 segment that starts "Exif\0\0", without that prefix (a TIFF
 * structure); *data is NULL when absent. Valid after read_header. */
int ckit_jpeg_exif(ckit_jpeg_ctx *ctx, const uint8_t **data, size_t *size);

const char *ckit_jpeg_warnings(const ckit_jpeg_ctx *ctx);
const char *ckit_jpeg_strerror(const ckit_jpeg_ctx *ctx);

/* Encodes 8-bit interleaved gray (1) or RGB (3) pixels at `quality` (1-100). */
int ckit_jpeg_encode(ckit_jpeg_ctx *ctx, const uint8_t *pixels, uint32_t width, uint32_t height,
                     int32_t channels, int32_t quality);
int ckit_jpeg_encoded(const ckit_jpeg_ctx *ctx, const uint8_t **data, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* CKIT_CODECS_H */
