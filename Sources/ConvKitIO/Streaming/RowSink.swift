import CConvKitCodecs
import ConvKit
import Foundation

/// libpng or libjpeg compressing rows into a file descriptor, as
/// ``PNGCodec/encode(_:depth:text:path:)`` and ``JPEGCodec/encode(_:quality:path:)``
/// do into memory (the shim shares their settings, so the bytes are equal).
final class CodecSink {
    private enum Context {
        case png(OpaquePointer)
        case jpeg(OpaquePointer)
    }

    private let context: Context
    let path: String
    let codec: String
    /// Bytes per interleaved sample: 1, or 2 for a 16-bit PNG.
    let sampleBytes: Int

    /// Writes the PNG signature, IHDR and tEXt chunks of `text` (already
    /// checked by ``PNGCodec/textEntries(_:path:)``).
    init(png fd: Int32, shape: Shape, depth: Int, compression: Int, text: [(key: String, value: String)],
         path: String) throws(CodecError) {
        self.path = path
        codec = PNGCodec.name
        sampleBytes = depth / 8
        guard let ctx = ckit_png_new() else { throw CodecError(path: path, codec: PNGCodec.name, "out of memory") }
        context = .png(ctx)
        guard ckit_png_set_compression(ctx, Int32(compression)) == CKIT_OK else {
            throw CodecError(path: path, codec: PNGCodec.name, "PNG compression \(compression) is not 0-9")
        }
        try Self.withCStrings(text, path: path) { (keys, values) throws(CodecError) in
            try check(ckit_png_write_begin(ctx, fd, UInt32(shape.width), UInt32(shape.height), Int32(shape.channels),
                                           Int32(depth), keys, values, text.count))
        }
    }

    /// Starts a baseline JPEG at `quality` (1-100).
    init(jpeg fd: Int32, shape: Shape, quality: Int, path: String) throws(CodecError) {
        self.path = path
        codec = JPEGCodec.name
        sampleBytes = 1
        guard let ctx = ckit_jpeg_new() else { throw CodecError(path: path, codec: JPEGCodec.name, "out of memory") }
        context = .jpeg(ctx)
        try check(ckit_jpeg_write_begin(ctx, fd, UInt32(shape.width), UInt32(shape.height), Int32(shape.channels),
                                        Int32(quality)))
    }

    deinit {
        switch context {
        case .png(let ctx): ckit_png_free(ctx)
        case .jpeg(let ctx): ckit_jpeg_free(ctx)
        }
    }

    /// Compresses `count` interleaved rows held in `pixels`.
    func write(_ count: Int, _ pixels: UnsafeRawBufferPointer) throws(CodecError) {
        switch context {
        case .png(let ctx):
            try check(ckit_png_write_rows(ctx, pixels.baseAddress, pixels.count, UInt32(count)))
        case .jpeg(let ctx):
            try check(ckit_jpeg_write_rows(ctx, pixels.baseAddress?.assumingMemoryBound(to: UInt8.self), pixels.count,
                                           UInt32(count)))
        }
    }

    /// Writes what follows the last row (PNG: `text` as tEXt chunks after
    /// IDAT, then IEND; JPEG EOI, `text` unused) and flushes.
    func end(text: [(key: String, value: String)] = []) throws(CodecError) {
        switch context {
        case .png(let ctx):
            guard !text.isEmpty else { return try check(ckit_png_write_end(ctx)) }
            try Self.withCStrings(text, path: path) { (keys, values) throws(CodecError) in
                try check(ckit_png_write_end_text(ctx, keys, values, text.count))
            }
        case .jpeg(let ctx): try check(ckit_jpeg_write_end(ctx))
        }
    }

    /// The keys and values of `text` as C strings, for the length of `body`.
    private static func withCStrings(_ text: [(key: String, value: String)], path: String,
                                     _ body: ([UnsafePointer<CChar>?], [UnsafePointer<CChar>?]) throws(CodecError) -> Void) throws(CodecError) {
        let keys = text.map { strdup($0.key) }, values = text.map { strdup($0.value) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        guard !keys.contains(nil), !values.contains(nil) else {
            throw CodecError(path: path, codec: PNGCodec.name, "out of memory")
        }
        try body(keys.map { UnsafePointer($0) }, values.map { UnsafePointer($0) })
    }

    /// A failed write(2) becomes ``AtomicFile``'s error for it (errno text,
    /// hints for a full disk and the file-size limit); anything else is the
    /// library's message, as for the in-memory encoders.
    private func check(_ status: Int32) throws(CodecError) {
        let code: Int32, message: String
        switch context {
        case .png(let ctx): (code, message) = (ckit_png_io_errno(ctx), Shim.string(ckit_png_strerror(ctx)))
        case .jpeg(let ctx): (code, message) = (ckit_jpeg_io_errno(ctx), Shim.string(ckit_jpeg_strerror(ctx)))
        }
        if Int(status) == CKIT_EIO {
            errno = code
            throw AtomicFile.writeError(path, "cannot write: ")
        }
        try Shim.check(status, path: path, codec: codec) { message }
    }
}
