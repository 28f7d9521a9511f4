import CConvKitCodecs
import ConvKit

/// JPEG through libjpeg(-turbo), via the C shim.
enum JPEGCodec {
    static let name = "JPEG"

    /// Reads the header (and, when `pixels`, the image) of the JPEG in `bytes`:
    /// gray gives 1 channel, YCbCr/RGB/CMYK/YCCK 3 (RGB). libjpeg's defaults
    /// (JDCT_ISLOW, fancy upsampling) are kept, so samples match Pillow's.
    static func read(_ bytes: [UInt8], path: String, maxPixels: Int, pixels: Bool) throws(CodecError) -> RawImage {
        guard let ctx = ckit_jpeg_new() else { throw CodecError(path: path, codec: name, "out of memory") }
        defer { ckit_jpeg_free(ctx) }
        let message = { Shim.string(ckit_jpeg_strerror(ctx)) }
        try Shim.check(ckit_jpeg_set_max_pixels(ctx, UInt64(max(0, maxPixels))), path: path, codec: name, message)
        return try bytes.withUnsafeBufferPointer { (buf) throws(CodecError) -> RawImage in
            try Shim.check(ckit_jpeg_set_buffer(ctx, buf.baseAddress, buf.count), path: path, codec: name, message)
            var header = ckit_image_header()
            try Shim.check(ckit_jpeg_read_header(ctx, &header), path: path, codec: name, message)
            var image = RawImage(width: Int(header.width), height: Int(header.height), channels: Int(header.channels),
                                 storedBits: Int(header.stored_bits), tensor: nil, exif: nil, warnings: [])
            var exif: UnsafePointer<UInt8>?
            var exifSize = 0
            if ckit_jpeg_exif(ctx, &exif, &exifSize) == CKIT_OK {
                image.exif = Shim.bytes(exif, exifSize)
            }
            if pixels {
                guard let size = Int(exactly: header.buffer_size), size > 0 else {
                    throw CodecError(path: path, codec: name, "declared size \(image.width)x\(image.height) is too large")
                }
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
                defer { out.deallocate() }
                try Shim.check(ckit_jpeg_decode(ctx, out.baseAddress, size), path: path, codec: name, message)
                image.tensor = RawImage.planar(UnsafeRawBufferPointer(out), width: image.width, height: image.height,
                                               channels: image.channels, sampleBits: 8)
            }
            image.warnings = Shim.lines(ckit_jpeg_warnings(ctx)).map { "libjpeg: \($0)" }
            return image
        }
    }

    /// A JPEG of `tensor` (values already in [0, 1], 1 or 3 channels) at `quality` 1-100.
    static func encode(_ tensor: Tensor, quality: Int, path: String) throws(CodecError) -> [UInt8] {
        guard let ctx = ckit_jpeg_new() else { throw CodecError(path: path, codec: name, "out of memory") }
        defer { ckit_jpeg_free(ctx) }
        let message = { Shim.string(ckit_jpeg_strerror(ctx)) }
        let samples = Quantize.interleaved8(tensor)
        let status = samples.withUnsafeBufferPointer { px in
            ckit_jpeg_encode(ctx, px.baseAddress, UInt32(tensor.width), UInt32(tensor.height),
                             Int32(tensor.channels), Int32(quality))
        }
        try Shim.check(status, path: path, codec: name, message)
        var data: UnsafePointer<UInt8>?
        var size = 0
        try Shim.check(ckit_jpeg_encoded(ctx, &data, &size), path: path, codec: name, message)
        return Shim.bytes(data, size) ?? []
    }
}
