import ConvKit
import ConvKitIO
import Foundation

/// One golden case of `Goldens/cases.json`, written by `Scripts/make_goldens.py`.
struct GoldenCase: Decodable, Sendable {
    var id: String
    /// "weights" ((Cout, Cin/g, kh, kw) with groups) or "kernels" (a (K, kh, kw) bank per channel).
    var mode: String
    var inputShape: [Int]
    var weightsShape: [Int]
    var groups: Int?
    var stride: String
    var dilation: String
    var padding: String
    /// Top, bottom, left, right as the script resolved them.
    var pads: [Int]
    var padMode: String
    var padValue: Float
    var flip: Bool
    var bias: Bool
    var activation: String
    var expectedShape: [Int]
    /// Products summed into one output.
    var reduction: Int
    /// "numpy", or "torch" when torch.nn.functional.conv2d agreed too.
    var backend: String
}

struct GoldenManifest: Decodable, Sendable {
    var count: Int
    var torchChecked: Int
    var cases: [GoldenCase]
}

/// The golden cases bundled with the tests.
enum GoldenCatalog {
    static var directory: URL? { Bundle.module.url(forResource: "Goldens", withExtension: nil) }

    /// The manifest, or why it could not be read.
    static let manifest: Result<GoldenManifest, any Error> = Result {
        guard let dir = directory else { throw CatalogError("the Goldens resource is not in the test bundle") }
        let data = try Data(contentsOf: dir.appendingPathComponent("cases.json"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(GoldenManifest.self, from: data)
    }

    /// Case ids, the arguments of the parameterised golden test (empty if the
    /// manifest is missing, which `GoldenTests` reports as a failure).
    static var ids: [String] { (try? manifest.get())?.cases.map(\.id) ?? [] }

    static func `case`(_ id: String) throws -> GoldenCase {
        guard let c = try manifest.get().cases.first(where: { $0.id == id }) else {
            throw CatalogError("no golden case \(id)")
        }
        return c
    }

    static func array(_ id: String, _ name: String) throws -> (shape: [Int], values: [Float]) {
        guard let dir = directory else { throw CatalogError("the Goldens resource is not in the test bundle") }
        let url = dir.appendingPathComponent(id).appendingPathComponent("\(name).npy")
        let bytes = [UInt8](try Data(contentsOf: url))
        return try NPY.decodeArray(bytes, path: url.path)
    }

    static func tensor(_ id: String, _ name: String) throws -> Tensor {
        guard let dir = directory else { throw CatalogError("the Goldens resource is not in the test bundle") }
        let url = dir.appendingPathComponent(id).appendingPathComponent("\(name).npy")
        return try NPY.decode([UInt8](try Data(contentsOf: url)), path: url.path)
    }
}

struct CatalogError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
