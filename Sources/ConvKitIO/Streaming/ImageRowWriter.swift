import ConvKit
import Foundation

/// Writes a PNG, JPEG or `.npy` file a strip of rows at a time, so that an
/// image larger than memory can be produced: memory use depends on the
/// width, never on the height.
///
/// The file is built in a temporary file next to the target
/// (`.NAME.tmp-XXXXXX`, from mkstemp, as ``AtomicFile`` names it) and renamed
/// into place by ``finish()`` only: readers see the old file or the complete
/// new one, and a failure or ``abort()`` leaves neither a partial file nor
/// the temporary one. The bytes are exactly those ``ImageEncoder`` writes
/// for the same (already mapped) tensor and options.
///
///     let writer = try ImageRowWriter(path: "out.png", shape: Shape(channels: 3, height: h, width: w),
///                                     options: EncodeOptions())
///     for top in stride(from: 0, to: h, by: 64) {
///         let strip = produce(rows: top..<min(h, top + 64))   // planar, values in [0, 1]
///         try strip.withUnsafeBufferPointer { try writer.write(rows: min(64, h - top), from: $0) }
///     }
///     try writer.finish()
///
/// Unlike ``ImageEncoder``, the writer does not apply `options.map` (a
/// min-max or signed map needs the whole image's range): PNG and JPEG
/// samples go through ``maps`` (clamp unless set, or the ``UnitMap`` of a
/// range known beforehand), are rounded as ``ImageEncoder`` rounds them after
/// its map, and are counted in ``tally``. `.npy` takes raw floats.
///
/// See also ``ImageRowReader``, ``AtomicFile``.
public final class ImageRowWriter {
    /// The file ``finish()`` creates or replaces.
    public let path: String
    /// Channels, height and width of the image being written.
    public let shape: Shape
    /// The format named by the extension of ``path``.
    public let format: ImageFormat
    /// The temporary file the bytes go to until ``finish()`` renames it to
    /// ``path``; gone after ``abort()`` or a failure.
    public let temporaryPath: String
    /// Rows written so far (top to bottom).
    public private(set) var rowsWritten = 0

    /// Per channel, how floats become [0, 1] before rounding (PNG and JPEG;
    /// default: clamp). Set before the first row; the clipping and rounding
    /// of every row written are counted in ``tally``.
    public var maps: [UnitMap]
    /// What rounding the rows written so far lost (see ``QuantizationReport``).
    public private(set) var tally = QuantizationTally()

    private enum State { case open, finished, aborted }

    private var state = State.open
    private var fd: Int32
    private var sink: CodecSink?
    private var tiffSink: TIFFRowSink?
    private var webpSink: WebPRowSink?
    private let depth: Int
    private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    /// Validates the shape and options with ``ImageEncoder``'s checks and
    /// messages (extension, channel count, PNG depth 8/16, JPEG quality and
    /// its 65500 limit, empty image, tEXt keys), creates the temporary file
    /// and writes the header: PNG signature, IHDR and tEXt chunks; JPEG
    /// markers; the `.npy` format 1.0 header of a `<f4` (C, H, W) array.
    ///
    /// - `.png`: 1-4 channels (gray, gray+alpha, RGB, RGBA), `options.depth`
    ///   8 or 16, `options.text` as tEXt chunks in key order.
    /// - `.jpg` / `.jpeg`: 1 or 3 channels at `options.quality`.
    /// - `.npy`: any shape; `options` is ignored.
    public init(path: String, shape: Shape, options: EncodeOptions) throws(CodecError) {
        let format = try ImageEncoder.outputFormat(path)
        try ImageEncoder.validate(shape, as: format, path: path, options: options)
        let text = format == .png ? try PNGCodec.textEntries(options.text, path: path) : []
        let (fd, temp) = try AtomicFile.createTemporary(for: path)
        self.path = path
        self.shape = shape
        self.format = format
        self.fd = fd
        temporaryPath = temp
        depth = format == .png ? options.depth : 8
        maps = Array(repeating: .clamp, count: shape.channels)
        do throws(CodecError) {
            switch format {
            case .png:
                sink = try CodecSink(png: fd, shape: shape, depth: options.depth, compression: options.pngCompression,
                                     text: text, path: path)
            case .jpeg:
                sink = try CodecSink(jpeg: fd, shape: shape, quality: options.quality, path: path)
            case .tiff:
                tiffSink = try TIFFRowSink(fd: fd, shape: shape, options: options, path: path)
            case .webp:
                webpSink = WebPRowSink(shape: shape, options: options, path: path)
            case .npy:
                var failure: CodecError?
                NPY.headerBytes(shape).withUnsafeBytes { bytes in
                    do throws(CodecError) { try RowFile.write(fd, bytes, at: 0, path: path) } catch { failure = error }
                }
                if let failure { throw failure }
            }
        } catch {
            abort()
            throw error
        }
    }

    deinit {
        if state == .open { abort() }
        scratch.deallocate()
    }

    /// Appends the next `count` rows, in planar strip layout: sample
    /// (channel c, strip row r, column x) is `src[(c * count + r) * width + x]`.
    ///
    /// `count` must not pass the height and `src` must hold
    /// `channels * count * width` floats (a precondition). A write error
    /// (a full disk, the file-size limit) throws ``AtomicFile``'s error and
    /// removes the temporary file; so does any codec error. Throws too after
    /// ``finish()`` or ``abort()``.
    public func write(rows count: Int, from src: UnsafeBufferPointer<Float>) throws(CodecError) {
        precondition(count >= 0 && count <= shape.height - rowsWritten,
                     "\(count) rows after \(rowsWritten) pass the height \(shape.height)")
        precondition(src.count >= shape.channels * count * shape.width,
                     "src holds \(src.count) floats, \(count) rows need \(shape.channels * count * shape.width)")
        try checkOpen()
        guard count > 0 else { return }
        do throws(CodecError) {
            if let sink {
                try writeCodec(sink, count: count, from: src)
            } else if let tiffSink {
                try tiffSink.write(rows: count, from: src)
            } else if let webpSink {
                webpSink.write(rows: count, from: src)
            } else {
                try writeNPY(count: count, from: src)
            }
        } catch {
            abort()
            throw error
        }
        rowsWritten += count
    }

    /// Completes the file: the codec's trailer, mode 0644 (mkstemp creates
    /// 0600; outputs are ordinary files), close, and the rename onto
    /// ``path``. Every row must have been written; otherwise, and on any
    /// failure, the temporary file is removed and nothing replaces ``path``.
    /// A PNG gets `text` as tEXt chunks after its pixel data (what is known
    /// only at the end of a run: its time, its quantisation).
    public func finish(text: [String: String] = [:]) throws(CodecError) {
        try checkOpen()
        let trailing = format == .png && !text.isEmpty ? try PNGCodec.textEntries(text, path: path) : []
        do throws(CodecError) {
            guard rowsWritten == shape.height else {
                throw CodecError(path: path, codec: format.rawValue.uppercased(),
                                 "only \(rowsWritten) of \(shape.height) rows were written",
                                 hint: "write every row before finish(); no file was left")
            }
            try sink?.end(text: trailing)
            sink = nil
            try tiffSink?.finish()
            tiffSink = nil
            try webpSink?.finish(fd: fd)
            webpSink = nil
            _ = fchmod(fd, 0o644)
            let status = close(fd)
            fd = -1
            guard status == 0 else { throw AtomicFile.writeError(path, "cannot write: ") }
            guard rename(temporaryPath, path) == 0 else {
                throw FileBytes.errnoError(path, "cannot rename the temporary file into place: ")
            }
        } catch {
            abort()
            throw error
        }
        state = .finished
    }

    /// Abandons the file: closes and removes the temporary file; ``path`` is
    /// left as it was. Does nothing after ``finish()`` or a previous abort.
    /// The writer calls it itself on any error and when it is released
    /// unfinished.
    public func abort() {
        guard state == .open else { return }
        state = .aborted
        sink = nil
        tiffSink = nil
        webpSink = nil
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temporaryPath)
    }

    private func checkOpen() throws(CodecError) {
        switch state {
        case .open: return
        case .finished: throw CodecError(path: path, "the row writer has already finished the file")
        case .aborted: throw CodecError(path: path, "the row writer was aborted (after an error or by abort())")
        }
    }

    /// Maps and rounds a strip to interleaved 8- or 16-bit rows, a batch at a
    /// time, exactly as ``Quantize`` rounds a whole tensor after its map.
    private func writeCodec(_ sink: CodecSink, count: Int, from src: UnsafeBufferPointer<Float>) throws(CodecError) {
        let width = shape.width, channels = shape.channels
        let rowBytes = width * channels * sink.sampleBytes
        let batch = min(count, RowFile.batchRows(rowBytes: rowBytes))
        let buffer = scratchBuffer(bytes: batch * rowBytes)
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            let strip = UnsafeBufferPointer(rebasing: src[(done * width)...])
            if depth == 16 {
                Samples.quantize16(strip.baseAddress!, pixels: n * width, channels: channels, planeStride: count * width,
                                   maps: maps, into: buffer.bindMemory(to: UInt16.self).baseAddress!, tally: &tally)
            } else {
                Samples.quantize8(strip.baseAddress!, pixels: n * width, channels: channels, planeStride: count * width,
                                  maps: maps, into: buffer.bindMemory(to: UInt8.self).baseAddress!, tally: &tally)
            }
            try sink.write(n, UnsafeRawBufferPointer(rebasing: buffer[0..<(n * rowBytes)]))
            done += n
        }
    }

    /// Each channel's rows are one contiguous run in a C-order (C, H, W)
    /// file, at their own offset: write them there with pwrite.
    private func writeNPY(count: Int, from src: UnsafeBufferPointer<Float>) throws(CodecError) {
        let width = shape.width, height = shape.height
        let dataOffset = NPY.headerBytes(shape).count
        let buffer = scratchBuffer(bytes: 1 << 20)
        let perRun = buffer.count / 4
        let out = buffer.bindMemory(to: UInt32.self)
        for c in 0..<shape.channels {
            let total = count * width
            let first = (c * height + rowsWritten) * width
            var done = 0
            while done < total {
                let n = min(perRun, total - done)
                for i in 0..<n { out[i] = src[c * total + done + i].bitPattern.littleEndian }
                try RowFile.write(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<(4 * n)]),
                                  at: dataOffset + 4 * (first + done), path: path)
                done += n
            }
        }
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
