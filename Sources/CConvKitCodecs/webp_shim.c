/* WebP through libwebp: header query, decode into the caller's buffer, encode. */
#include <stdlib.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "ckit_codecs.h"
#include "shim_common.h"

/* WebP's own limit on a side (WEBP_MAX_DIMENSION). */
#define CKIT_WEBP_MAX_SIDE 16383

static const char *vp8_status(VP8StatusCode s) {
    switch (s) {
    case VP8_STATUS_OUT_OF_MEMORY: return "out of memory";
    case VP8_STATUS_INVALID_PARAM: return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR: return "bitstream error (the file is corrupt)";
    case VP8_STATUS_UNSUPPORTED_FEATURE: return "unsupported feature";
    case VP8_STATUS_SUSPENDED: return "suspended";
    case VP8_STATUS_USER_ABORT: return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA: return "not enough data (the file is truncated)";
    default: return "unknown error";
    }
}

int ckit_webp_info(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t *width, uint32_t *height,
                   int32_t *channels, int32_t *lossless, int32_t *animated, char *message, size_t message_size) {
    WebPBitstreamFeatures f;
    VP8StatusCode s = WebPGetFeatures(data, size, &f);
    if (s != VP8_STATUS_OK) {
        snprintf(message, message_size, "header: %s", vp8_status(s));
        return CKIT_ELIBRARY;
    }
    *width = (uint32_t)f.width;
    *height = (uint32_t)f.height;
    *channels = f.has_alpha ? 4 : 3;
    *lossless = f.format == 2;
    *animated = f.has_animation;
    if (f.has_animation) {
        snprintf(message, message_size, "animated WebP is not read");
        return CKIT_ELIBRARY;
    }
    if ((uint64_t)f.width * (uint64_t)f.height > max_pixels) {
        snprintf(message, message_size, "declared %dx%d exceeds max-pixels %llu", f.width, f.height,
                 (unsigned long long)max_pixels);
        return CKIT_ETOOLARGE;
    }
    return CKIT_OK;
}

int ckit_webp_decode(const uint8_t *data, size_t size, int32_t channels, uint8_t *out, size_t out_size,
                     char *message, size_t message_size) {
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) return CKIT_ESTATE;
    VP8StatusCode s = WebPGetFeatures(data, size, &config.input);
    if (s == VP8_STATUS_OK) {
        size_t need = (size_t)config.input.width * (size_t)config.input.height * (size_t)channels;
        if (out_size < need || (channels != 3 && channels != 4)) return CKIT_EINVAL;
        config.output.colorspace = channels == 4 ? MODE_RGBA : MODE_RGB;
        config.output.is_external_memory = 1;
        config.output.u.RGBA.rgba = out;
        config.output.u.RGBA.stride = config.input.width * channels;
        config.output.u.RGBA.size = out_size;
        s = WebPDecode(data, size, &config);
        WebPFreeDecBuffer(&config.output);
    }
    if (s != VP8_STATUS_OK) {
        snprintf(message, message_size, "%s", vp8_status(s));
        return CKIT_ELIBRARY;
    }
    return CKIT_OK;
}

static const char *encode_error(WebPEncodingError e) {
    switch (e) {
    case VP8_ENC_ERROR_OUT_OF_MEMORY: return "out of memory";
    case VP8_ENC_ERROR_BAD_DIMENSION: return "bad dimension (WebP holds at most 16383 px a side)";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW: return "partition 0 overflow";
    case VP8_ENC_ERROR_FILE_TOO_BIG: return "file too big (WebP holds at most 4 GB)";
    default: return "encoding failed";
    }
}

static int collect(const uint8_t *data, size_t size, const WebPPicture *picture) {
    WebPMemoryWriter *w = picture->custom_ptr;
    return WebPMemoryWrite(data, size, picture) && w;
}

int ckit_webp_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int32_t channels, float quality,
                     int32_t lossless, uint8_t **data, size_t *size, char *message, size_t message_size) {
    *data = NULL;
    *size = 0;
    if (width == 0 || height == 0 || width > CKIT_WEBP_MAX_SIDE || height > CKIT_WEBP_MAX_SIDE) {
        snprintf(message, message_size, "%ux%u is outside WebP's 1-16383 px a side", width, height);
        return CKIT_EINVAL;
    }
    if (channels != 3 && channels != 4) return CKIT_EINVAL;
    WebPConfig config;
    WebPPicture picture;
    if (!WebPConfigInit(&config) || !WebPPictureInit(&picture)) return CKIT_ESTATE;
    config.lossless = lossless ? 1 : 0;
    config.quality = quality;
    config.exact = lossless ? 1 : 0; /* keep RGB under transparent pixels */
    if (!WebPValidateConfig(&config)) return CKIT_EINVAL;
    picture.use_argb = lossless ? 1 : 0;
    picture.width = (int)width;
    picture.height = (int)height;
    int ok = channels == 4 ? WebPPictureImportRGBA(&picture, pixels, (int)width * 4)
                           : WebPPictureImportRGB(&picture, pixels, (int)width * 3);
    if (!ok) {
        WebPPictureFree(&picture);
        snprintf(message, message_size, "out of memory");
        return CKIT_ENOMEM;
    }
    WebPMemoryWriter writer;
    WebPMemoryWriterInit(&writer);
    picture.writer = collect;
    picture.custom_ptr = &writer;
    ok = WebPEncode(&config, &picture);
    WebPEncodingError error = picture.error_code;
    WebPPictureFree(&picture);
    if (!ok) {
        WebPMemoryWriterClear(&writer);
        snprintf(message, message_size, "%s", encode_error(error));
        return CKIT_ELIBRARY;
    }
    *data = writer.mem;
    *size = writer.size;
    return CKIT_OK;
}

void ckit_webp_free(void *data) { WebPFree(data); }
