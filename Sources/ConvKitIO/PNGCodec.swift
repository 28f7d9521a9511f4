import CConvKitCodecs
import ConvKit
import Foundation

/// PNG through libpng, via the C shim.
enum PNGCodec {
    static let name = "PNG"

    /// Reads the header (and, when `pixels`, every row) of the PNG in `bytes`.
    ///
    /// Palette images expand to RGB, or RGBA when they have tRNS; 1/2/4-bit
    /// gray expands to 8 bits; gray and RGB colour keys are ignored.
    static func read(_ bytes: [UInt8], path: String, maxPixels: Int, pixels: Bool) throws(CodecError) -> RawImage {
        guard let ctx = ckit_png_new() else { throw CodecError(path: path, codec: name, "out of memory") }
        defer { ckit_png_free(ctx) }
        let message = { Shim.string(ckit_png_strerror(ctx)) }
        try Shim.check(ckit_png_set_max_pixels(ctx, UInt64(max(0, maxPixels))), path: path, codec: name, message)
        return try bytes.withUnsafeBufferPointer { (buf) throws(CodecError) -> RawImage in
            try Shim.check(ckit_png_set_buffer(ctx, buf.baseAddress, buf.count), path: path, codec: name, message)
            var header = ckit_image_header()
            try Shim.check(ckit_png_read_header(ctx, &header), path: path, codec: name, message)
            var image = RawImage(width: Int(header.width), height: Int(header.height), channels: Int(header.channels),
                                 storedBits: Int(header.stored_bits), tensor: nil, exif: nil, warnings: [])
            if pixels {
                guard let size = Int(exactly: header.buffer_size), size > 0 else {
                    throw CodecError(path: path, codec: name, "declared size \(image.width)x\(image.height) is too large")
                }
                let out = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
                defer { out.deallocate() }
                try Shim.check(ckit_png_decode(ctx, out.baseAddress, size), path: path, codec: name, message)
                image.tensor = RawImage.planar(UnsafeRawBufferPointer(out), width: image.width, height: image.height,
                                               channels: image.channels, sampleBits: Int(header.sample_bits))
            }
            var exif: UnsafePointer<UInt8>?
            var exifSize = 0
            if ckit_png_exif(ctx, &exif, &exifSize) == CKIT_OK {
                image.exif = Shim.bytes(exif, exifSize)
            }
            if image.exif == nil && !pixels {
                // Header only: an eXIf after IDAT has not been reached, so look for it.
                image.exif = EXIF.pngChunk(in: bytes)
            }
            image.warnings = Shim.lines(ckit_png_warnings(ctx)).map { "libpng: \($0)" }
            return image
        }
    }

    /// A PNG of `tensor` (values already in [0, 1]) with 1-4 channels at
    /// `depth` 8 or 16, carrying `text` as tEXt chunks (sorted by key).
    static func encode(_ tensor: Tensor, depth: Int, text: [String: String], compression: Int = EncodeOptions.defaultPNGCompression,
                       path: String) throws(CodecError) -> [UInt8] {
        guard let ctx = ckit_png_new() else { throw CodecError(path: path, codec: name, "out of memory") }
        try Shim.check(ckit_png_set_compression(ctx, Int32(compression)), path: path, codec: name) { "PNG compression \(compression) is not 0-9" }
        defer { ckit_png_free(ctx) }
        let message = { Shim.string(ckit_png_strerror(ctx)) }
        let entries = try textEntries(text, path: path)
        let keys = entries.map { strdup($0.key) }
        let values = entries.map { strdup($0.value) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        guard !keys.contains(nil), !values.contains(nil) else { throw CodecError(path: path, codec: name, "out of memory") }
        let keyPointers: [UnsafePointer<CChar>?] = keys.map { UnsafePointer($0) }
        let valuePointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) }
        let status: Int32
        if depth == 16 {
            let samples = Quantize.interleaved16(tensor)
            status = samples.withUnsafeBytes { px in
                ckit_png_encode(ctx, px.baseAddress, UInt32(tensor.width), UInt32(tensor.height), Int32(tensor.channels),
                                16, keyPointers, valuePointers, entries.count)
            }
        } else {
            let samples = Quantize.interleaved8(tensor)
            status = samples.withUnsafeBytes { px in
                ckit_png_encode(ctx, px.baseAddress, UInt32(tensor.width), UInt32(tensor.height), Int32(tensor.channels),
                                8, keyPointers, valuePointers, entries.count)
            }
        }
        try Shim.check(status, path: path, codec: name, message)
        var data: UnsafePointer<UInt8>?
        var size = 0
        try Shim.check(ckit_png_encoded(ctx, &data, &size), path: path, codec: name, message)
        return Shim.bytes(data, size) ?? []
    }

    /// `text` in the order its tEXt chunks are written (by key), after the
    /// key checks.
    static func textEntries(_ text: [String: String], path: String) throws(CodecError) -> [(key: String, value: String)] {
        let entries = text.sorted { $0.key < $1.key }
        for (key, value) in entries {
            guard (1...79).contains(key.utf8.count), !key.utf8.contains(0), !value.utf8.contains(0) else {
                throw CodecError(path: path, codec: name, "tEXt key '\(key)' is not 1-79 characters without NUL",
                                 hint: "PNG text keys are 1 to 79 Latin-1 characters")
            }
        }
        return entries
    }
}
