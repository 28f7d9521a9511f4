import ConvKit
import Foundation
import Testing
@testable import ConvKitPresets

@Suite("Impulse responses of the shipped presets")
struct ImpulseTests {
    /// Shipped presets whose only stage that is not a color conversion is one conv.
    static var singleConv: [String] {
        EmbeddedFilters.files.map { String($0.file.split(separator: ".")[0]) }.sorted().filter { name in
            guard let p = try? PresetLibrary().load(name).pipeline() else { return false }
            return p.stages.filter { if case .color = $0.operation { false } else { true } }.count == 1 && p.convolutions.count == 1
        }
    }

    @Test("Every single-conv preset's response to a delta is its kernel rotated 180 degrees (as written with flip: true)",
          arguments: singleConv)
    func responseIsKernel(_ name: String) throws {
        let pipeline = try PresetLibrary().load(name).pipeline()
        let conv = try #require(pipeline.convolutions.first)
        let channels: Int
        let kernels: [[Float]]
        switch conv.filters {
        case let .perChannel(ks):
            channels = 1
            kernels = ks.map(\.values)
        case let .weights(w, _):
            // One input channel carries the delta at a time would need Cin runs; the presets with weights read
            // Cin channels, so put the delta in every channel and compare with the sum over input channels.
            channels = w.inChannelsPerGroup
            let k = w.kernel.h * w.kernel.w
            kernels = (0..<w.outChannels).map { o in
                (0..<k).map { i in (0..<w.inChannelsPerGroup).reduce(Float(0)) { $0 + w.values[(o * w.inChannelsPerGroup + $1) * k + i] } }
            }
        }
        let r = try ImpulseResponse(pipeline: Pipeline(stages: [conv]), channels: channels)
        let k0 = try #require(conv.kernelSize), d = conv.dilation
        // A dilated kernel's response spreads its taps d apart, zeros between.
        let size = Size2(d.h * (k0.h - 1) + 1, d.w * (k0.w - 1) + 1)
        func spread(_ v: [Float]) -> [Float] {
            var out = [Float](repeating: 0, count: size.h * size.w)
            for y in 0..<k0.h { for x in 0..<k0.w { out[y * d.h * size.w + x * d.w] = v[y * k0.w + x] } }
            return out
        }
        // The response at full size: the delta at the centre, the window centred on it for a same/valid conv.
        let out = r.output
        for (k, kernel) in kernels.enumerated() {
            let expected = spread(conv.flip ? kernel : kernel.reversed())
            // Locate the kernel-sized block whose values match, around the delta's image.
            let found = (0...(out.height - size.h)).contains { y0 in
                (0...(out.width - size.w)).contains { x0 in
                    (0..<(size.h * size.w)).allSatisfy { i in
                        let v = out[k * (out.channels / kernels.count), y0 + i / size.w, x0 + i % size.w]
                        return abs(v - expected[i]) <= 1e-5 * max(1, abs(expected[i]))
                    }
                }
            }
            #expect(found, "\(name) map \(k): response \(r.maps[k * (out.channels / kernels.count)]), expected \(expected)")
        }
        #expect(out.data.filter { $0 != 0 }.count <= kernels.count * size.h * size.w, "nothing outside the kernel's footprint")
    }

    @Test("The single-conv presets include sobel-x, gaussian3, emboss and dilated-laplacian")
    func coverage() {
        let names = Set(Self.singleConv)
        #expect(names.isSuperset(of: ["sobel-x", "sobel-y", "gaussian3", "identity", "emboss", "dilated-laplacian", "kirsch"]), "\(names.sorted())")
    }

    @Test("A preset with flip: true responds with its kernel as written (no shipped preset flips)", arguments: [false, true])
    func flipped(_ flip: Bool) throws {
        let p = try preset("""
            name: test
            stages:
              - conv:
                  kernel: [[1, 2, 3], [4, 5, 6]]
                  padding: same
                  flip: \(flip)
            """)
        let r = try ImpulseResponse(pipeline: try p.pipeline())
        #expect(r.maps == [flip ? [[1, 2, 3], [4, 5, 6]] : [[6, 5, 4], [3, 2, 1]]])
    }
}
