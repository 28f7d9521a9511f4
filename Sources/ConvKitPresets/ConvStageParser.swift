import ConvKit
import ConvKitIO
import Foundation

/// Reads one `conv:` mapping: exactly one kernel source and its options.
struct ConvStageParser {
    let parser: PresetParser

    static let sources = ["kernel", "kernels", "weights", "gaussian", "box", "laplacian", "random"]
    static let options = ["groups", "bias", "stride", "padding", "padding_mode", "pad_value", "dilation", "flip",
                          "normalize", "scale", "activation"]

    /// `channels` is the channel count entering the stage when the preset
    /// fixes it (after `color: gray`, a weights stage, ...), nil otherwise;
    /// it is updated to the count leaving the stage.
    func parse(_ v: YAMLValue, channels: inout Int?) throws(PresetError) -> ConvSpec {
        let m = try v.mapping(allowed: Self.sources + Self.options)
        let given = Self.sources.filter { m[$0] != nil }
        guard let sourceKey = given.first else {
            throw v.error("missing a kernel source", hint: "give one of " + Self.sources.joined(separator: ", "))
        }
        if given.count > 1, let second = m.keyNode(given[1]) {
            throw second.error("a conv stage takes exactly one kernel source, this one also has '\(sourceKey)'",
                               hint: "split it into two stages")
        }
        let source = m[sourceKey]!
        if let g = m["groups"], sourceKey != "weights" {
            throw g.error("groups goes with weights, not \(sourceKey)", hint: "a kernel or bank already runs on every channel")
        }
        var generator: KernelGenerator?
        var filters: Convolution.Filters
        switch sourceKey {
        case "kernel":
            filters = .perChannel(try kernelValue(source))
        case "kernels":
            let items = try source.sequence("a list of kernels")
            guard !items.isEmpty else { throw source.expected("a non-empty list of kernels") }
            var ks: [Kernel2D] = []
            for item in items {
                let k = try kernelValue(item)
                if let first = ks.first, let bad = k.first(where: { $0.size != first.size }) {
                    throw item.expected("a \(first.size.h)x\(first.size.w) kernel like \(source.path)[0]",
                                        hint: "every kernel of a bank has one size; got \(bad.size.h)x\(bad.size.w)")
                }
                ks += k
            }
            filters = .perChannel(ks)
        case "weights":
            let groups = try m["groups"].map { g throws(PresetError) in try g.positiveInt() } ?? 1
            filters = try weights(source, groups: groups, groupsNode: m["groups"], channels: channels)
        default:
            generator = try self.generator(sourceKey, source, channels: channels)
            filters = try geometry(source) { () throws(GeometryError) in try generator!.filters() }
        }
        let normalize = try m["normalize"].map { x throws(PresetError) in try x.bool() } ?? false
        let scale = try m["scale"].map { x throws(PresetError) in Float(try x.number()) }
        filters = try geometry(v) { () throws(GeometryError) in try ConvSpec.adjust(filters, normalize: normalize, scale: scale) }

        var conv = Convolution(filters: filters)
        if let x = m["stride"] { conv.stride = try PresetParser.size2(x) }
        if let x = m["dilation"] { conv.dilation = try PresetParser.size2(x) }
        if let x = m["padding"] { conv.padding = try PresetParser.padding(x) }
        if let x = m["padding_mode"] {
            let s = try x.string("zeros, reflect, symmetric, replicate or circular")
            guard let mode = try? PadMode(parsing: s) else { throw x.expected("zeros, reflect, symmetric, replicate or circular") }
            conv.padMode = mode
        }
        if let x = m["pad_value"] { conv.padValue = Float(try x.number()) }
        if let x = m["flip"] { conv.flip = try x.bool() }
        if let x = m["activation"] { conv.activation = Activation(rawValue: try x.choice(Activation.allCases.map(\.rawValue)))! }

        let outChannels: Int?
        switch filters {
        case let .perChannel(ks): outChannels = channels.map { $0 * ks.count }
        case let .weights(w, _): outChannels = w.outChannels
        }
        if let x = m["bias"] { conv.bias = try bias(x, outChannels: outChannels) }
        channels = outChannels
        return ConvSpec(convolution: conv, generator: generator, normalize: normalize, scale: scale)
    }

    /// A GeometryError from `body` as a PresetError at `v`.
    func geometry<T>(_ v: YAMLValue, _ body: () throws(GeometryError) -> T) throws(PresetError) -> T {
        do { return try body() } catch { throw v.error(error.message, hint: error.hint) }
    }

    // MARK: Kernels

    /// A matrix (list of rows) or an ImageMagick kernel string (which may hold a `;` bank).
    private func kernelValue(_ v: YAMLValue) throws(PresetError) -> [Kernel2D] {
        if let s = v.node.scalar, s.kind == .str {
            return try geometry(v) { () throws(GeometryError) in try KernelString.parse(s.string) }
        }
        let (shape, values) = try nested(v, depth: 2, what: "a matrix (a list of rows) or a kernel string like \"3x3: 0,1,0 ...\"")
        return [try geometry(v) { () throws(GeometryError) in try Kernel2D(size: Size2(shape[0], shape[1]), values: values) }]
    }

    /// A rectangular nested list of finite numbers, `depth` levels deep: its
    /// shape and values in row-major order. Ragged and empty lists are errors
    /// at the offending node.
    func nested(_ v: YAMLValue, depth: Int, what: String) throws(PresetError) -> (shape: [Int], values: [Float]) {
        guard v.isSequence else { throw v.expected(what) }
        let items = try v.sequence()
        guard !items.isEmpty else {
            throw v.error("expected a non-empty \(depth == 1 ? "list of numbers" : depth == 2 ? "matrix" : "list"), got an empty list")
        }
        if depth == 1 {
            var values: [Float] = []
            for x in items { values.append(Float(try x.number())) }
            return ([items.count], values)
        }
        var inner: [Int]?
        var values: [Float] = []
        for (i, x) in items.enumerated() {
            let rowWhat = depth == 2 ? "a row (a list of numbers)" : "a list \(depth - 1) levels deep"
            let (s, vals) = try nested(x, depth: depth - 1, what: rowWhat)
            if let inner, inner != s {
                let like = i == 1 ? "\(v.path)[0]" : "the rows before"
                throw x.error("expected \(inner.map(String.init).joined(separator: "x")) values like \(like), "
                              + "got \(s.map(String.init).joined(separator: "x"))",
                              hint: "every row needs the same number of values")
            }
            inner = s
            values += vals
        }
        return ([items.count] + (inner ?? []), values)
    }

    /// A 4-D nested list (Cout, Cin/groups, kh, kw), or a `.npy` path relative to the preset.
    private func weights(_ v: YAMLValue, groups: Int, groupsNode: YAMLValue?, channels: Int?) throws(PresetError) -> Convolution.Filters {
        let filters: Convolution.Filters
        if let s = v.node.scalar, s.kind == .str {
            guard let directory = parser.directory else {
                throw v.error("a shipped preset cannot read weights from a file", hint: "give the weights as a nested list")
            }
            let path = s.string.hasPrefix("/") ? s.string : (directory as NSString).appendingPathComponent(s.string)
            do {
                filters = try WeightsFile.filters(path: path, groups: groups)
            } catch {
                throw v.error("\(error.message) (\(path))", hint: error.hint)
            }
        } else {
            let (shape, values) = try nested(v, depth: 4, what: "a 4-D list (Cout, Cin/groups, kh, kw) or a .npy path")
            let w = try geometry(v) { () throws(GeometryError) in
                try ConvWeights(outChannels: shape[0], inChannelsPerGroup: shape[1], kernel: Size2(shape[2], shape[3]), values: values)
            }
            filters = .weights(w, groups: groups)
        }
        if case let .weights(w, g) = filters {
            let at = groupsNode ?? v
            guard w.outChannels % g == 0 else {
                throw at.expected("a divisor of the \(w.outChannels) output channels")
            }
            if let c = channels, w.inChannelsPerGroup * g != c {
                throw at.error("weights (\(w.outChannels), \(w.inChannelsPerGroup), \(w.kernel.h), \(w.kernel.w)) with groups \(g) "
                               + "read \(w.inChannelsPerGroup * g) channels, this stage gets \(c)",
                               hint: "groups must divide the input channels: use groups = \(c) / \(w.inChannelsPerGroup) if it is whole")
            }
        }
        return filters
    }

    // MARK: Generators

    private func generator(_ key: String, _ v: YAMLValue, channels: Int?) throws(PresetError) -> KernelGenerator {
        switch key {
        case "gaussian":
            let m = try v.mapping(allowed: ["size", "sigma"], what: "{size, sigma}")
            let sigma = try m["sigma"].map { x throws(PresetError) in
                let s = try x.number("a positive number")
                guard s > 0 else { throw x.expected("a positive number") }
                return s
            }
            let size: Size2
            if let x = m["size"] {
                size = try PresetParser.size2(x)
            } else if let sigma {
                size = Size2(square: 2 * Int((3 * sigma).rounded(.up)) + 1)
            } else {
                throw v.error("missing key 'size' (or 'sigma')", hint: "e.g. gaussian: {size: 5, sigma: 1.1}")
            }
            return .gaussian(size: size, sigma: sigma)
        case "box":
            let m = try v.mapping(allowed: ["size"], what: "{size}")
            return .box(size: try PresetParser.size2(try m.required("size", "the box size")))
        case "laplacian":
            let m = try v.mapping(allowed: ["size", "neighbours"], what: "{size}")
            let size = try m["size"].map { x throws(PresetError) in
                let n = try x.int("an odd integer >= 3")
                guard n >= 3, n % 2 == 1 else { throw x.expected("an odd integer >= 3") }
                return n
            } ?? 3
            var neighbours = 8
            if let x = m["neighbours"] {
                neighbours = try x.int("4 or 8")
                guard neighbours == 4 || neighbours == 8 else { throw x.expected("4 or 8") }
                if neighbours == 4 && size != 3 { throw x.error("4 neighbours need size 3") }
            }
            return .laplacian(size: size, neighbours: neighbours)
        default:
            let m = try v.mapping(allowed: ["filters", "size", "seed", "init", "in_channels"],
                                  what: "{filters, size, seed, init}")
            let filters = try m.required("filters", "the number of filters").positiveInt()
            let size = try PresetParser.size2(try m.required("size", "the kernel size"))
            let seedValue = try m.required("seed", "an integer, so the weights are the same on every run")
            let seed = try seedValue.int("a non-negative integer")
            guard seed >= 0 else { throw seedValue.expected("a non-negative integer") }
            let initializer = try m["init"].map { x throws(PresetError) in
                WeightInit(rawValue: try x.choice(WeightInit.allCases.map(\.rawValue)))!
            } ?? .glorotUniform
            let cin: Int
            if let x = m["in_channels"] {
                cin = try x.positiveInt()
            } else if let channels {
                cin = channels
            } else {
                throw v.error("the input channel count is unknown here",
                              hint: "give in_channels, or color: gray or rgb at the top of the preset")
            }
            return .random(filters: filters, size: size, inChannels: cin, seed: UInt64(seed), init: initializer)
        }
    }

    // MARK: Bias

    func bias(_ v: YAMLValue, outChannels: Int?) throws(PresetError) -> [Float] {
        if v.isSequence {
            let (_, values) = try nested(v, depth: 1, what: "a list of numbers, one per output channel")
            if let n = outChannels, values.count != n {
                throw v.error("expected \(n) values, one per output channel, got \(values.count)")
            }
            return values
        }
        let b = Float(try v.number("a number or a list of numbers, one per output channel"))
        guard let n = outChannels else {
            throw v.error("a single bias needs a known output channel count",
                          hint: "give a list, one value per output channel, or color: gray/rgb at the top")
        }
        return [Float](repeating: b, count: n)
    }
}
