/// How the floats of one map (channel) become pixel values in [0, 1]:
/// `((absolute ? |x| : x) - offset) / scale + bias`, then clamped to [0, 1]
/// with NaN to 0; or `constant` for every sample (a constant map under
/// min-max, an all-zero map under a signed map).
///
///     UnitMap.clamp                                    // x clamped to [0, 1]
///     UnitMap(offset: lo, scale: hi - lo)              // min-max: lo -> 0, hi -> 1
///     UnitMap(scale: 2 * m, bias: 0.5, countsClipping: false)   // signed: 0 -> 0.5
public struct UnitMap: Sendable, Equatable {
    public var absolute = false
    public var offset: Float = 0
    public var scale: Float = 1
    public var bias: Float = 0
    public var constant: Float?
    /// Whether values outside [0, 1] (after `absolute`) count as clipped:
    /// true for clamp and abs, false for the maps that keep the range.
    public var countsClipping = true

    public init(absolute: Bool = false, offset: Float = 0, scale: Float = 1, bias: Float = 0, constant: Float? = nil,
                countsClipping: Bool = true) {
        self.absolute = absolute
        self.offset = offset
        self.scale = scale
        self.bias = bias
        self.constant = constant
        self.countsClipping = countsClipping
    }

    /// x clamped to [0, 1], NaN to 0.
    public static let clamp = UnitMap()
}

/// What writing floats as 8- or 16-bit samples lost, summed over any number
/// of strips: the inputs of `QuantizationReport`. Errors are in output units
/// (1 = full scale), of the mapped floats against their rounded samples.
public struct QuantizationTally: Sendable, Equatable {
    public var values = 0
    /// Samples below 0 and above 1 (after `absolute`) under a map that counts clipping.
    public var clippedLow = 0
    public var clippedHigh = 0
    /// NaN and infinities.
    public var nonFinite = 0
    public var error8Sum = 0.0, error8Max = 0.0
    public var error16Sum = 0.0, error16Max = 0.0

    public init() {}

    /// Adds the counts and sums of `other` (another strip or map).
    public mutating func add(_ other: QuantizationTally) {
        values += other.values
        clippedLow += other.clippedLow
        clippedHigh += other.clippedHigh
        nonFinite += other.nonFinite
        error8Sum += other.error8Sum
        error8Max = max(error8Max, other.error8Max)
        error16Sum += other.error16Sum
        error16Max = max(error16Max, other.error16Max)
    }
}

/// The finite minimum, maximum and largest magnitude of a map, folded over
/// strips (what `--map minmax` and `--map signed` need before mapping).
public struct SampleRange: Sendable, Equatable {
    public var minimum = Float.infinity
    public var maximum = -Float.infinity
    public var peak: Float = 0

    public init() {}

    /// Folds `count` samples at `src` in (NaN and infinities are passed over).
    public mutating func add(_ src: UnsafePointer<Float>, count: Int) {
        rangeKernel(src, count: count, into: &self)
    }
}

/// Vectorised conversions between pixel samples and Float32 planes (16
/// samples at a time), bit for bit what the scalar expressions give:
/// `Float(x) / 255` on the way in; `UInt8((unit(map(x)) * 255).rounded())`
/// on the way out, with the quantisation tally counted in the same pass.
///
///     Samples.quantize8(strip, pixels: w * rows, channels: 3, planeStride: w * rows,
///                       maps: [.clamp, .clamp, .clamp], into: bytes, tally: &tally)
public enum Samples {
    /// Interleaved (pixel-major) 8-bit samples to planar floats in [0, 1]:
    /// sample c of pixel i to `dst[c * planeStride + i]`.
    public static func unpack8(_ src: UnsafePointer<UInt8>, pixels: Int, channels: Int,
                               into dst: UnsafeMutablePointer<Float>, planeStride: Int) {
        unpack8Kernel(src, pixels: pixels, channels: channels, into: dst, planeStride: planeStride)
    }

    /// Interleaved 16-bit samples to planar floats in [0, 1] (x / 65535).
    public static func unpack16(_ src: UnsafePointer<UInt16>, pixels: Int, channels: Int,
                                into dst: UnsafeMutablePointer<Float>, planeStride: Int) {
        unpack16Kernel(src, pixels: pixels, channels: channels, into: dst, planeStride: planeStride)
    }

    /// Planar floats (sample c of pixel i at `src[c * planeStride + i]`),
    /// each channel through its map, to interleaved 8-bit samples; the
    /// clipping and rounding errors are added to `tally`.
    public static func quantize8(_ src: UnsafePointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                                 maps: [UnitMap], into dst: UnsafeMutablePointer<UInt8>,
                                 tally: inout QuantizationTally) {
        precondition(maps.count == channels, "one map per channel")
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, channels) * quantizeChunk)
        defer { scratch.deallocate() }
        maps.withUnsafeBufferPointer { m in
            quantize8Kernel(src, pixels: pixels, channels: channels, planeStride: planeStride, maps: m, into: dst,
                            scratch: scratch, tally: &tally)
        }
    }

    /// As ``quantize8(_:pixels:channels:planeStride:maps:into:tally:)``, to 16-bit samples.
    public static func quantize16(_ src: UnsafePointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                                  maps: [UnitMap], into dst: UnsafeMutablePointer<UInt16>,
                                  tally: inout QuantizationTally) {
        precondition(maps.count == channels, "one map per channel")
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: quantizeChunk)
        defer { scratch.deallocate() }
        maps.withUnsafeBufferPointer { m in
            quantize16Kernel(src, pixels: pixels, channels: channels, planeStride: planeStride, maps: m, into: dst,
                             scratch: scratch, tally: &tally)
        }
    }

    /// `count` samples of one map through `map` into [0, 1] at `dst` (nil:
    /// only tallied), for pictures drawn from the mapped floats (colormaps, mosaics).
    public static func map(_ src: UnsafePointer<Float>, count: Int, map: UnitMap, into dst: UnsafeMutablePointer<Float>?,
                           tally: inout QuantizationTally) {
        mapPlaneKernel(src, count: count, map: map, into: dst, tally: &tally)
    }
}
