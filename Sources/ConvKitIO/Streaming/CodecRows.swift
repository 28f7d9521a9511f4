import CConvKitCodecs
import ConvKit

/// One pass of libpng or libjpeg over a file descriptor, producing stored
/// rows top to bottom as interleaved 8- or 16-bit samples, as ``PNGCodec``
/// and ``JPEGCodec`` do for a whole buffer. A rewind is a new `CodecRows`.
final class CodecRows {
    private enum Context {
        case png(OpaquePointer)
        case jpeg(OpaquePointer)
    }

    private let context: Context
    let path: String
    let codec: String
    let width: Int
    let height: Int
    let channels: Int
    let sampleBits: Int
    let storedBits: Int
    /// Adam7 PNG (rows only through ``decodeAll(into:)``) or progressive JPEG.
    let interlaced: Bool
    /// Declared bytes of the whole interleaved image, when it fits an Int.
    let bufferSize: Int?
    /// The EXIF TIFF structure, known before any row (see `ckit_png_exif`).
    let exif: [UInt8]?
    /// The next row the library will produce.
    private(set) var nextRow = 0

    var rowBytes: Int { width * channels * sampleBits / 8 }

    /// Reads the header of the PNG or JPEG open as `fd`: the max-pixels check
    /// and every header error are those of ``ImageDecoder``.
    init(_ kind: ImageFormat, fd: Int32, path: String, maxPixels: Int) throws(CodecError) {
        self.path = path
        let limit = UInt64(max(0, maxPixels))
        var header = ckit_image_header()
        var exifData: UnsafePointer<UInt8>?
        var exifSize = 0
        let codec = kind == .png ? PNGCodec.name : JPEGCodec.name
        self.codec = codec
        if kind == .png {
            guard let ctx = ckit_png_new() else { throw CodecError(path: path, codec: codec, "out of memory") }
            context = .png(ctx)
            let message = { Shim.string(ckit_png_strerror(ctx)) }
            do throws(CodecError) {
                try Shim.check(ckit_png_set_max_pixels(ctx, limit), path: path, codec: codec, message)
                try Shim.check(ckit_png_set_fd(ctx, fd), path: path, codec: codec, message)
                try Shim.check(ckit_png_read_header(ctx, &header), path: path, codec: codec, message)
            } catch {
                ckit_png_free(ctx)
                throw error
            }
            if ckit_png_exif(ctx, &exifData, &exifSize) != CKIT_OK { exifData = nil }
        } else {
            guard let ctx = ckit_jpeg_new() else { throw CodecError(path: path, codec: codec, "out of memory") }
            context = .jpeg(ctx)
            let message = { Shim.string(ckit_jpeg_strerror(ctx)) }
            do throws(CodecError) {
                try Shim.check(ckit_jpeg_set_max_pixels(ctx, limit), path: path, codec: codec, message)
                try Shim.check(ckit_jpeg_set_fd(ctx, fd), path: path, codec: codec, message)
                try Shim.check(ckit_jpeg_read_header(ctx, &header), path: path, codec: codec, message)
            } catch {
                ckit_jpeg_free(ctx)
                throw error
            }
            if ckit_jpeg_exif(ctx, &exifData, &exifSize) != CKIT_OK { exifData = nil }
        }
        width = Int(header.width)
        height = Int(header.height)
        channels = Int(header.channels)
        sampleBits = Int(header.sample_bits)
        storedBits = Int(header.stored_bits)
        interlaced = header.interlaced != 0
        bufferSize = Int(exactly: header.buffer_size)
        exif = Shim.bytes(exifData, exifSize)
    }

    deinit {
        switch context {
        case .png(let ctx): ckit_png_free(ctx)
        case .jpeg(let ctx): ckit_jpeg_free(ctx)
        }
    }

    /// The library's warnings so far in this pass, prefixed as ``ImageDecoder`` does.
    var warnings: [String] {
        switch context {
        case .png(let ctx): Shim.lines(ckit_png_warnings(ctx)).map { "libpng: \($0)" }
        case .jpeg(let ctx): Shim.lines(ckit_jpeg_warnings(ctx)).map { "libjpeg: \($0)" }
        }
    }

    /// The header facts as ``ImageDecoder`` keeps them (no pixels).
    var raw: RawImage {
        RawImage(width: width, height: height, channels: channels, storedBits: storedBits, tensor: nil,
                 exif: exif, warnings: warnings)
    }

    /// Decodes the next `count` rows into `out` (`count * rowBytes` bytes),
    /// or decodes and drops them when `out` is nil.
    func read(_ count: Int, into out: UnsafeMutableRawBufferPointer?) throws(CodecError) {
        precondition(count >= 0 && count <= height - nextRow, "rows past the end of the image")
        let size = out?.count ?? 0
        switch context {
        case .png(let ctx):
            try Shim.check(ckit_png_read_rows(ctx, out?.baseAddress, size, UInt32(count)), path: path, codec: codec) {
                Shim.string(ckit_png_strerror(ctx))
            }
        case .jpeg(let ctx):
            try Shim.check(ckit_jpeg_read_rows(ctx, out?.baseAddress, size, UInt32(count)), path: path, codec: codec) {
                Shim.string(ckit_jpeg_strerror(ctx))
            }
        }
        nextRow += count
    }

    /// Decodes the whole image into `out` (``bufferSize`` bytes): the only
    /// way to read an interlaced PNG, whose rows are complete only after the
    /// last of its seven passes.
    func decodeAll(into out: UnsafeMutableRawBufferPointer) throws(CodecError) {
        precondition(nextRow == 0, "decodeAll after rows were read")
        switch context {
        case .png(let ctx):
            try Shim.check(ckit_png_decode(ctx, out.baseAddress, out.count), path: path, codec: codec) {
                Shim.string(ckit_png_strerror(ctx))
            }
        case .jpeg(let ctx):
            try Shim.check(ckit_jpeg_decode(ctx, out.baseAddress, out.count), path: path, codec: codec) {
                Shim.string(ckit_jpeg_strerror(ctx))
            }
        }
        nextRow = height
    }
}
