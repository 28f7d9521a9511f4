// Conversions between pixel samples and Float32 planes: the decoder's 8/16-bit
// interleaved samples to planar floats, and the pipeline's planar floats through
// a ``UnitMap`` to interleaved 8-bit samples, counting what the quantisation
// report needs on the way. They ran once per sample as scalar code with a
// `roundf` call (half the time of a 12-megapixel JPEG blur); here 16 samples go
// at once through comparisons and masks only.
//
// Swift's SIMD conversions between float and integer vectors, `clamped` and
// `pointwiseMin/Max` compile to per-lane loops (20-30x slower, measured), so
// the loops below use `replacing(with:where:)` for clamping and maxima and the
// 2^23 trick for conversions: for an integer 0 <= n < 2^23, the float 2^23 + n
// has n in its low mantissa bits, and the bits of 2^23 | n are that float.

/// 16 floats; one zmm register with AVX-512, two ymm otherwise.
typealias SV = SIMD16<Float>
typealias SVU = SIMD16<UInt32>
typealias SVB = SIMD16<UInt8>
typealias SVH = SIMD16<UInt16>
let sampleLanes = 16

private let twoTo23: Float = 8_388_608

/// Lane indices 0..<16, for the mask of a row's last, short vector.
private let laneIndex = SV(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)

/// Samples below 2^23 as floats, exactly.
@inline(__always)
private func floats(_ v: SVU) -> SV { unsafeBitCast(v | 0x4B00_0000, to: SV.self) - twoTo23 }

/// Non-negative integral floats below 2^23 as integers.
@inline(__always)
private func integers(_ q: SV) -> SVU { unsafeBitCast(q + twoTo23, to: SVU.self) & 0x007F_FFFF }

/// y rounded half away from zero, for y >= 0: what `Float.rounded()` gives.
@inline(__always)
private func roundHalfUp(_ y: SV) -> SV {
    let r = y.rounded(.towardZero)
    return r + SV(repeating: 1).replacing(with: 0, where: (y - r) .< 0.5)
}

@inline(__always)
private func magnitude(_ x: SV) -> SV { x.replacing(with: -x, where: x .< 0) }

/// |round(u * levels) / levels - u| for u in [0, 1]: the distance of the
/// exact product to its nearest integer, in steps. The float product's
/// rounding error is carried (an FMA gives it exactly), and a product that
/// rounded onto the wrong side of a half is turned back (1 - d), so the
/// 16-bit error stays within half a step as the Double rounding of the
/// samples has it. Ties: half a step either way.
@inline(__always)
private func stepError(_ u: SV, _ levels: Float) -> SV {
    let y = u * levels
    let low = (-y).addingProduct(u, SV(repeating: levels))
    let d = magnitude((y - y.rounded(.toNearestOrEven)) + low)
    return d.replacing(with: 1 - d, where: d .> 0.5) * (1 / levels)
}

/// Running sums of one call, flushed into a ``QuantizationTally`` at the end.
private struct Accumulators {
    var sum8 = SV(), max8 = SV(), sum16 = SV(), max16 = SV()
    var low = SV(), high = SV(), bad = SV()

    func flush(into t: inout QuantizationTally) {
        t.error8Sum += Double(sum8.sum())
        t.error8Max = Swift.max(t.error8Max, Double(max8.max()))
        t.error16Sum += Double(sum16.sum())
        t.error16Max = Swift.max(t.error16Max, Double(max16.max()))
        t.clippedLow += Int(low.sum())
        t.clippedHigh += Int(high.sum())
        t.nonFinite += Int(bad.sum())
    }
}

/// Maps 16 samples into [0, 1] (``UnitMap``), counting into `a` the lanes where `valid` holds.
@inline(__always)
private func mapLanes(_ x: SV, _ m: UnitMap, _ valid: SIMDMask<SIMD16<Int32>>, _ a: inout Accumulators) -> SV {
    let one = SV(repeating: 1)
    a.bad += one.replacing(with: 0, where: (x - x) .== 0 .| .!valid)
    let v = m.absolute ? magnitude(x) : x
    if m.countsClipping {
        a.low += one.replacing(with: 0, where: .!(v .< 0) .| .!valid)
        a.high += one.replacing(with: 0, where: .!(v .> 1) .| .!valid)
    }
    var u: SV
    if let k = m.constant {
        u = SV(repeating: k)
    } else {
        u = (v - m.offset) / m.scale + m.bias
        // NaN (and below 0) to 0, above 1 to 1.
        u = u.replacing(with: 0, where: .!(u .>= 0)).replacing(with: 1, where: u .> 1)
    }
    let e8 = stepError(u, 255).replacing(with: 0, where: .!valid)
    a.sum8 += e8
    a.max8 = a.max8.replacing(with: e8, where: e8 .> a.max8)
    let e16 = stepError(u, 65535).replacing(with: 0, where: .!valid)
    a.sum16 += e16
    a.max16 = a.max16.replacing(with: e16, where: e16 .> a.max16)
    return u
}

@inline(__always)
private func loadLanes(_ p: UnsafePointer<Float>, _ count: Int) -> SV {
    if count >= sampleLanes { return UnsafeRawPointer(p).loadUnaligned(as: SV.self) }
    var v = SV()
    for i in 0..<count { v[i] = p[i] }
    return v
}

private let allValid = SIMDMask<SIMD16<Int32>>(repeating: true)

@inline(__always)
private func validLanes(_ count: Int) -> SIMDMask<SIMD16<Int32>> {
    laneIndex .< Float(count)
}

/// Maps `count` samples of one plane into [0, 1] at `dst` (nil: only count),
/// tallying into `tally`.
func mapPlaneKernel(_ src: UnsafePointer<Float>, count: Int, map m: UnitMap, into dst: UnsafeMutablePointer<Float>?,
                    tally: inout QuantizationTally) {
    var a = Accumulators()
    var i = 0
    while i < count {
        // Flush every 2^16 vectors so that the float sums keep their precision.
        let end = Swift.min(count, i + sampleLanes << 16)
        while i < end {
            let n = Swift.min(sampleLanes, end - i)
            let u = mapLanes(loadLanes(src + i, n), m, n == sampleLanes ? allValid : validLanes(n), &a)
            if let dst {
                if n == sampleLanes {
                    UnsafeMutableRawPointer(dst + i).storeBytes(of: u, as: SV.self)
                } else {
                    for l in 0..<n { dst[i + l] = u[l] }
                }
            }
            i += n
        }
        a.flush(into: &tally)
        a = Accumulators()
    }
    tally.values += count
}

/// Planar floats through `maps` (one per channel) to interleaved 8-bit
/// samples, round(u * 255) half away from zero as `Float.rounded()` does.
/// `scratch` holds at least `channels * quantizeChunk` bytes.
func quantize8Kernel(_ src: UnsafePointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                     maps: UnsafeBufferPointer<UnitMap>, into dst: UnsafeMutablePointer<UInt8>,
                     scratch: UnsafeMutablePointer<UInt8>, tally: inout QuantizationTally) {
    var start = 0
    while start < pixels {
        let n = Swift.min(quantizeChunk, pixels - start)
        for c in 0..<channels {
            var a = Accumulators()
            let p = src + c * planeStride + start
            // One channel writes straight into dst; more go through planar bytes, then interleave.
            let out = channels == 1 ? dst + start : scratch + c * quantizeChunk
            var i = 0
            while i < n {
                let k = Swift.min(sampleLanes, n - i)
                let u = mapLanes(loadLanes(p + i, k), maps[c], k == sampleLanes ? allValid : validLanes(k), &a)
                let b = SVB(truncatingIfNeeded: integers(roundHalfUp(u * 255)))
                if k == sampleLanes {
                    UnsafeMutableRawPointer(out + i).storeBytes(of: b, as: SVB.self)
                } else {
                    for l in 0..<k { out[i + l] = b[l] }
                }
                i += k
            }
            a.flush(into: &tally)
        }
        if channels > 1 { interleave(scratch, stride: quantizeChunk, pixels: n, channels: channels, into: dst + start * channels) }
        start += n
    }
    tally.values += pixels * channels
}

/// Pixels per chunk of ``quantize8Kernel(_:pixels:channels:planeStride:maps:into:scratch:tally:)``:
/// its planar bytes stay in L1 until they are interleaved.
let quantizeChunk = 2048

@inline(__always)
private func interleave(_ t: UnsafePointer<UInt8>, stride: Int, pixels n: Int, channels: Int,
                        into d: UnsafeMutablePointer<UInt8>) {
    switch channels {
    case 3:
        let r = t, g = t + stride, b = t + 2 * stride
        for p in 0..<n {
            d[3 * p] = r[p]
            d[3 * p + 1] = g[p]
            d[3 * p + 2] = b[p]
        }
    case 4:
        let r = t, g = t + stride, b = t + 2 * stride, a = t + 3 * stride
        for p in 0..<n {
            d[4 * p] = r[p]
            d[4 * p + 1] = g[p]
            d[4 * p + 2] = b[p]
            d[4 * p + 3] = a[p]
        }
    default:
        for p in 0..<n {
            for c in 0..<channels { d[p * channels + c] = t[c * stride + p] }
        }
    }
}

/// Planar floats through `maps` to interleaved 16-bit samples, rounded in
/// Double as before (`UInt16((Double(u) * 65535).rounded())`): a float
/// product would round some halves differently. The map and the tally run
/// 16 at a time through `scratch` (at least `quantizeChunk` floats).
func quantize16Kernel(_ src: UnsafePointer<Float>, pixels: Int, channels: Int, planeStride: Int,
                      maps: UnsafeBufferPointer<UnitMap>, into dst: UnsafeMutablePointer<UInt16>,
                      scratch: UnsafeMutablePointer<Float>, tally: inout QuantizationTally) {
    var start = 0
    while start < pixels {
        let n = Swift.min(quantizeChunk, pixels - start)
        for c in 0..<channels {
            var t = QuantizationTally()
            mapPlaneKernel(src + c * planeStride + start, count: n, map: maps[c], into: scratch, tally: &t)
            tally.add(t)
            let d = dst + start * channels + c
            for i in 0..<n {
                let y = Double(scratch[i]) * 65535
                let r = y.rounded(.towardZero)
                d[i * channels] = UInt16(r) + (y - r >= 0.5 ? 1 : 0)
            }
        }
        start += n
    }
}

/// Interleaved 8-bit samples to planar floats x / 255 (IEEE division, as
/// `Float(x) / 255`): sample c of pixel i to `dst[c * planeStride + i]`.
/// Chunks of pixels are split into planar bytes first (LLVM vectorises the
/// stride-3 and stride-4 byte loops with shuffles; gathering lanes one by one
/// was 3x slower), then converted 16 at a time.
func unpack8Kernel(_ src: UnsafePointer<UInt8>, pixels: Int, channels: Int, into dst: UnsafeMutablePointer<Float>,
                   planeStride: Int) {
    unpackChunks(src, pixels: pixels, channels: channels, into: dst, planeStride: planeStride, scale: 255)
}

/// Interleaved 16-bit samples to planar floats x / 65535, as ``unpack8Kernel(_:pixels:channels:into:planeStride:)``.
func unpack16Kernel(_ src: UnsafePointer<UInt16>, pixels: Int, channels: Int, into dst: UnsafeMutablePointer<Float>,
                    planeStride: Int) {
    unpackChunks(src, pixels: pixels, channels: channels, into: dst, planeStride: planeStride, scale: 65535)
}

@inline(__always)
private func unpackChunks<T: FixedWidthInteger & UnsignedInteger>(
    _ src: UnsafePointer<T>, pixels: Int, channels: Int, into dst: UnsafeMutablePointer<Float>, planeStride: Int, scale: Float
) {
    let chunk = quantizeChunk
    let planes = UnsafeMutablePointer<T>.allocate(capacity: channels * chunk)
    defer { planes.deallocate() }
    var start = 0
    while start < pixels {
        let n = Swift.min(chunk, pixels - start)
        let s = src + start * channels
        switch channels {
        case 1:
            planes.update(from: s, count: n)
        case 3:
            let r = planes, g = planes + chunk, b = planes + 2 * chunk
            for p in 0..<n {
                r[p] = s[3 * p]
                g[p] = s[3 * p + 1]
                b[p] = s[3 * p + 2]
            }
        case 4:
            let r = planes, g = planes + chunk, b = planes + 2 * chunk, a = planes + 3 * chunk
            for p in 0..<n {
                r[p] = s[4 * p]
                g[p] = s[4 * p + 1]
                b[p] = s[4 * p + 2]
                a[p] = s[4 * p + 3]
            }
        default:
            for p in 0..<n {
                for c in 0..<channels { planes[c * chunk + p] = s[p * channels + c] }
            }
        }
        for c in 0..<channels {
            let from = planes + c * chunk, out = dst + c * planeStride + start
            var i = 0
            while i + sampleLanes <= n {
                let v: SVU
                if T.self == UInt8.self {
                    v = SVU(truncatingIfNeeded: UnsafeRawPointer(from + i).loadUnaligned(as: SVB.self))
                } else {
                    v = SVU(truncatingIfNeeded: UnsafeRawPointer(from + i).loadUnaligned(as: SVH.self))
                }
                UnsafeMutableRawPointer(out + i).storeBytes(of: floats(v) / scale, as: SV.self)
                i += sampleLanes
            }
            while i < n {
                out[i] = Float(from[i]) / scale
                i += 1
            }
        }
        start += n
    }
}

/// Folds `count` samples into the finite minimum, maximum and largest |x|
/// of a plane (NaN and infinities are passed over).
func rangeKernel(_ src: UnsafePointer<Float>, count: Int, into r: inout SampleRange) {
    var lo = SV(repeating: r.minimum), hi = SV(repeating: r.maximum), peak = SV(repeating: r.peak)
    var i = 0
    while i < count {
        let n = Swift.min(sampleLanes, count - i)
        let x = loadLanes(src + i, n)
        let ok = (x - x) .== 0 .& (n == sampleLanes ? allValid : validLanes(n))
        lo = lo.replacing(with: x, where: ok .& (x .< lo))
        hi = hi.replacing(with: x, where: ok .& (x .> hi))
        let m = magnitude(x)
        peak = peak.replacing(with: m, where: ok .& (m .> peak))
        i += n
    }
    r.minimum = lo.min()
    r.maximum = hi.max()
    r.peak = peak.max()
}
