import ConvKit
import ConvKitIO
import Testing

/// The vectorised conversions against the scalar expressions they replace,
/// on every 8-bit value, tails shorter than a vector, NaN and infinities.
@Suite("Sample conversions")
struct SampleConversionTests {
    /// The expressions the scalar code used.
    static func unit(_ x: Float) -> Float { x.isNaN ? 0 : min(1, max(0, x)) }

    @Test("8-bit samples unpack to x / 255 for every value, 1 to 5 channels, any tail")
    func unpack8() {
        for channels in 1...5 {
            for pixels in [1, 15, 16, 17, 300] {
                let src = (0..<(pixels * channels)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ channels) }
                var out = [Float](repeating: -1, count: pixels * channels)
                src.withUnsafeBufferPointer { s in
                    out.withUnsafeMutableBufferPointer { o in
                        Samples.unpack8(s.baseAddress!, pixels: pixels, channels: channels, into: o.baseAddress!, planeStride: pixels)
                    }
                }
                for i in 0..<pixels {
                    for c in 0..<channels {
                        #expect(out[c * pixels + i] == Float(src[i * channels + c]) / 255, "c \(channels) px \(pixels) i \(i)")
                    }
                }
            }
        }
    }

    @Test("16-bit samples unpack to x / 65535")
    func unpack16() {
        let pixels = 1000, channels = 3
        let src = (0..<(pixels * channels)).map { UInt16(truncatingIfNeeded: $0 &* 2654435761) }
        var out = [Float](repeating: -1, count: pixels * channels)
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                Samples.unpack16(s.baseAddress!, pixels: pixels, channels: channels, into: o.baseAddress!, planeStride: pixels)
            }
        }
        #expect((0..<pixels).allSatisfy { i in (0..<channels).allSatisfy { out[$0 * pixels + i] == Float(src[i * channels + $0]) / 65535 } })
    }

    /// Floats around every rounding boundary of both depths, out of range, NaN and infinities.
    static let values: [Float] = {
        var v: [Float] = [.nan, .infinity, -.infinity, -0.0, 0, 1, -1e-9, 1 + 1e-7, 2, -3]
        for k in 0...255 {
            let b = (Float(k) + 0.5) / 255
            v += [b, b.nextUp, b.nextDown, Float(k) / 255]
        }
        for k in stride(from: 0, to: 65535, by: 97) {
            let b = Float((Double(k) + 0.5) / 65535)
            v += [b, b.nextUp, b.nextDown]
        }
        return v
    }()

    @Test("Quantising to 8 bits rounds as (unit(x) * 255).rounded(), and tallies clipping and NaN")
    func quantize8() {
        for channels in [1, 3, 4, 2] {
            let pixels = Self.values.count / channels
            let src = Array(Self.values.prefix(pixels * channels))
            var out = [UInt8](repeating: 0, count: pixels * channels)
            var tally = QuantizationTally()
            src.withUnsafeBufferPointer { s in
                out.withUnsafeMutableBufferPointer { o in
                    Samples.quantize8(s.baseAddress!, pixels: pixels, channels: channels, planeStride: pixels,
                                      maps: Array(repeating: .clamp, count: channels), into: o.baseAddress!, tally: &tally)
                }
            }
            for i in 0..<pixels {
                for c in 0..<channels {
                    let x = src[c * pixels + i]
                    #expect(out[i * channels + c] == UInt8((Self.unit(x) * 255).rounded()), "x \(x)")
                }
            }
            #expect(tally.values == src.count)
            #expect(tally.nonFinite == src.filter { !$0.isFinite }.count)
            #expect(tally.clippedLow == src.filter { $0 < 0 }.count)
            #expect(tally.clippedHigh == src.filter { $0 > 1 }.count)
            #expect(tally.error8Max <= 0.5 / 255 + 1e-7 && tally.error8Max > 0.49 / 255)
        }
    }

    @Test("Quantising to 16 bits rounds as UInt16((Double(unit(x)) * 65535).rounded())")
    func quantize16() {
        let src = Self.values
        var out = [UInt16](repeating: 0, count: src.count)
        var tally = QuantizationTally()
        src.withUnsafeBufferPointer { s in
            out.withUnsafeMutableBufferPointer { o in
                Samples.quantize16(s.baseAddress!, pixels: src.count, channels: 1, planeStride: src.count,
                                   maps: [.clamp], into: o.baseAddress!, tally: &tally)
            }
        }
        #expect(src.indices.allSatisfy { out[$0] == UInt16((Double(Self.unit(src[$0])) * 65535).rounded()) })
        #expect(tally.error16Max <= 0.5 / 65535 + 1e-9)
    }

    @Test("Every map gives the scalar expressions of PixelMap, channel by channel")
    func maps() {
        let plane = 333
        let data = (0..<(2 * plane)).map { i -> Float in i == 5 ? .nan : Float(i % 41) * 0.13 - 2 + (i >= plane ? 7 : 0) }
        let t = Tensor(shape: Shape(channels: 2, height: 9, width: 37), data: data)
        for map in PixelMap.allCases {
            let got = map.apply(t).data
            for c in 0..<2 {
                let p = Array(data[(c * plane)..<((c + 1) * plane)])
                let finite = p.filter(\.isFinite)
                let (lo, hi) = (finite.min()!, finite.max()!), m = finite.map(abs).max()!
                for (i, x) in p.enumerated() {
                    let want: Float
                    switch map {
                    case .clamp: want = Self.unit(x)
                    case .abs: want = Self.unit(abs(x))
                    case .minmax: want = hi - lo > 0 ? Self.unit((x - lo) / (hi - lo)) : 0
                    case .signed: want = m > 0 ? Self.unit(0.5 + x / (2 * m)) : 0.5
                    }
                    #expect(got[c * plane + i] == want, "\(map) c \(c) i \(i)")
                }
            }
        }
    }

    @Test("The quantisation report counts clamp's clipping and the rounding error of mapped values")
    func report() {
        let t = Tensor(shape: Shape(channels: 1, height: 1, width: 5), data: [-0.5, 0.25, 0.5, 2, .nan])
        let q = QuantizationReport(t, map: .clamp, depth: 8)
        #expect(q.values == 5 && q.clippedLow == 1 && q.clippedHigh == 1 && q.nonFinite == 1)
        // 0.25 * 255 = 63.75 -> 64: error 0.25 / 255; 0.5 * 255 = 127.5 -> 128: 0.5 / 255.
        #expect(abs(q.error8.max - 0.5 / 255) < 1e-7)
        #expect(abs(q.error8.mean - 0.75 / 255 / 5) < 1e-7)
    }
}
