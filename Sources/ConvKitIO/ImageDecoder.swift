import ConvKit

/// Reads PNG, JPEG, TIFF, WebP and NumPy `.npy` files into Float32 (C, H, W) tensors.
///
/// The format is decided by the content (magic bytes); a file whose extension
/// says otherwise still decodes, with a warning. Declared sizes are checked
/// against ``DecodeOptions/maxPixels`` before any pixel buffer is allocated.
/// Every failure, including every libpng and libjpeg error, is a thrown
/// ``CodecError`` with the library's message.
///
///     let image = try ImageDecoder.decode(path: "photo.jpg")
///     image.tensor.shape   // 3x480x640, samples in [0, 1]
///
/// See also ``ImageEncoder``.
public enum ImageDecoder {
    /// Decodes the file at `path`: PNG (8-bit x/255, 16-bit x/65535; palette
    /// to RGB or RGBA), JPEG (gray 1 channel, colour 3), or `.npy` (see ``NPY``).
    /// EXIF orientation is applied unless `options.autoOrient` is false.
    public static func decode(path: String, options: DecodeOptions = DecodeOptions()) throws(CodecError) -> DecodedImage {
        try read(path: path, options: options, pixels: true)
    }

    /// The header facts of the file at `path` without decoding pixels (what
    /// `convkit info` prints). Sizes take `options.autoOrient` into account.
    public static func probe(path: String, options: DecodeOptions = DecodeOptions()) throws(CodecError) -> ImageInfo {
        try read(path: path, options: options, pixels: false).info
    }

    /// Decodes an image held in memory; `name` stands for the file in errors
    /// and warnings (its extension is compared with the content, as for a path).
    ///
    ///     let image = try ImageDecoder.decode(bytes: data, name: "upload.png")
    public static func decode(bytes: [UInt8], name: String,
                              options: DecodeOptions = DecodeOptions()) throws(CodecError) -> DecodedImage {
        guard !bytes.isEmpty else { throw CodecError(path: name, "empty file", hint: "the file has 0 bytes") }
        return try read(bytes: bytes, path: name, options: options, pixels: true)
    }

    /// The header facts of an image held in memory (see ``probe(path:options:)``).
    public static func probe(bytes: [UInt8], name: String,
                             options: DecodeOptions = DecodeOptions()) throws(CodecError) -> ImageInfo {
        guard !bytes.isEmpty else { throw CodecError(path: name, "empty file", hint: "the file has 0 bytes") }
        return try read(bytes: bytes, path: name, options: options, pixels: false).info
    }

    /// The format of `bytes` by its magic bytes, or nil.
    public static func format(of bytes: [UInt8]) -> ImageFormat? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8]) { return .jpeg }
        if NPY.isNPY(bytes) { return .npy }
        if TIFFCodec.isTIFF(bytes) { return .tiff }
        if WebPCodec.isWebP(bytes) { return .webp }
        return nil
    }

    /// The format an extension names (`png`, `jpg`/`jpeg`/`jpe`, `npy`), or nil.
    static func format(ofExtension ext: String) -> ImageFormat? {
        switch ext.lowercased() {
        case "png": .png
        case "jpg", "jpeg", "jpe", "jfif": .jpeg
        case "npy": .npy
        case "tif", "tiff": .tiff
        case "webp": .webp
        default: nil
        }
    }

    /// The extension of the last path component, without the dot ("" when none).
    static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }

    private static func read(path: String, options: DecodeOptions, pixels: Bool) throws(CodecError) -> DecodedImage {
        try read(bytes: FileBytes.read(path), path: path, options: options, pixels: pixels)
    }

    private static func read(bytes: [UInt8], path: String, options: DecodeOptions,
                             pixels: Bool) throws(CodecError) -> DecodedImage {
        guard let kind = format(of: bytes) else { throw notAnImage(bytes, path: path) }
        var warnings = extensionWarning(path: path, kind: kind).map { [$0] } ?? []
        switch kind {
        case .npy: return try readNPY(bytes, path: path, options: options, pixels: pixels, warnings: warnings)
        case .tiff: return try TIFFCodec.read(bytes, path: path, options: options, pixels: pixels, warnings: warnings)
        case .webp: return try WebPCodec.read(bytes, path: path, options: options, pixels: pixels, warnings: warnings)
        case .png, .jpeg: break
        }
        let raw = kind == .png
            ? try PNGCodec.read(bytes, path: path, maxPixels: options.maxPixels, pixels: pixels)
            : try JPEGCodec.read(bytes, path: path, maxPixels: options.maxPixels, pixels: pixels)
        if options.strict, let first = raw.warnings.first { throw strictError(path: path, kind: kind, first) }
        warnings += raw.warnings
        let orientation = raw.exif.flatMap { EXIF.orientation(in: $0) }
        let apply = options.autoOrient ? orientation : nil
        let info = imageInfo(kind, raw, orientation: orientation, options: options)
        let stored = raw.tensor ?? Tensor(zeros: Shape(channels: 0, height: 0, width: 0))
        return DecodedImage(tensor: raw.tensor == nil ? stored : EXIF.orient(stored, apply), info: info, warnings: warnings)
    }

    private static func readNPY(_ bytes: [UInt8], path: String, options: DecodeOptions, pixels: Bool,
                                warnings: [String]) throws(CodecError) -> DecodedImage {
        let header = try NPY.header(bytes, path: path)
        let info = try npyInfo(header, path: path, options: options)
        let tensor = pixels ? try NPY.decode(bytes, path: path, maxPixels: options.maxPixels)
                            : Tensor(zeros: Shape(channels: 0, height: 0, width: 0))
        return DecodedImage(tensor: tensor, info: info, warnings: warnings)
    }

    /// The error for a file that is none of the formats; `head` is its start.
    static func notAnImage(_ head: [UInt8], path: String) -> CodecError {
        let shown = head.prefix(8).map { hex($0) }.joined(separator: " ")
        return CodecError(path: path, "not a PNG, JPEG, TIFF, WebP or NumPy file",
                          hint: "expected the magic bytes 89 50 4E 47 (PNG), FF D8 (JPEG), 49 49 2A 00 / 4D 4D 00 2A (TIFF), 52 49 46 46 .. 57 45 42 50 (WebP) or 93 4E 55 4D 50 59 (NumPy); the file starts \(shown)")
    }

    /// The warning for an extension that names another format than the content.
    static func extensionWarning(path: String, kind: ImageFormat) -> String? {
        let ext = pathExtension(path)
        guard let named = format(ofExtension: ext), named != kind else { return nil }
        return "extension .\(ext) does not match content (\(kind.rawValue.uppercased()))"
    }

    /// The error `--strict` makes of the first library warning.
    static func strictError(path: String, kind: ImageFormat, _ warning: String) -> CodecError {
        CodecError(path: path, codec: kind.rawValue.uppercased(), warning,
                   hint: "the decoder found damaged data; without --strict it decodes with a warning")
    }

    /// The header facts of a PNG or JPEG raster (sizes after orientation when
    /// `options.autoOrient`).
    static func imageInfo(_ kind: ImageFormat, _ raw: RawImage, orientation: Int?,
                          options: DecodeOptions) -> ImageInfo {
        let swap = EXIF.swapsSides(options.autoOrient ? orientation : nil)
        return ImageInfo(format: kind, width: swap ? raw.height : raw.width, height: swap ? raw.width : raw.height,
                         storedWidth: raw.width, storedHeight: raw.height, channels: raw.channels,
                         bitDepth: raw.storedBits, orientation: orientation)
    }

    /// The header facts of an `.npy` file, after the shape and max-pixels checks.
    static func npyInfo(_ header: NPY.Header, path: String, options: DecodeOptions) throws(CodecError) -> ImageInfo {
        let shape = try NPY.tensorShape(of: header, path: path)
        let (pixelCount, overflow) = shape.height.multipliedReportingOverflow(by: shape.width)
        guard !overflow, pixelCount <= options.maxPixels else {
            throw CodecError(path: path, codec: "NPY",
                             "declared \(shape.width)x\(shape.height) exceeds max-pixels \(options.maxPixels)",
                             hint: "raise --max-pixels if the file is trusted")
        }
        return ImageInfo(format: .npy, width: shape.width, height: shape.height, storedWidth: shape.width,
                         storedHeight: shape.height, channels: shape.channels, bitDepth: header.bitDepth)
    }

    private static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(b >> 4)], digits[Int(b & 15)]])
    }
}
