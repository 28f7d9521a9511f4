import ConvKit
import Foundation

/// Reads a PNG, JPEG or `.npy` file a strip of rows at a time, so that an
/// image larger than memory can be processed: memory use depends on the
/// width, never on the height (exceptions below).
///
/// The rows are the *stored* rows, before EXIF orientation: ``orientation``
/// says what the caller should apply. Samples are bit for bit those of
/// ``ImageDecoder/decode(path:options:)`` with `autoOrient` off (8-bit x/255,
/// 16-bit x/65535, palette to RGB or RGBA, JPEG CMYK to RGB, `.npy` dtypes
/// as ``NPY`` reads them).
///
///     let reader = try ImageRowReader.open(path: "scan.png")
///     let (c, h, w) = (reader.storedShape.channels, reader.storedShape.height, reader.storedShape.width)
///     var strip = [Float](repeating: 0, count: c * 64 * w)
///     for top in stride(from: 0, to: h, by: 64) {
///         let rows = top..<min(h, top + 64)
///         try strip.withUnsafeMutableBufferPointer { try reader.read(rows: rows, into: $0) }
///         // sample (c, y, x) of the strip is strip[(c * rows.count + y - top) * w + x]
///     }
///
/// How each format is read:
/// - PNG and JPEG: libpng / libjpeg decode top to bottom from the file
///   (never loaded whole). A strip that starts below the last row read skips
///   the rows between (they are decoded and dropped); one that starts above
///   it reopens the decoder and decodes from the top again (``passes`` counts
///   this). Read top to bottom for one pass.
/// - Interlaced (Adam7) PNG: no row is complete before the seventh pass, so
///   the first read decodes the whole image into one interleaved buffer
///   (height x width x channels x 1 or 2 bytes) and every strip is served
///   from it, in any order (``fullDecode`` is true).
/// - Progressive JPEG: rows still come one at a time, but libjpeg first reads
///   every scan into its coefficient buffer, which holds the whole image
///   (about 2 bytes per sample) while the pass lasts.
/// - `.npy` (C order): each strip is read in place with pread, in any order,
///   one pass. Fortran order is refused, as ``ImageDecoder`` refuses it.
///
/// Errors are ``CodecError``s naming the file, as ``ImageDecoder`` gives them.
/// After an error (including a `strict` warning) the reader is spent: every
/// later read throws the same error.
///
/// See also ``ImageRowWriter``, ``ImageDecoder``.
public final class ImageRowReader {
    /// The file, as given to ``open(path:options:)``.
    public let path: String
    /// Exactly what ``ImageDecoder/probe(path:options:)`` returns for the
    /// same file and options (sizes after orientation when `autoOrient`).
    public let info: ImageInfo
    /// Channels, height and width as stored, before EXIF orientation: the
    /// shape of the rows ``read(rows:into:)`` returns.
    public let storedShape: Shape
    /// The EXIF Orientation tag (1-8), nil when absent or broken, whatever
    /// `autoOrient` says: rows are stored rows, the caller applies it.
    public let orientation: Int?
    /// The format found by the magic bytes.
    public let format: ImageFormat
    /// True when the first read decodes the whole image (interlaced PNG).
    public let fullDecode: Bool
    /// Decoding passes begun over the file: 0 before the first read, 1 once
    /// it began, 2 after the first rewind, and so on. A full decode or an
    /// `.npy` file takes one pass whatever the order of the reads.
    public private(set) var passes = 0
    /// The non-fatal problems so far, as ``DecodedImage/warnings`` has them:
    /// an extension that lies about the content, then libpng/libjpeg warnings
    /// ("libpng: ...", "libjpeg: ...") in the order they arose; a warning met
    /// again on a later pass is not repeated. With `DecodeOptions.strict`
    /// the first library warning throws instead.
    public private(set) var warnings: [String]

    private let fd: Int32
    private let options: DecodeOptions
    /// Bits per decoded PNG/JPEG sample (8 or 16).
    private let sampleBits: Int
    private var decoder: CodecRows?
    private let npy: NPYRows?
    /// TIFF (read in place) or WebP (held whole) rows.
    private var extra: ExtraRows?
    /// Library warnings already in ``warnings`` (the most any pass has seen).
    private var libraryWarnings = 0
    private var failure: CodecError?
    /// The whole interleaved image of a full decode.
    private var whole: UnsafeMutableRawBufferPointer?
    private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    private init(path: String, fd: Int32, options: DecodeOptions, format: ImageFormat, info: ImageInfo,
                 decoder: CodecRows?, npy: NPYRows?, warnings: [String]) {
        self.path = path
        self.fd = fd
        self.options = options
        self.format = format
        self.info = info
        self.decoder = decoder
        self.npy = npy
        self.warnings = warnings
        storedShape = Shape(channels: info.channels, height: info.storedHeight, width: info.storedWidth)
        orientation = info.orientation
        fullDecode = format == .png && decoder?.interlaced == true
        sampleBits = decoder?.sampleBits ?? 8
        libraryWarnings = decoder?.warnings.count ?? 0
    }

    deinit {
        decoder = nil
        whole?.deallocate()
        scratch.deallocate()
        close(fd)
    }

    /// Opens the file at `path` and reads its header: the format by its magic
    /// bytes (PNG, JPEG, `.npy`), the `options.maxPixels` check before any
    /// pixel buffer exists, and for PNG an eXIf chunk even when it follows
    /// the pixel data (found by walking the chunk headers).
    ///
    /// Throws the ``CodecError`` that ``ImageDecoder/decode(path:options:)``
    /// gives for a missing, empty or unknown file and for a broken header;
    /// with `options.strict`, for a header warning too.
    public static func open(path: String, options: DecodeOptions = DecodeOptions()) throws(CodecError) -> ImageRowReader {
        let (fd, size) = try FileBytes.openForReading(path)
        do throws(CodecError) {
            let head = try RowFile.bytes(fd, count: 12, at: 0, path: path)
            guard !head.isEmpty else { throw CodecError(path: path, "empty file", hint: "the file has 0 bytes") }
            guard let kind = ImageDecoder.format(of: head) else { throw ImageDecoder.notAnImage(head, path: path) }
            var warnings = ImageDecoder.extensionWarning(path: path, kind: kind).map { [$0] } ?? []
            if kind == .tiff || kind == .webp {
                let (rows, info, more) = try ExtraRows.open(kind, fd: fd, fileSize: size, path: path, options: options)
                let reader = ImageRowReader(path: path, fd: fd, options: options, format: kind, info: info,
                                            decoder: nil, npy: nil, warnings: warnings + more)
                reader.extra = rows
                reader.libraryWarnings = rows.warnings.count
                return reader
            }
            if kind == .npy {
                let npy = try NPYRows(fd: fd, fileSize: size, path: path, options: options)
                return ImageRowReader(path: path, fd: fd, options: options, format: kind, info: npy.info,
                                      decoder: nil, npy: npy, warnings: warnings)
            }
            let decoder = try CodecRows(kind, fd: fd, path: path, maxPixels: options.maxPixels)
            let raw = decoder.raw
            if options.strict, let first = raw.warnings.first {
                throw ImageDecoder.strictError(path: path, kind: kind, first)
            }
            warnings += raw.warnings
            let orientation = raw.exif.flatMap { EXIF.orientation(in: $0) }
            let info = ImageDecoder.imageInfo(kind, raw, orientation: orientation, options: options)
            return ImageRowReader(path: path, fd: fd, options: options, format: kind, info: info,
                                  decoder: decoder, npy: nil, warnings: warnings)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Decodes the stored rows `rows` into `dst` in planar strip layout:
    /// sample (channel c, row y, column x) goes to
    /// `dst[(c * rows.count + (y - rows.lowerBound)) * width + x]`.
    ///
    /// `rows` must lie within the stored height and `dst` must hold
    /// `channels * rows.count * width` floats (a precondition). Rows may be
    /// requested in any order; see the type's notes for what that costs.
    public func read(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>) throws(CodecError) {
        let shape = storedShape
        precondition(rows.lowerBound >= 0 && rows.upperBound <= shape.height,
                     "rows \(rows) outside the stored height \(shape.height)")
        precondition(dst.count >= shape.channels * rows.count * shape.width,
                     "dst holds \(dst.count) floats, the strip needs \(shape.channels * rows.count * shape.width)")
        if let failure { throw failure }
        guard !rows.isEmpty else { return }
        do throws(CodecError) {
            if let extra {
                passes = 1
                try extra.read(rows: rows, into: dst)
                let all = extra.warnings
                if all.count > libraryWarnings {
                    let fresh = Array(all[libraryWarnings...])
                    libraryWarnings = all.count
                    warnings += fresh
                    if options.strict, let first = fresh.first { throw ImageDecoder.strictError(path: path, kind: format, first) }
                }
            } else if let npy {
                passes = 1
                try npy.read(fd, rows: rows, into: dst, scratch: scratchBuffer(bytes: 1 << 20))
            } else if fullDecode {
                try readWhole(rows: rows, into: dst)
            } else {
                try readStreaming(rows: rows, into: dst)
            }
        } catch {
            failure = error
            decoder = nil
            throw error
        }
    }

    private func readStreaming(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>) throws(CodecError) {
        let current: CodecRows
        if let decoder, rows.lowerBound >= decoder.nextRow {
            // Forward: the pass goes on (the header's decoder begins pass 1).
            current = decoder
            passes = max(passes, 1)
        } else {
            // Backward: a new pass from the top. The old one (and a libjpeg
            // coefficient buffer) is released before the header is read again.
            decoder = nil
            current = try CodecRows(format, fd: fd, path: path, maxPixels: options.maxPixels)
            decoder = current
            passes += 1
        }
        try run(current) { () throws(CodecError) in try current.read(rows.lowerBound - current.nextRow, into: nil) }
        let width = storedShape.width, channels = storedShape.channels
        let rowBytes = current.rowBytes
        let batch = min(rows.count, RowFile.batchRows(rowBytes: rowBytes))
        let buffer = scratchBuffer(bytes: batch * rowBytes)
        var done = 0
        while done < rows.count {
            let n = min(batch, rows.count - done)
            let part = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<(n * rowBytes)])
            try run(current) { () throws(CodecError) in try current.read(n, into: part) }
            RawImage.planar(UnsafeRawBufferPointer(part), pixels: n * width, channels: channels,
                            sampleBits: current.sampleBits,
                            into: UnsafeMutableBufferPointer(rebasing: dst[(done * width)...]),
                            planeStride: rows.count * width)
            done += n
        }
    }

    private func readWhole(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>) throws(CodecError) {
        if whole == nil, let current = decoder {
            guard let size = current.bufferSize, size > 0 else {
                throw CodecError(path: path, codec: current.codec,
                                 "declared size \(current.width)x\(current.height) is too large")
            }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
            passes = 1
            do throws(CodecError) {
                try run(current) { () throws(CodecError) in try current.decodeAll(into: buffer) }
            } catch {
                buffer.deallocate()
                throw error
            }
            whole = buffer
            decoder = nil
        }
        guard let whole else { preconditionFailure("full decode without a decoder") }
        let width = storedShape.width, channels = storedShape.channels
        let rowBytes = whole.count / storedShape.height
        let part = UnsafeRawBufferPointer(rebasing: whole[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)])
        RawImage.planar(part, pixels: rows.count * width, channels: channels, sampleBits: sampleBits,
                        into: dst, planeStride: rows.count * width)
    }

    /// Runs one library call, then takes in its new warnings (each once over
    /// all passes); with `strict` the first of them is an error.
    private func run(_ decoder: CodecRows, _ call: () throws(CodecError) -> Void) throws(CodecError) {
        var thrown: CodecError?
        do throws(CodecError) { try call() } catch { thrown = error }
        let all = decoder.warnings
        let fresh = all.count > libraryWarnings ? Array(all[libraryWarnings...]) : []
        libraryWarnings = max(libraryWarnings, all.count)
        warnings += fresh
        if let thrown { throw thrown }
        if options.strict, let first = fresh.first { throw ImageDecoder.strictError(path: path, kind: format, first) }
    }

    /// The scratch buffer, grown to at least `bytes` (it never shrinks).
    private func scratchBuffer(bytes: Int) -> UnsafeMutableRawBufferPointer {
        if scratch.count < bytes {
            scratch.deallocate()
            scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes, alignment: 8)
        }
        return scratch
    }
}
