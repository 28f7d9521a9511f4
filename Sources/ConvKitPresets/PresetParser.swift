import ConvKit
import ConvKitIO
import Foundation

/// Reads a preset document (YAML or JSON) into a ``Preset``, checking every
/// key, type and value, and naming the line, column and key path of the
/// first problem.
///
/// Top level: `name` (the file's stem), `description`, `color`
/// (keep|gray|rgb), `output` ({map, depth, layout, colormap, quality}) and
/// `stages`, a list of one-key mappings: `conv: {...}`, `pool: {...}`,
/// `activation: relu`, `magnitude: {groups: K}` and `color: gray`.
public struct PresetParser {
    /// The file as the user named it; errors start with it.
    public var file: String
    /// The directory `.npy` weight paths are relative to (nil: shipped presets, no files).
    public var directory: String?

    public init(file: String, directory: String? = nil) {
        self.file = file
        self.directory = directory
    }

    static let topKeys = ["name", "description", "color", "output", "stages"]
    static let outputKeys = ["map", "depth", "layout", "colormap", "quality"]
    static let colormaps = ["gray", "viridis", "magma", "coolwarm"]

    /// The file's stem: `Filters/edges.yaml` -> `edges`.
    var stem: String {
        let base = (file as NSString).lastPathComponent
        return (base as NSString).deletingPathExtension
    }

    public func parse(_ text: String) throws(PresetError) -> Preset {
        let root = try YAMLValue.parse(text, file: file)
        let top = try root.mapping(allowed: Self.topKeys, what: "a mapping with stages")
        var name = stem
        if let n = top["name"] {
            let given = try n.string("the file's stem \"\(stem)\"")
            guard given == stem else { throw n.expected("the file's stem \"\(stem)\"", hint: "rename the file or the preset") }
            name = given
        }
        let description = try top["description"].map { v throws(PresetError) in try v.string() }
        let color = try top["color"].map { v throws(PresetError) in ColorMode(rawValue: try v.choice(ColorMode.allCases.map(\.rawValue)))! } ?? .keep
        let output = try top["output"].map { v throws(PresetError) in try parseOutput(v) } ?? OutputDefaults()
        let stagesValue = try top.required("stages", "a list of conv, pool, activation, magnitude, color, transposed or upsample stages")
        let list = try stagesValue.sequence("a list of stages")
        guard !list.isEmpty else { throw stagesValue.expected("at least one stage") }
        var channels: Int? = color == .gray ? 1 : color == .rgb ? 3 : nil
        var stages: [PresetStage] = []
        var lastBank: Int?
        for item in list {
            let stage = try parseStage(item, channels: &channels, lastBank: &lastBank)
            stages.append(stage)
        }
        return Preset(name: name, description: description, color: color, output: output, stages: stages, file: file)
    }

    private func parseOutput(_ v: YAMLValue) throws(PresetError) -> OutputDefaults {
        let m = try v.mapping(allowed: Self.outputKeys)
        var o = OutputDefaults()
        if let x = m["map"] { o.map = PixelMap(rawValue: try x.choice(PixelMap.allCases.map(\.rawValue))) }
        if let x = m["depth"] {
            let d = try x.int("8 or 16")
            guard d == 8 || d == 16 else { throw x.expected("8 or 16") }
            o.depth = d
        }
        if let x = m["layout"] { o.layout = Layout(rawValue: try x.choice(Layout.allCases.map(\.rawValue))) }
        if let x = m["colormap"] { o.colormap = try x.choice(Self.colormaps) }
        if let x = m["quality"] {
            let q = try x.int("an integer from 1 to 100")
            guard (1...100).contains(q) else { throw x.expected("an integer from 1 to 100") }
            o.quality = q
        }
        return o
    }

    static let stageKinds = ["conv", "pool", "activation", "magnitude", "color", "transposed", "upsample"]

    private func parseStage(_ item: YAMLValue, channels: inout Int?, lastBank: inout Int?) throws(PresetError) -> PresetStage {
        let m = try item.mapping(allowed: Self.stageKinds, what: "a stage (conv, pool, activation, magnitude, color, transposed or upsample)")
        guard m.entries.count == 1, let (keyNode, value) = m.entries.first.map({ ($0.key, $0.value) }) else {
            throw item.error("a stage has exactly one key, got \(m.entries.count)",
                             hint: "write one list item per stage: - conv: {...}")
        }
        let kind = keyNode.node.scalar?.string ?? ""
        let origin = StageOrigin(file: file, line: keyNode.line, column: keyNode.column, keyPath: value.path)
        switch kind {
        case "conv":
            let spec = try ConvStageParser(parser: self).parse(value, channels: &channels)
            if case let .perChannel(ks) = spec.convolution.filters { lastBank = ks.count } else { lastBank = nil }
            return PresetStage(kind: .conv(spec), origin: origin)
        case "pool":
            return PresetStage(kind: .fixed(.pool(try parsePool(value))), origin: origin)
        case "transposed":
            let t = try DenserStageParser(parser: self).transposed(value, channels: &channels)
            lastBank = nil
            return PresetStage(kind: .fixed(.transposed(t)), origin: origin)
        case "upsample":
            return PresetStage(kind: .fixed(.upsample(try DenserStageParser(parser: self).upsample(value))), origin: origin)
        case "activation":
            let a = Activation(rawValue: try value.choice(Activation.allCases.map(\.rawValue)))!
            return PresetStage(kind: .fixed(.activation(a)), origin: origin)
        case "magnitude":
            var mag = Magnitude()
            if !value.isNull {
                let mm = try value.mapping(allowed: ["groups"], what: "{} or {groups: K}")
                if let g = mm["groups"] { mag.groups = try g.positiveInt() }
            }
            guard let k = mag.groups ?? lastBank else {
                throw value.error("cannot tell how many maps to combine",
                                  hint: "put magnitude right after a kernel bank, or give {groups: K}")
            }
            if let c = channels {
                guard c % k == 0 else {
                    throw value.error("magnitude over \(k) groups needs a channel count divisible by \(k), this stage gets \(c)")
                }
                channels = c / k
            }
            lastBank = nil
            return PresetStage(kind: .fixed(.magnitude(mag)), origin: origin)
        default:
            let c = ColorMode(rawValue: try value.choice(ColorMode.allCases.map(\.rawValue)))!
            if c != .keep { channels = c == .gray ? 1 : 3 }
            lastBank = nil
            return PresetStage(kind: .fixed(.color(c)), origin: origin)
        }
    }

    private func parsePool(_ v: YAMLValue) throws(PresetError) -> Pooling {
        let m = try v.mapping(allowed: ["type", "size", "stride", "padding", "dilation"])
        let kind = Pooling.Kind(rawValue: try m.required("type", "max or avg").choice(["max", "avg"]))!
        let size = try Self.size2(try m.required("size", "the window size"))
        var p = Pooling(kind, size: size)
        if let s = m["stride"] { p.stride = try Self.size2(s) }
        if let d = m["dilation"] { p.dilation = try Self.size2(d) }
        if let x = m["padding"] { p.padding = try Self.padding(x) }
        return p
    }

    // MARK: Shared value parsers

    static let size2Expected = "a positive integer or \"SH,SW\""

    /// `N`, `"H,W"` or `[H, W]`, every value >= 1.
    static func size2(_ v: YAMLValue) throws(PresetError) -> Size2 {
        var values: [Int] = []
        if v.isSequence {
            for x in try v.sequence() { values.append(try x.positiveInt(size2Expected)) }
        } else if let s = v.node.scalar, s.kind == .int {
            values = [try v.positiveInt(size2Expected)]
        } else if let s = v.node.scalar, s.kind == .str {
            let parts = s.string.split(separator: ",", omittingEmptySubsequences: false)
                .map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.allSatisfy({ $0 != nil }) else { throw v.expected(size2Expected) }
            values = parts.map { $0! }
        }
        guard values.count == 1 || values.count == 2, values.allSatisfy({ $0 >= 1 }) else { throw v.expected(size2Expected) }
        return Size2(values[0], values.count == 2 ? values[1] : values[0])
    }

    static let paddingExpected = "valid, same, full, N, \"PH,PW\" or \"T,B,L,R\""

    static func padding(_ v: YAMLValue) throws(PresetError) -> Padding {
        var text: String
        if v.isSequence {
            var parts: [String] = []
            for x in try v.sequence() { parts.append(String(try x.int(paddingExpected))) }
            text = parts.joined(separator: ",")
        } else if let s = v.node.scalar, s.kind == .int || s.kind == .str {
            text = s.string
        } else {
            throw v.expected(paddingExpected)
        }
        do {
            return try Padding(parsing: text)
        } catch {
            throw v.expected(paddingExpected)
        }
    }
}
