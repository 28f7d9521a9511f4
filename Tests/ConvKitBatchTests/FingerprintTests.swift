import ConvKit
import ConvKitBatch
import ConvKitIO
import Testing

@Suite("Pipeline fingerprints")
struct FingerprintTests {
    func pipeline(_ values: [Float] = [1, 2, 1, 2, 4, 2, 1, 2, 1], stride: Int = 1) throws -> Pipeline {
        var conv = Convolution(kernels: [try Kernel2D(size: Size2(3, 3), values: values)])
        conv.stride = Size2(square: stride)
        conv.padding = .same
        return Pipeline(color: .gray, stages: [conv])
    }

    func fingerprint(_ p: Pipeline, format: ImageFormat = .png, depth: Int = 8, layout: Layout = .auto,
                     autoOrient: Bool = true, version: String = convkitVersion) -> String {
        var e = EncodeOptions()
        e.depth = depth
        var d = DecodeOptions()
        d.autoOrient = autoOrient
        return Fingerprint(pipeline: p, format: format, layout: layout, encode: e, decode: d, version: version).value
    }

    @Test("The same pipeline and options give the same 16-hex-digit fingerprint")
    func stable() throws {
        let a = fingerprint(try pipeline()), b = fingerprint(try pipeline())
        #expect(a == b)
        #expect(a.count == 16 && a.allSatisfy(\.isHexDigit))
    }

    @Test("A weight, a stride, an output option, auto-orientation or the version changes it")
    func sensitive() throws {
        let base = fingerprint(try pipeline())
        let changed = [
            fingerprint(try pipeline([1, 2, 1, 2, 4, 2, 1, 2, 1.0001])),
            fingerprint(try pipeline(stride: 2)),
            fingerprint(Pipeline(color: .gray)),
            fingerprint(try pipeline(), format: .npy),
            fingerprint(try pipeline(), depth: 16),
            fingerprint(try pipeline(), layout: .channels),
            fingerprint(try pipeline(), autoOrient: false),
            fingerprint(try pipeline(), version: "9.9.9"),
        ]
        #expect(!changed.contains(base))
        #expect(Set(changed).count == changed.count)
    }

    @Test("The hashed text holds every weight, so no two kernels can be confused by a summary")
    func canonicalHoldsWeights() throws {
        let f = Fingerprint(pipeline: try pipeline([0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.125]), format: .png,
                            layout: .auto, encode: EncodeOptions(), decode: DecodeOptions())
        #expect(f.canonical.contains("0.125"))
        #expect(f.canonical.hasPrefix("convkit \(convkitVersion)\n"))
        #expect(!f.canonical.contains("0x"))   // no addresses
    }
}

@Suite("Pipeline fingerprints: what is left out")
struct FingerprintOriginTests {
    @Test("Where a preset stage was written (file, line) does not change the fingerprint; a missing bias does")
    func originIgnored() throws {
        let conv = Convolution(kernels: [try Kernel2D(rows: [[1, 2, 1]])])
        var withBias = conv
        withBias.bias = [0.5]
        let a = Pipeline(stages: [Stage(.conv(conv))])
        let b = Pipeline(stages: [Stage(.conv(conv), origin: StageOrigin(file: "blur.yaml", line: 7, column: 5, keyPath: "stages[0].conv"))])
        let c = Pipeline(stages: [Stage(.conv(withBias))])
        func f(_ p: Pipeline) -> Fingerprint {
            Fingerprint(pipeline: p, format: .png, layout: .auto, encode: EncodeOptions(), decode: DecodeOptions())
        }
        #expect(f(a) == f(b))
        #expect(f(a) != f(c))
        #expect(f(c).canonical.contains("bias:[0.5]"))
    }
}
