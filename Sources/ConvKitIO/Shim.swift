import CConvKitCodecs
import ConvKit

/// The codecs behind the C shim, and the one place a shim status becomes a
/// Swift error (as swift-system's `valueOrErrno` does for errno).
enum Shim {
    /// Throws a ``CodecError`` unless `status` is `CKIT_OK`; `message` reads the
    /// shim's `ckit_*_strerror` text for the context that failed.
    static func check(_ status: Int32, path: String, codec: String,
                      _ message: () -> String) throws(CodecError) {
        let code = Int(status)
        guard code != CKIT_OK else { return }
        let text = message()
        switch code {
        case CKIT_ETOOLARGE:
            throw CodecError(path: path, codec: codec, text.isEmpty ? "image exceeds the pixel limit" : text,
                             hint: "raise --max-pixels if the file is trusted")
        case CKIT_ENOMEM:
            throw CodecError(path: path, codec: codec, text.isEmpty ? "out of memory" : text)
        case CKIT_ELIBRARY:
            throw CodecError(path: path, codec: codec, text.isEmpty ? "the library reported an error" : text)
        case CKIT_EIO:
            throw CodecError(path: path, codec: codec, text.isEmpty ? "a read or write failed" : text)
        default:
            // CKIT_ESTATE / CKIT_EINVAL: convkit called the shim wrongly.
            throw CodecError(path: path, codec: codec,
                             "internal codec error (status \(code))\(text.isEmpty ? "" : ": \(text)")")
        }
    }

    /// A C string from the shim as Swift text ("" for NULL).
    static func string(_ p: UnsafePointer<CChar>?) -> String {
        guard let p else { return "" }
        return String(cString: p)
    }

    /// Shim warnings (one per line) as a list.
    static func lines(_ p: UnsafePointer<CChar>?) -> [String] {
        string(p).split(separator: "\n").map(String.init)
    }

    /// A copy of `size` bytes at `data`, or nil when there are none.
    static func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8]? {
        guard let data, size > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }
}

/// A decoded (or probed) raster before orientation, from either codec.
struct RawImage {
    var width: Int
    var height: Int
    var channels: Int
    var storedBits: Int
    /// nil when only the header was read.
    var tensor: Tensor?
    /// The EXIF TIFF structure, when present.
    var exif: [UInt8]?
    var warnings: [String]
}

extension RawImage {
    /// Interleaved 8- or 16-bit samples to planar floats in [0, 1].
    static func planar(_ buffer: UnsafeRawBufferPointer, width: Int, height: Int, channels: Int,
                       sampleBits: Int) -> Tensor {
        var data = [Float](repeating: 0, count: width * height * channels)
        data.withUnsafeMutableBufferPointer { out in
            planar(buffer, pixels: width * height, channels: channels, sampleBits: sampleBits,
                   into: out, planeStride: width * height)
        }
        return Tensor(shape: Shape(channels: channels, height: height, width: width), data: data)
    }

    /// `pixels` interleaved samples to planar floats in [0, 1]: sample c of
    /// pixel i goes to `out[c * planeStride + i]`. A strip of rows of an image
    /// is converted exactly as the whole image is (the row reader relies on it).
    static func planar(_ buffer: UnsafeRawBufferPointer, pixels: Int, channels: Int, sampleBits: Int,
                       into out: UnsafeMutableBufferPointer<Float>, planeStride: Int) {
        guard pixels > 0 else { return }
        if sampleBits == 16 {
            Samples.unpack16(buffer.bindMemory(to: UInt16.self).baseAddress!, pixels: pixels, channels: channels,
                             into: out.baseAddress!, planeStride: planeStride)
        } else {
            Samples.unpack8(buffer.bindMemory(to: UInt8.self).baseAddress!, pixels: pixels, channels: channels,
                            into: out.baseAddress!, planeStride: planeStride)
        }
    }
}
