import ConvKit
import ConvKitIO
import Foundation

/// Reads the stages that make a map denser: `transposed:` and `upsample:`.
///
///     - transposed: {weights: up.npy, stride: 2, padding: 1, output_padding: 1, bias: 0}
///     - upsample: {factor: 2, mode: bilinear}
///     - upsample: {size: [480, 640]}
struct DenserStageParser {
    let parser: PresetParser

    static let transposedKeys = ["weights", "groups", "bias", "stride", "padding", "output_padding", "dilation", "activation"]
    static let upsampleKeys = ["factor", "size", "mode"]

    /// A transposed convolution; `channels` is updated as for a conv stage.
    func transposed(_ v: YAMLValue, channels: inout Int?) throws(PresetError) -> TransposedConvolution {
        let m = try v.mapping(allowed: Self.transposedKeys)
        let conv = ConvStageParser(parser: parser)
        let source = try m.required("weights", "a 4-D list (Cin, Cout/groups, kh, kw) or a .npy path")
        let groups = try m["groups"].map { g throws(PresetError) in try g.positiveInt() } ?? 1
        let weights: ConvWeights
        if let s = source.node.scalar, s.kind == .str {
            guard let directory = parser.directory else {
                throw source.error("a shipped preset cannot read weights from a file", hint: "give the weights as a nested list")
            }
            let path = s.string.hasPrefix("/") ? s.string : (directory as NSString).appendingPathComponent(s.string)
            let filters: Convolution.Filters
            do { filters = try WeightsFile.filters(path: path, groups: groups) } catch {
                throw source.error("\(error.message) (\(path))", hint: error.hint)
            }
            guard case let .weights(w, _) = filters else {
                throw source.expected("a 4-D array (Cin, Cout/groups, kh, kw)", hint: "a transposed convolution takes PyTorch's ConvTranspose2d weights")
            }
            weights = w
        } else {
            let (shape, values) = try conv.nested(source, depth: 4, what: "a 4-D list (Cin, Cout/groups, kh, kw) or a .npy path")
            weights = try conv.geometry(source) { () throws(GeometryError) in
                try ConvWeights(outChannels: shape[0], inChannelsPerGroup: shape[1], kernel: Size2(shape[2], shape[3]), values: values)
            }
        }
        guard weights.outChannels % groups == 0 else {
            throw (m["groups"] ?? source).expected("a divisor of the \(weights.outChannels) input channels")
        }
        if let c = channels, c != weights.outChannels {
            throw source.error("transposed weights (\(weights.outChannels), \(weights.inChannelsPerGroup), \(weights.kernel.h), "
                               + "\(weights.kernel.w)) read \(weights.outChannels) channels, this stage gets \(c)",
                               hint: "transposed weights are (Cin, Cout/groups, kh, kw)")
        }
        var t = TransposedConvolution(weights: weights, groups: groups)
        if let x = m["stride"] { t.stride = try PresetParser.size2(x) }
        if let x = m["dilation"] { t.dilation = try PresetParser.size2(x) }
        if let x = m["padding"] { t.padding = try Self.pads(x) }
        if let x = m["output_padding"] { t.outputPadding = try Self.pads(x) }
        if let x = m["activation"] { t.activation = Activation(rawValue: try x.choice(Activation.allCases.map(\.rawValue)))! }
        if let x = m["bias"] { t.bias = try conv.bias(x, outChannels: t.outChannels) }
        channels = t.outChannels
        return t
    }

    func upsample(_ v: YAMLValue) throws(PresetError) -> Upsample {
        let m = try v.mapping(allowed: Self.upsampleKeys, what: "{factor, mode} or {size, mode}")
        let mode = try m["mode"].map { x throws(PresetError) in ResizeMode(rawValue: try x.choice(ResizeMode.allCases.map(\.rawValue)))! }
            ?? .nearest
        switch (m["factor"], m["size"]) {
        case let (f?, nil): return Upsample(factor: try PresetParser.size2(f), mode: mode)
        case let (nil, s?): return Upsample(size: try PresetParser.size2(s), mode: mode)
        case (_?, _?): throw v.error("upsample takes factor or size, not both")
        case (nil, nil): throw v.error("upsample needs a factor or a size", hint: "e.g. upsample: {factor: 2, mode: bilinear}")
        }
    }

    static let padsExpected = "a non-negative integer or \"PH,PW\""

    /// `N`, `"H,W"` or `[H, W]`, every value >= 0.
    static func pads(_ v: YAMLValue) throws(PresetError) -> Size2 {
        var values: [Int] = []
        if v.isSequence {
            for x in try v.sequence() { values.append(try x.int(padsExpected)) }
        } else if let s = v.node.scalar, s.kind == .int {
            values = [try v.int(padsExpected)]
        } else if let s = v.node.scalar, s.kind == .str {
            values = s.string.split(separator: ",", omittingEmptySubsequences: false).compactMap {
                Int($0.trimmingCharacters(in: .whitespaces))
            }
        }
        guard values.count == 1 || values.count == 2, values.allSatisfy({ $0 >= 0 }) else { throw v.expected(padsExpected) }
        return Size2(values[0], values.count == 2 ? values[1] : values[0])
    }
}
