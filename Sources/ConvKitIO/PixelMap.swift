import ConvKit

/// How float samples become pixel values in [0, 1] when writing PNG or JPEG.
///
///     PixelMap.signed.apply(t)   // -m -> 0, 0 -> 0.5 (mid grey), m -> 1
///
/// Each map (channel) is treated on its own. NaN becomes 0. `.npy` output is
/// never mapped.
public enum PixelMap: String, Sendable, CaseIterable {
    /// Values clamped to [0, 1]: decoded images round-trip unchanged.
    case clamp
    /// Per map, min -> 0 and max -> 1 linearly; a constant map becomes 0.
    case minmax
    /// |x| clamped to [0, 1]: edge responses of either sign show bright.
    case abs
    /// Per map, [-m, m] -> [0, 1] with m = max |x|, so 0 is mid grey
    /// (0.5); an all-zero map is all 0.5.
    case signed

    /// `tensor` with every sample mapped into [0, 1].
    public func apply(_ tensor: Tensor) -> Tensor {
        var out = tensor
        let plane = tensor.height * tensor.width
        guard plane > 0 else { return out }
        out.data.withUnsafeMutableBufferPointer { d in
            for c in 0..<tensor.channels {
                let range = (c * plane)..<((c + 1) * plane)
                switch self {
                case .clamp:
                    for i in range { d[i] = Self.unit(d[i]) }
                case .abs:
                    for i in range { d[i] = Self.unit(Swift.abs(d[i])) }
                case .minmax:
                    var lo = Float.infinity, hi = -Float.infinity
                    for i in range where d[i].isFinite {
                        lo = Swift.min(lo, d[i])
                        hi = Swift.max(hi, d[i])
                    }
                    let span = hi - lo
                    for i in range {
                        d[i] = span > 0 && span.isFinite ? Self.unit((d[i] - lo) / span) : 0
                    }
                case .signed:
                    var m: Float = 0
                    for i in range where d[i].isFinite { m = Swift.max(m, Swift.abs(d[i])) }
                    for i in range { d[i] = m > 0 ? Self.unit(0.5 + d[i] / (2 * m)) : 0.5 }
                }
            }
        }
        return out
    }

    /// x clamped to [0, 1], NaN to 0.
    static func unit(_ x: Float) -> Float {
        x.isNaN ? 0 : Swift.min(1, Swift.max(0, x))
    }
}

/// Rounding [0, 1] planar floats to interleaved integer samples.
enum Quantize {
    /// Interleaved (H, W, C) 8-bit samples, round(x * 255), x clamped to [0, 1].
    static func interleaved8(_ t: Tensor) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: t.data.count)
        t.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                interleaved8(src, pixels: t.height * t.width, channels: t.channels, planeStride: t.height * t.width,
                             into: dst)
            }
        }
        return out
    }

    /// Interleaved (H, W, C) 16-bit samples, round(x * 65535), x clamped to [0, 1].
    static func interleaved16(_ t: Tensor) -> [UInt16] {
        var out = [UInt16](repeating: 0, count: t.data.count)
        t.data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                interleaved16(src, pixels: t.height * t.width, channels: t.channels, planeStride: t.height * t.width,
                              into: dst)
            }
        }
        return out
    }

    /// ``interleaved8(_:)`` of `pixels` planar samples (sample c of pixel i
    /// at `src[c * planeStride + i]`): a strip of rows rounds exactly as the
    /// whole image does (the row writer relies on it).
    static func interleaved8(_ src: UnsafeBufferPointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                             into dst: UnsafeMutableBufferPointer<UInt8>) {
        for c in 0..<channels {
            for i in 0..<pixels {
                dst[i * channels + c] = UInt8((PixelMap.unit(src[c * planeStride + i]) * 255).rounded())
            }
        }
    }

    /// ``interleaved16(_:)`` of planar samples, as ``interleaved8(_:pixels:channels:planeStride:into:)``.
    static func interleaved16(_ src: UnsafeBufferPointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                              into dst: UnsafeMutableBufferPointer<UInt16>) {
        for c in 0..<channels {
            for i in 0..<pixels {
                dst[i * channels + c] = UInt16((Double(PixelMap.unit(src[c * planeStride + i])) * 65535).rounded())
            }
        }
    }
}
