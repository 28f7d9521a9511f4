import ConvKit
import Foundation

/// TIFF output for ``ImageRowWriter``: rows go to libtiff as they come, in
/// strips of about 64 KiB (or bands of `--tile` rows cut into tiles), so
/// memory depends on the width only. 8 and 16 bits are rounded as
/// ``Quantize`` rounds (values already mapped to [0, 1]); 32 bits are the
/// floats as they are.
final class TIFFRowSink {
    private let writer: TIFFWriter
    private let shape: Shape
    private let depth: Int
    private var scratch = UnsafeMutableRawBufferPointer(start: nil, count: 0)

    init(fd: Int32, shape: Shape, options: EncodeOptions, path: String) throws(CodecError) {
        self.shape = shape
        depth = options.depth
        writer = try TIFFWriter(fd: fd, pages: 1, shape: shape, options: options, path: path)
        try writer.begin(page: 0, shape: shape)
    }

    deinit { scratch.deallocate() }

    /// `count` rows in planar strip layout (as ``ImageRowWriter/write(rows:from:)`` takes them).
    func write(rows count: Int, from src: UnsafeBufferPointer<Float>) throws(CodecError) {
        let width = shape.width, channels = shape.channels
        let rowBytes = width * channels * depth / 8
        let batch = max(1, min(count, RowFile.batchRows(rowBytes: rowBytes)))
        if scratch.count < batch * rowBytes {
            scratch.deallocate()
            scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: batch * rowBytes, alignment: 8)
        }
        var done = 0
        while done < count {
            let n = min(batch, count - done)
            let strip = UnsafeBufferPointer(rebasing: src[(done * width)...])
            switch depth {
            case 16:
                Quantize.interleaved16(strip, pixels: n * width, channels: channels, planeStride: count * width,
                                       into: scratch.bindMemory(to: UInt16.self))
            case 32:
                let out = scratch.bindMemory(to: Float.self)
                for i in 0..<(n * width) {
                    for c in 0..<channels { out[i * channels + c] = strip[c * count * width + i] }
                }
            default:
                Quantize.interleaved8(strip, pixels: n * width, channels: channels, planeStride: count * width,
                                      into: scratch.bindMemory(to: UInt8.self))
            }
            try writer.write(raw: UnsafeRawBufferPointer(rebasing: scratch[0..<(n * rowBytes)]), rows: n)
            done += n
        }
    }

    /// Writes the page's directory and closes the TIFF.
    func finish() throws(CodecError) {
        try writer.end()
        try writer.close()
    }
}

/// WebP output for ``ImageRowWriter``: WebP has no row-wise encoder, so the
/// rows are held (at most 16383 x 16383 x 4 floats, refused larger before
/// any row) and encoded by ``finish(fd:)``.
final class WebPRowSink {
    private var tensor: Tensor
    private let options: EncodeOptions
    private let path: String
    private var row = 0

    init(shape: Shape, options: EncodeOptions, path: String) {
        tensor = Tensor(zeros: shape)
        self.options = options
        self.path = path
    }

    func write(rows count: Int, from src: UnsafeBufferPointer<Float>) {
        let width = tensor.width, height = tensor.height, channels = tensor.channels, top = row
        tensor.data.withUnsafeMutableBufferPointer { dst in
            for c in 0..<channels {
                for r in 0..<count {
                    for x in 0..<width { dst[(c * height + top + r) * width + x] = src[(c * count + r) * width + x] }
                }
            }
        }
        row += count
    }

    func finish(fd: Int32) throws(CodecError) {
        let bytes = try WebPCodec.encode(tensor, quality: options.quality, lossless: options.webpLossless, path: path)
        var failure: CodecError?
        bytes.withUnsafeBytes { raw in
            do throws(CodecError) { try RowFile.write(fd, raw, at: 0, path: path) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// TIFF and WebP input for ``ImageRowReader``: a TIFF page is read in place by
/// strips or rows of tiles (libtiff keeps the last one decoded, so a top to
/// bottom pass decodes each once, and any order works); a WebP is decoded
/// whole (it holds at most 16383 x 16383 pixels) and served from memory.
enum ExtraRows {
    case tiff(TIFFFile)
    case webp(Tensor)

    /// Opens the TIFF or WebP at `fd` and returns its rows and header facts,
    /// with ``ImageDecoder``'s errors and warnings.
    static func open(_ kind: ImageFormat, fd: Int32, fileSize: Int, path: String,
                     options: DecodeOptions) throws(CodecError) -> (rows: ExtraRows, info: ImageInfo, warnings: [String]) {
        if kind == .tiff {
            let file = try TIFFFile.open(bytes: nil, fd: fd, path: path, maxPixels: options.maxPixels)
            try file.select(page: options.page)
            let warnings = file.warnings
            if options.strict, let first = warnings.first { throw ImageDecoder.strictError(path: path, kind: .tiff, first) }
            return (.tiff(file), file.imageInfo(autoOrient: options.autoOrient), warnings)
        }
        var stored = options
        stored.autoOrient = false
        let image = try ImageDecoder.decode(bytes: RowFile.bytes(fd, count: fileSize, at: 0, path: path),
                                             name: path, options: stored)
        // The caller already has the extension warning; keep the library's only.
        let own = ImageDecoder.extensionWarning(path: path, kind: .webp)
        return (.webp(image.tensor), image.info, image.warnings.filter { $0 != own })
    }

    func read(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>) throws(CodecError) {
        switch self {
        case .tiff(let file):
            try file.read(rows: rows, into: dst, planeStride: rows.count * file.width)
        case .webp(let tensor):
            let w = tensor.width, h = tensor.height
            tensor.data.withUnsafeBufferPointer { src in
                for c in 0..<tensor.channels {
                    for (i, y) in rows.enumerated() {
                        for x in 0..<w { dst[(c * rows.count + i) * w + x] = src[(c * h + y) * w + x] }
                    }
                }
            }
        }
    }

    /// Library warnings so far (TIFF: libtiff's, as they arise while decoding).
    var warnings: [String] {
        if case .tiff(let file) = self { return file.warnings }
        return []
    }
}
