import CConvKitCodecs
import ConvKit

/// WebP through libwebp, via the C shim: lossy and lossless, RGB and RGBA,
/// decoded whole (WebP's own limit is 16383 px a side, so a WebP always fits).
enum WebPCodec {
    static let name = "WEBP"
    /// WebP's limit on either side (WEBP_MAX_DIMENSION).
    static let maxSide = 16383

    /// `RIFF` .... `WEBP`.
    static func isWebP(_ b: some Collection<UInt8>) -> Bool {
        let head = Array(b.prefix(12))
        return head.count == 12 && head[0..<4] == [0x52, 0x49, 0x46, 0x46] && head[8..<12] == [0x57, 0x45, 0x42, 0x50]
    }

    private static func message(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { Shim.string($0.baseAddress) }
    }

    /// The header (and, when `pixels`, the pixels) of the WebP in `bytes`:
    /// 3 channels, or 4 when the file has alpha; samples x/255.
    static func read(_ bytes: [UInt8], path: String, options: DecodeOptions, pixels: Bool,
                     warnings: [String]) throws(CodecError) -> DecodedImage {
        var text = [CChar](repeating: 0, count: 256)
        var width: UInt32 = 0, height: UInt32 = 0
        var channels: Int32 = 0, lossless: Int32 = 0, animated: Int32 = 0
        let status = bytes.withUnsafeBufferPointer { buf in
            ckit_webp_info(buf.baseAddress, buf.count, UInt64(max(0, options.maxPixels)), &width, &height,
                           &channels, &lossless, &animated, &text, text.count)
        }
        try Shim.check(status, path: path, codec: name) { message(text) }
        let (w, h, c) = (Int(width), Int(height), Int(channels))
        let info = ImageInfo(format: .webp, width: w, height: h, storedWidth: w, storedHeight: h, channels: c, bitDepth: 8)
        guard pixels else {
            return DecodedImage(tensor: Tensor(zeros: Shape(channels: 0, height: 0, width: 0)), info: info, warnings: warnings)
        }
        let size = w * h * c
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, size), alignment: 8)
        defer { out.deallocate() }
        let decoded = bytes.withUnsafeBufferPointer { buf in
            ckit_webp_decode(buf.baseAddress, buf.count, channels, out.baseAddress?.assumingMemoryBound(to: UInt8.self),
                             size, &text, text.count)
        }
        try Shim.check(decoded, path: path, codec: name) { message(text) }
        let tensor = RawImage.planar(UnsafeRawBufferPointer(rebasing: out[0..<size]), width: w, height: h, channels: c,
                                     sampleBits: 8)
        return DecodedImage(tensor: tensor, info: info, warnings: warnings)
    }

    /// The errors ``ImageEncoder`` gives for a WebP of `shape`: 3 or 4
    /// channels, at most 16383 px a side, quality 1-100; checked before any work.
    static func validate(_ shape: Shape, path: String, options: EncodeOptions) throws(CodecError) {
        guard shape.channels == 3 || shape.channels == 4 else {
            throw CodecError(path: path, codec: name, "a WebP holds 3 or 4 channels, the tensor has \(shape.channels)",
                             hint: "use --color rgb, write one file per channel as .png, or use .tif or .npy")
        }
        guard shape.width <= maxSide, shape.height <= maxSide else {
            throw CodecError(path: path, codec: name, "\(shape.width)x\(shape.height) exceeds WebP's \(maxSide) px a side",
                             hint: "use .tif or .png for larger images")
        }
        guard (1...100).contains(options.quality) else {
            throw CodecError(path: path, codec: name, "WebP quality \(options.quality) is outside 1-100")
        }
    }

    /// A WebP of `tensor` (values already in [0, 1]), lossy at `quality` or lossless.
    static func encode(_ tensor: Tensor, quality: Int, lossless: Bool, path: String) throws(CodecError) -> [UInt8] {
        let samples = Quantize.interleaved8(tensor)
        var text = [CChar](repeating: 0, count: 256)
        var data: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = samples.withUnsafeBufferPointer { px in
            ckit_webp_encode(px.baseAddress, UInt32(tensor.width), UInt32(tensor.height), Int32(tensor.channels),
                             Float(quality), lossless ? 1 : 0, &data, &size, &text, text.count)
        }
        defer { ckit_webp_free(data) }
        try Shim.check(status, path: path, codec: name) { message(text) }
        return Shim.bytes(data, size) ?? []
    }
}
