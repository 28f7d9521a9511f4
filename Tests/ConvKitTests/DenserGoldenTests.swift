import ConvKit
import ConvKitIO
import Foundation
import Testing

/// One case of `DenserGoldens/cases.json`, written by `Scripts/make_transpose_goldens.py`.
struct DenserCase: Decodable, Sendable {
    var id: String
    /// "transposed" or "upsample".
    var kind: String
    var stride: [Int]?
    var padding: [Int]?
    var outputPadding: [Int]?
    var dilation: [Int]?
    var groups: Int?
    var bias: Bool?
    var activation: String?
    var mode: String?
    var factor: [Int]?
    var size: [Int]?
    var inputShape: [Int]
    var expectedShape: [Int]
}

enum DenserCatalog {
    static var directory: URL? { Bundle.module.url(forResource: "DenserGoldens", withExtension: nil) }

    static let cases: [DenserCase] = {
        guard let dir = directory, let data = try? Data(contentsOf: dir.appendingPathComponent("cases.json")) else { return [] }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        struct Manifest: Decodable { var cases: [DenserCase] }
        return (try? decoder.decode(Manifest.self, from: data))?.cases ?? []
    }()

    static func ids(_ kind: String) -> [String] { cases.filter { $0.kind == kind }.map(\.id) }

    static func `case`(_ id: String) throws -> DenserCase {
        guard let c = cases.first(where: { $0.id == id }) else { throw CatalogError("no denser golden \(id)") }
        return c
    }

    static func array(_ id: String, _ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let dir = directory else { throw CatalogError("the DenserGoldens resource is not in the test bundle") }
        let url = dir.appendingPathComponent(id).appendingPathComponent("\(name).npy")
        return try NPY.decodeArray([UInt8](try Data(contentsOf: url)), path: url.path)
    }

    static func tensor(_ id: String, _ name: String) throws -> Tensor {
        guard let dir = directory else { throw CatalogError("the DenserGoldens resource is not in the test bundle") }
        let url = dir.appendingPathComponent(id).appendingPathComponent("\(name).npy")
        return try NPY.decode([UInt8](try Data(contentsOf: url)), path: url.path)
    }

    /// The transposed convolution a case describes, built as a user would.
    static func transposed(_ c: DenserCase) throws -> TransposedConvolution {
        let w = try array(c.id, "weights")
        let weights = try ConvWeights(outChannels: w.shape[0], inChannelsPerGroup: w.shape[1],
                                      kernel: Size2(w.shape[2], w.shape[3]), values: w.values)
        var t = TransposedConvolution(weights: weights, groups: c.groups ?? 1)
        func pair(_ v: [Int]?) -> Size2 { Size2(v?[0] ?? 0, v?[1] ?? 0) }
        t.stride = pair(c.stride)
        t.padding = pair(c.padding)
        t.outputPadding = pair(c.outputPadding)
        t.dilation = pair(c.dilation)
        t.activation = Activation(rawValue: c.activation ?? "none") ?? .none
        if c.bias == true { t.bias = try array(c.id, "bias").values }
        return t
    }

    static func upsample(_ c: DenserCase) -> Upsample {
        let mode = ResizeMode(rawValue: c.mode ?? "") ?? .nearest
        if let f = c.factor, f.count == 2 { return Upsample(factor: Size2(f[0], f[1]), mode: mode) }
        let s = c.size ?? [1, 1]
        return Upsample(size: Size2(s[0], s[1]), mode: mode)
    }
}

/// The worst difference of `got` from `expected`, relative to the largest expected magnitude.
func relativeError(_ got: [Float], _ expected: [Float]) -> Float {
    let scale = max(1, expected.map(abs).max() ?? 1)
    return zip(got, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

@Suite("Denser goldens: transposed convolution and upsampling against PyTorch")
struct DenserGoldenTests {
    @Test("The manifest lists transposed cases covering every option, and upsample cases")
    func manifestCoversOptions() {
        let t = DenserCatalog.cases.filter { $0.kind == "transposed" }
        #expect(t.count >= 30)
        #expect(Set(t.flatMap { $0.stride ?? [] }) == [1, 2, 3])
        #expect(t.contains { ($0.outputPadding ?? []).contains { $0 > 0 } })
        #expect(t.contains { ($0.dilation ?? []).contains { $0 > 1 } })
        #expect(t.contains { ($0.groups ?? 1) > 1 })
        #expect(t.contains { $0.bias == true })
        #expect(DenserCatalog.ids("upsample").count >= 6)
    }

    @Test("Transposed convolution equals conv_transpose2d to 1e-4", arguments: DenserCatalog.ids("transposed"))
    func transposedMatches(_ id: String) throws {
        let c = try DenserCatalog.case(id)
        let input = try DenserCatalog.tensor(id, "input")
        let t = try DenserCatalog.transposed(c)
        let expected = try DenserCatalog.array(id, "expected")
        let g = try t.geometry(for: input.shape)
        #expect([g.output.channels, g.output.height, g.output.width] == expected.shape, "size rule")
        for threads in [1, 3] {
            let got = try t.run(input, threads: threads)
            try #require([got.channels, got.height, got.width] == expected.shape)
            let err = relativeError(got.data, expected.values)
            #expect(err <= 1e-4, "\(id), threads \(threads): relative error \(err)")
        }
    }

    @Test("Upsample equals interpolate", arguments: DenserCatalog.ids("upsample"))
    func upsampleMatches(_ id: String) throws {
        let c = try DenserCatalog.case(id)
        let input = try DenserCatalog.tensor(id, "input")
        let expected = try DenserCatalog.array(id, "expected")
        let pipeline = Pipeline(stages: [.upsample(DenserCatalog.upsample(c))])
        let got = try pipeline.run(input, threads: 2).output
        try #require([got.channels, got.height, got.width] == expected.shape)
        let err = relativeError(got.data, expected.values)
        #expect(err <= 1e-5, "\(id): relative error \(err)")
    }
}
