import ConvKit
import ConvKitIO
import Foundation
@testable import ConvKitReport

/// A fresh temporary directory, removed when the value goes away.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}

/// A 1 x h x w ramp, values 0 ... 1 left to right, top to bottom.
func ramp(height h: Int, width w: Int, channels c: Int = 1) -> Tensor {
    let n = c * h * w
    return Tensor(shape: Shape(channels: c, height: h, width: w), data: (0..<n).map { Float($0) / Float(max(n - 1, 1)) })
}

func boxPipeline(_ k: Int) throws -> Pipeline {
    Pipeline(stages: [Convolution(kernels: [try Kernel2D(size: Size2(square: k), values: [Float](repeating: 1 / Float(k * k), count: k * k))])])
}

/// Decodes PNG bytes through a temporary file (the decoder reads paths).
func decodePNG(_ bytes: [UInt8]) throws -> Tensor {
    let scratch = try Scratch()
    let p = scratch.path("x.png")
    try Data(bytes).write(to: URL(fileURLWithPath: p))
    return try ImageDecoder.decode(path: p).tensor
}

/// The tEXt chunks of a PNG file.
func pngText(_ path: String) throws -> [String: String] {
    let b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var out: [String: String] = [:]
    var i = 8
    while i + 8 <= b.count {
        let len = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
        if type == "tEXt", let nul = b[(i + 8)..<(i + 8 + len)].firstIndex(of: 0) {
            out[String(decoding: b[(i + 8)..<nul], as: UTF8.self)] = String(decoding: b[(nul + 1)..<(i + 8 + len)], as: UTF8.self)
        }
        i += 12 + len
    }
    return out
}

extension Canvas {
    /// Pixels in `r` that differ from `color` by more than `tolerance` in any component.
    func count(in r: Rect, differingFrom color: Color, tolerance: Float = 0.02) -> Int {
        var n = 0
        for y in r.y..<r.maxY {
            for x in r.x..<r.maxX {
                let p = pixel(x, y)
                if abs(p.r - color.r) > tolerance || abs(p.g - color.g) > tolerance || abs(p.b - color.b) > tolerance { n += 1 }
            }
        }
        return n
    }
}
