import ConvKit

/// How ``ImageEncoder`` writes a tensor.
///
///     var options = EncodeOptions()
///     options.depth = 16                       // 16-bit PNG
///     options.map = .signed                    // 0 -> mid grey
///     options.text = ["Software": "convkit"]   // PNG tEXt chunks
public struct EncodeOptions: Sendable {
    /// Bits per PNG sample: 8 or 16; TIFF also 32 (float samples, written
    /// as they are: no mapping). Ignored for JPEG and WebP (always 8) and `.npy`.
    public var depth = 8
    /// TIFF compression (none, LZW or Deflate, with the predictor).
    public var tiffCompression = TIFFCompression.none
    /// TIFF tile side (a multiple of 16), or 0 for strips.
    public var tiffTile = 0
    /// WebP: lossless (exact RGB and alpha) instead of lossy at ``quality``.
    public var webpLossless = false
    /// JPEG and lossy WebP quality, 1-100. Ignored otherwise.
    public var quality = 90
    /// PNG zlib level, 0-9 (libpng keeps its adaptive row filters at every level).
    public var pngCompression = EncodeOptions.defaultPNGCompression
    /// zlib level 2: on photos about 2.5x faster than libpng's default 6 for
    /// about 20 % more bytes (and half the bytes of libvips' default, level 6 without filters).
    public static let defaultPNGCompression = 2
    /// Float -> [0, 1] mapping before quantising PNG and JPEG samples.
    public var map: PixelMap = .clamp
    /// PNG tEXt chunks, key (1-79 Latin-1 characters) -> value, written in
    /// key order. Ignored for JPEG and `.npy`.
    public var text: [String: String] = [:]

    public init() {}
}

/// Writes tensors as PNG, JPEG or `.npy`, atomically (temporary file, then
/// rename: a failed write leaves no partial file).
///
///     try ImageEncoder.write(image.tensor, to: "out.png", options: EncodeOptions())
///
/// See also ``ImageDecoder``, ``PixelMap``.
public enum ImageEncoder {
    /// Writes `tensor` to `path`, the format chosen by the extension: `.png`
    /// (1-4 channels: gray, gray+alpha, RGB, RGBA; 8 or 16 bits), `.jpg` /
    /// `.jpeg` (1 or 3 channels), `.npy` (raw `<f4` (C, H, W), no mapping).
    /// PNG and JPEG samples are `options.map`ped to [0, 1] and rounded.
    /// Any other extension or channel count is a ``CodecError`` with a hint.
    public static func write(_ tensor: Tensor, to path: String, options: EncodeOptions) throws(CodecError) {
        let bytes = try encode(tensor, as: try outputFormat(path), path: path, options: options)
        try AtomicFile.write(bytes, to: path)
    }

    /// The bytes of `tensor` in `format`, as ``write(_:to:options:)`` would write them.
    public static func encode(_ tensor: Tensor, as format: ImageFormat, path: String,
                              options: EncodeOptions) throws(CodecError) -> [UInt8] {
        try validate(tensor.shape, as: format, path: path, options: options)
        switch format {
        case .png:
            return try PNGCodec.encode(options.map.apply(tensor), depth: options.depth, text: options.text,
                                       compression: options.pngCompression, path: path)
        case .jpeg:
            return try JPEGCodec.encode(options.map.apply(tensor), quality: options.quality, path: path)
        case .npy:
            return NPY.encode(tensor)
        case .tiff:
            return try TIFFCodec.encode(pages: [tensor], options: options, path: path)
        case .webp:
            return try WebPCodec.encode(options.map.apply(tensor), quality: options.quality,
                                        lossless: options.webpLossless, path: path)
        }
    }

    /// Throws the error ``encode(_:as:path:options:)`` gives for an image of
    /// `shape` that `format` cannot hold (`.npy` holds any shape).
    static func validate(_ shape: Shape, as format: ImageFormat, path: String,
                         options: EncodeOptions) throws(CodecError) {
        let codec = format.rawValue.uppercased()
        if format == .npy { return }
        guard shape.width > 0, shape.height > 0 else {
            throw CodecError(path: path, codec: codec, "cannot write an empty \(shape) image")
        }
        switch format {
        case .png:
            guard (1...4).contains(shape.channels) else {
                throw CodecError(path: path, codec: codec, "a PNG holds 1-4 channels, the tensor has \(shape.channels)",
                                 hint: "write one file per channel (--layout channels) or use .npy")
            }
            guard options.depth == 8 || options.depth == 16 else {
                throw CodecError(path: path, codec: codec, "PNG depth \(options.depth) is not supported", hint: "use 8 or 16")
            }
            guard shape.width <= Int(Int32.max), shape.height <= Int(Int32.max) else {
                throw CodecError(path: path, codec: codec, "\(shape.width)x\(shape.height) is too large for PNG")
            }
        case .jpeg:
            guard shape.channels == 1 || shape.channels == 3 else {
                throw CodecError(path: path, codec: codec, "a JPEG holds 1 or 3 channels, the tensor has \(shape.channels)",
                                 hint: "write one file per channel (--layout channels), or use .png or .npy")
            }
            guard (1...100).contains(options.quality) else {
                throw CodecError(path: path, codec: codec, "JPEG quality \(options.quality) is outside 1-100")
            }
            guard shape.width <= 65500, shape.height <= 65500 else {
                throw CodecError(path: path, codec: codec, "\(shape.width)x\(shape.height) exceeds JPEG's 65500 limit",
                                 hint: "use .png or .npy")
            }
        case .tiff:
            try TIFFCodec.validate(shape, path: path, options: options)
        case .webp:
            try WebPCodec.validate(shape, path: path, options: options)
        case .npy:
            break
        }
    }

    /// The output format named by the extension of `path`.
    static func outputFormat(_ path: String) throws(CodecError) -> ImageFormat {
        let ext = ImageDecoder.pathExtension(path)
        guard let format = ImageDecoder.format(ofExtension: ext) else {
            throw CodecError(path: path, ext.isEmpty ? "the output has no extension" : "unknown output extension .\(ext)",
                             hint: "end the output name with .png, .jpg, .jpeg, .tif, .tiff, .webp or .npy")
        }
        return format
    }
}
