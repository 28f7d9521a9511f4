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
        var tally = QuantizationTally()
        tensor.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { d in
                for c in 0..<tensor.channels {
                    let p = src.baseAddress! + c * plane
                    Samples.map(p, count: plane, map: unitMap(range: needsRange ? Self.range(p, count: plane) : SampleRange()),
                                into: d.baseAddress! + c * plane, tally: &tally)
                }
            }
        }
        return out
    }

    /// Whether the map needs each map's range first (`minmax`, `signed`).
    public var needsRange: Bool { self == .minmax || self == .signed }

    /// The map of one channel whose finite samples span `range` (ignored by `clamp` and `abs`).
    public func unitMap(range r: SampleRange) -> UnitMap {
        switch self {
        case .clamp: return .clamp
        case .abs: return UnitMap(absolute: true)
        case .minmax:
            let span = r.maximum - r.minimum
            return span > 0 && span.isFinite ? UnitMap(offset: r.minimum, scale: span, countsClipping: false)
                                             : UnitMap(constant: 0, countsClipping: false)
        case .signed:
            return r.peak > 0 ? UnitMap(scale: 2 * r.peak, bias: 0.5, countsClipping: false)
                              : UnitMap(constant: 0.5, countsClipping: false)
        }
    }

    static func range(_ p: UnsafePointer<Float>, count: Int) -> SampleRange {
        var r = SampleRange()
        r.add(p, count: count)
        return r
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
        var tally = QuantizationTally()
        Samples.quantize8(src.baseAddress!, pixels: pixels, channels: channels, planeStride: planeStride,
                          maps: Array(repeating: .clamp, count: channels), into: dst.baseAddress!, tally: &tally)
    }

    /// ``interleaved16(_:)`` of planar samples, as ``interleaved8(_:pixels:channels:planeStride:into:)``.
    static func interleaved16(_ src: UnsafeBufferPointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                              into dst: UnsafeMutableBufferPointer<UInt16>) {
        var tally = QuantizationTally()
        Samples.quantize16(src.baseAddress!, pixels: pixels, channels: channels, planeStride: planeStride,
                           maps: Array(repeating: .clamp, count: channels), into: dst.baseAddress!, tally: &tally)
    }
}
