import CConvKitCodecs
import ConvKit
import Foundation

/// TIFF compressions convkit writes (`--compression`).
public enum TIFFCompression: String, Sendable, CaseIterable {
    case none, lzw, deflate

    /// The Compression tag value.
    var tag: Int32 {
        switch self {
        case .none: 1
        case .lzw: 5
        case .deflate: 8
        }
    }
}

/// One TIFF open for reading through libtiff (the shim's `ckit_tiff_*`): from
/// a buffer held by the caller, or from a file descriptor read with pread, so
/// strips and tiles come from the file in any order without loading it.
final class TIFFFile {
    static let name = "TIFF"
    /// The largest single allocation libtiff may make for one strip, tile or
    /// tag array: a declared size past this is refused before it is allocated.
    static let maxAllocation: UInt64 = 512 << 20

    private let ctx: OpaquePointer
    let path: String
    let pages: Int
    /// Keeps the bytes of a buffer open alive (libtiff reads them in place).
    private let bytes: [UInt8]?
    private(set) var info = ckit_tiff_info()

    private init(ctx: OpaquePointer, path: String, bytes: [UInt8]?, pages: Int) {
        self.ctx = ctx
        self.path = path
        self.bytes = bytes
        self.pages = pages
    }

    deinit { ckit_tiff_free(ctx) }

    private static func check(_ ctx: OpaquePointer, _ status: Int32, path: String) throws(CodecError) {
        if Int(status) == CKIT_EIO {
            let code = ckit_tiff_io_errno(ctx)
            throw CodecError(path: path, codec: name, "read failed: \(Shim.string(strerror(code)))")
        }
        try Shim.check(status, path: path, codec: name) { Shim.string(ckit_tiff_strerror(ctx)) }
    }

    /// Opens `bytes` (or, when nil, the file open as `fd`) and counts its pages.
    static func open(bytes: [UInt8]?, fd: Int32 = -1, path: String, maxPixels: Int) throws(CodecError) -> TIFFFile {
        guard let ctx = ckit_tiff_new() else { throw CodecError(path: path, codec: name, "out of memory") }
        do throws(CodecError) {
            try check(ctx, ckit_tiff_set_limits(ctx, UInt64(max(0, maxPixels)), maxAllocation), path: path)
            let status: Int32
            if let bytes {
                status = bytes.withUnsafeBufferPointer { ckit_tiff_open_buffer(ctx, $0.baseAddress, $0.count, path) }
            } else {
                status = ckit_tiff_open_fd(ctx, fd, path)
            }
            try check(ctx, status, path: path)
            var pages: UInt32 = 0
            try check(ctx, ckit_tiff_pages(ctx, &pages), path: path)
            return TIFFFile(ctx: ctx, path: path, bytes: bytes, pages: Int(pages))
        } catch {
            ckit_tiff_free(ctx)
            throw error
        }
    }

    /// Selects page `page` (0-based): its header, the max-pixels check, the
    /// sample layout checks.
    func select(page: Int) throws(CodecError) {
        guard page >= 0, page < pages else {
            throw CodecError(path: path, codec: Self.name, "page \(page) does not exist: the file has \(pages) page\(pages == 1 ? "" : "s")",
                             hint: "--page counts from 0")
        }
        var info = ckit_tiff_info()
        try Self.check(ctx, ckit_tiff_select(ctx, UInt32(page), &info), path: path)
        self.info = info
    }

    var width: Int { Int(info.width) }
    var height: Int { Int(info.height) }
    var channels: Int { Int(info.channels) }

    /// Stored rows `rows` into `dst`, planar with `planeStride` floats per channel.
    func read(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>, planeStride: Int) throws(CodecError) {
        precondition(dst.count >= (channels - 1) * planeStride + rows.count * width, "strip buffer too small")
        try Self.check(ctx, ckit_tiff_read_rows(ctx, dst.baseAddress, planeStride, UInt32(rows.lowerBound), UInt32(rows.count)),
                       path: path)
    }

    /// libtiff's warnings so far, prefixed as ``ImageDecoder`` reports library warnings.
    var warnings: [String] { Shim.lines(ckit_tiff_warnings(ctx)).map { "libtiff: \($0)" } }

    /// The header facts as ``ImageDecoder`` keeps them for the selected page.
    func imageInfo(autoOrient: Bool) -> ImageInfo {
        let orientation = Int(info.orientation)
        let swap = autoOrient && EXIF.swapsSides(orientation)
        var result = ImageInfo(format: .tiff, width: swap ? height : width, height: swap ? width : height,
                               storedWidth: width, storedHeight: height, channels: channels, bitDepth: Int(info.bits),
                               orientation: orientation)
        result.pages = pages
        result.sampleFormat = info.sample_format == 3 ? "float" : info.sample_format == 2 ? "int" : "uint"
        return result
    }
}

/// TIFF reading and writing for ``ImageDecoder`` and ``ImageEncoder``.
enum TIFFCodec {
    static let name = TIFFFile.name

    /// II*\0, MM\0*, and the BigTIFF forms II+\0, MM\0+.
    static func isTIFF(_ b: some Collection<UInt8>) -> Bool {
        let head = Array(b.prefix(4))
        guard head.count == 4 else { return false }
        return head == [0x49, 0x49, 0x2A, 0x00] || head == [0x4D, 0x4D, 0x00, 0x2A]
            || head == [0x49, 0x49, 0x2B, 0x00] || head == [0x4D, 0x4D, 0x00, 0x2B]
    }

    /// Page `options.page` of the TIFF in `bytes`, oriented as `options.autoOrient` says.
    static func read(_ bytes: [UInt8], path: String, options: DecodeOptions, pixels: Bool,
                     warnings: [String]) throws(CodecError) -> DecodedImage {
        let file = try TIFFFile.open(bytes: bytes, path: path, maxPixels: options.maxPixels)
        try file.select(page: options.page)
        let info = file.imageInfo(autoOrient: options.autoOrient)
        var tensor = Tensor(zeros: Shape(channels: 0, height: 0, width: 0))
        if pixels {
            let (plane, o1) = file.width.multipliedReportingOverflow(by: file.height)
            let (count, o2) = plane.multipliedReportingOverflow(by: file.channels)
            guard !o1, !o2 else { throw CodecError(path: path, codec: name, "declared size \(file.width)x\(file.height) is too large") }
            var data = [Float](repeating: 0, count: count)
            try data.withUnsafeMutableBufferPointer { (dst) throws(CodecError) in
                try file.read(rows: 0..<file.height, into: dst, planeStride: plane)
            }
            let stored = Tensor(shape: Shape(channels: file.channels, height: file.height, width: file.width), data: data)
            tensor = options.autoOrient ? EXIF.orient(stored, info.orientation) : stored
        }
        let libtiff = file.warnings
        if options.strict, let first = libtiff.first { throw ImageDecoder.strictError(path: path, kind: .tiff, first) }
        return DecodedImage(tensor: tensor, info: info, warnings: warnings + libtiff)
    }

    /// The errors ``ImageEncoder`` gives for a TIFF of `shape` with `options`.
    static func validate(_ shape: Shape, path: String, options: EncodeOptions) throws(CodecError) {
        guard [8, 16, 32].contains(options.depth) else {
            throw CodecError(path: path, codec: name, "TIFF depth \(options.depth) is not supported",
                             hint: "use 8 or 16 (integers) or 32 (float, values kept as they are)")
        }
        guard options.tiffTile == 0 || (options.tiffTile % 16 == 0 && (16...65536).contains(options.tiffTile)) else {
            throw CodecError(path: path, codec: name, "tile side \(options.tiffTile) is not a multiple of 16 in 16-65536",
                             hint: "TIFF tiles are multiples of 16 pixels, e.g. --tile 256")
        }
        guard (1...65535).contains(shape.channels), shape.width <= Int(UInt32.max), shape.height <= Int(UInt32.max) else {
            throw CodecError(path: path, codec: name, "a \(shape) tensor does not fit a TIFF page",
                             hint: "a page holds 1-65535 samples per pixel and sides below 2^32")
        }
    }

    /// Interleaved samples of `tensor` for a TIFF of `depth` bits: 8 and 16
    /// quantised after `map` as PNG's are, 32 the floats as they are.
    static func samples(_ tensor: Tensor, depth: Int, map: PixelMap) -> [UInt8] {
        switch depth {
        case 16: return Quantize.interleaved16(map.apply(tensor)).withUnsafeBytes { Array($0) }
        case 32:
            let plane = tensor.height * tensor.width, c = tensor.channels
            var out = [Float](repeating: 0, count: tensor.data.count)
            for ch in 0..<c {
                for i in 0..<plane { out[i * c + ch] = tensor.data[ch * plane + i] }
            }
            return out.withUnsafeBytes { Array($0) }
        default: return Quantize.interleaved8(map.apply(tensor))
        }
    }

    /// Bytes of a TIFF holding `pages` (each its own page, all the same size).
    static func encode(pages: [Tensor], options: EncodeOptions, path: String) throws(CodecError) -> [UInt8] {
        let writer = try TIFFWriter(fd: -1, pages: pages.count, shape: pages[0].shape, options: options, path: path)
        for (i, page) in pages.enumerated() {
            try writer.begin(page: i, shape: page.shape)
            try writer.write(interleaved: samples(page, depth: options.depth, map: options.map), rows: page.height)
            try writer.end()
        }
        return try writer.close()
    }
}

/// Pages of strips or tiles written through libtiff, to a file descriptor or memory.
final class TIFFWriter {
    private let ctx: OpaquePointer
    let path: String
    let options: EncodeOptions
    let pageCount: Int
    private let memory: Bool

    /// Writes more than this as BigTIFF (classic TIFF offsets are 32-bit);
    /// the margin leaves room for the directories and strip tables.
    static let classicLimit: UInt64 = (1 << 32) - (64 << 20)

    init(fd: Int32, pages: Int, shape: Shape, options: EncodeOptions, path: String) throws(CodecError) {
        guard let ctx = ckit_tiff_new() else { throw CodecError(path: path, codec: TIFFCodec.name, "out of memory") }
        self.ctx = ctx
        self.path = path
        self.options = options
        pageCount = pages
        memory = fd < 0
        let bytes = UInt64(shape.channels) * UInt64(shape.height) * UInt64(shape.width) * UInt64(options.depth / 8)
        let (total, overflow) = bytes.multipliedReportingOverflow(by: UInt64(pages))
        try check(ckit_tiff_write_open(ctx, fd, overflow || total > Self.classicLimit ? 1 : 0, path))
    }

    deinit { ckit_tiff_free(ctx) }

    private func check(_ status: Int32) throws(CodecError) {
        if Int(status) == CKIT_EIO {
            errno = ckit_tiff_io_errno(ctx)
            throw AtomicFile.writeError(path, "cannot write: ")
        }
        try Shim.check(status, path: path, codec: TIFFCodec.name) { Shim.string(ckit_tiff_strerror(ctx)) }
    }

    func begin(page: Int, shape: Shape) throws(CodecError) {
        try check(ckit_tiff_write_begin(ctx, UInt32(shape.width), UInt32(shape.height), Int32(shape.channels),
                                        Int32(options.depth), options.tiffCompression.tag, UInt32(options.tiffTile),
                                        UInt32(page), UInt32(pageCount), options.text["convkit:pipeline"]))
    }

    /// The next `rows` rows as interleaved samples of the page's depth.
    func write(interleaved: [UInt8], rows: Int) throws(CodecError) {
        let status = interleaved.withUnsafeBytes { ckit_tiff_write_rows(ctx, $0.baseAddress, $0.count, UInt32(rows)) }
        try check(status)
    }

    func write(raw: UnsafeRawBufferPointer, rows: Int) throws(CodecError) {
        try check(ckit_tiff_write_rows(ctx, raw.baseAddress, raw.count, UInt32(rows)))
    }

    func end() throws(CodecError) { try check(ckit_tiff_write_end(ctx)) }

    /// Closes the file; for memory output returns its bytes ([] otherwise).
    @discardableResult
    func close() throws(CodecError) -> [UInt8] {
        try check(ckit_tiff_write_close(ctx))
        guard memory else { return [] }
        var data: UnsafePointer<UInt8>?
        var size = 0
        try check(ckit_tiff_encoded(ctx, &data, &size))
        return Shim.bytes(data, size) ?? []
    }
}

extension ImageDecoder {
    /// The header facts of every page of a TIFF (one entry for other formats),
    /// in file order: what `convkit info` lists. `options.page` is ignored.
    public static func probePages(path: String, options: DecodeOptions = DecodeOptions()) throws(CodecError) -> [ImageInfo] {
        let first = try probe(path: path, options: options)
        guard first.format == .tiff, let pages = first.pages, pages > 1 else { return [first] }
        let file = try TIFFFile.open(bytes: FileBytes.read(path), path: path, maxPixels: options.maxPixels)
        var infos: [ImageInfo] = []
        for page in 0..<pages {
            try file.select(page: page)
            infos.append(file.imageInfo(autoOrient: options.autoOrient))
        }
        return infos
    }
}

extension ImageEncoder {
    /// True when writing to `path` with `options` stores the floats as they
    /// are (no map, no rounding): `.npy`, and TIFF at depth 32.
    public static func keepsValues(path: String, options: EncodeOptions) -> Bool {
        switch format(ofExtension: ImageDecoder.pathExtension(path)) {
        case .npy: true
        case .tiff: options.depth == 32
        default: false
        }
    }

    /// The format an output extension names, or nil.
    static func format(ofExtension ext: String) -> ImageFormat? { ImageDecoder.format(ofExtension: ext) }
}
