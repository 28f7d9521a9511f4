import ConvKit
import Foundation

/// What a run cost, in the words of SPEC section 10 item 6: per stage the
/// padding (t,b,l,r), receptive field, MACs, bytes, density and kernel path,
/// for PNG tEXt chunks, `--json` and the HTML report.
///
///     let a = Accounting(input: image.shape, stages: try p.plan(for: image.shape), milliseconds: times)
///     options.text = a.pngText()
public struct Accounting: Sendable, Codable, Equatable {
    public var version = convkitVersion
    /// `[C, H, W]`.
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var pipeline: String
    public var density: Double
    public var macs: Int
    public var outputBytes: Int
    public var milliseconds: Double?
    public var stages: [StageSummary]

    public init(input: Shape, stages reports: [StageReport], milliseconds: [Double]? = nil) {
        inputShape = [input.channels, input.height, input.width]
        let out = reports.last?.geometry.output ?? input
        outputShape = [out.channels, out.height, out.width]
        pipeline = reports.isEmpty ? "none" : reports.map(\.summary).joined(separator: " | ")
        stages = reports.enumerated().map { i, r in StageSummary(r, milliseconds: milliseconds.flatMap { i < $0.count ? $0[i] : nil }) }
        density = Double(out.count) / Double(max(input.count, 1))
        macs = stages.reduce(0) { $0 + $1.macs }
        outputBytes = out.count * MemoryLayout<Float>.size
        self.milliseconds = milliseconds.map { $0.reduce(0, +) }
    }

    /// Pads of every stage, `t,b,l,r` joined by `; `.
    public var padding: String {
        stages.isEmpty ? "none" : stages.map { $0.padding.map(String.init).joined(separator: ",") }.joined(separator: "; ")
    }

    /// Kernel paths of every stage, joined by ` + `.
    public var paths: String { stages.isEmpty ? "none" : stages.map(\.path).joined(separator: " + ") }

    /// PNG tEXt chunks: version, pipeline, shapes, padding, receptive field,
    /// density, MACs, bytes, kernel paths and time, plus every stage as JSON.
    public func pngText() -> [String: String] {
        func shape(_ s: [Int]) -> String { s.map(String.init).joined(separator: "x") }
        var t = [
            "Software": "convkit \(version)",
            "convkit:pipeline": pipeline,
            "convkit:input-shape": shape(inputShape),
            "convkit:output-shape": shape(outputShape),
            "convkit:padding": padding,
            "convkit:density": Format.density(density),
            "convkit:macs": String(macs),
            "convkit:output-bytes": String(outputBytes),
            "convkit:path": paths,
        ]
        if let last = stages.last { t["convkit:receptive-field"] = last.receptiveField.map(String.init).joined(separator: "x") }
        if let milliseconds { t["convkit:milliseconds"] = Format.milliseconds(milliseconds) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let json = try? encoder.encode(stages) { t["convkit:stages"] = String(decoding: json, as: UTF8.self) }
        return t
    }
}
