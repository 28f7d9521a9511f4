import ConvKit
import ConvKitIO
import Foundation
@testable import ConvKitPresets

/// Paths in the package, found from this file's location (tests run from the source tree).
enum Package {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func npy(_ relative: String) throws -> Tensor {
        let path = Package.path(relative)
        return try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), path: path)
    }
}

/// Parses `yaml` as the preset file `file`.
func preset(_ yaml: String, file: String = "test.yaml", directory: String? = nil) throws -> Preset {
    try Preset(text: yaml, file: file, directory: directory)
}

/// A deterministic pseudo-random tensor.
func randomTensor(_ shape: ConvKit.Shape, seed: UInt64) -> Tensor {
    var rng = ConvKitPresets.SplitMix64(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.count).map { _ in Float(rng.nextUnit() * 2 - 1) })
}

func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    return zip(a.data, b.data).map { abs($0 - $1) }.max() ?? 0
}
