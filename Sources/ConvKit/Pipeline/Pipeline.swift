/// An ordered list of convolution stages, each run on the previous one's
/// output, after an optional colour conversion.
///
///     var p = Pipeline(stages: [conv])
///     p.color = .gray
///     let report = try p.plan(for: Shape(channels: 3, height: 480, width: 640))
///     let (out, timings) = try p.run(image)
public struct Pipeline: Sendable {
    public var color: ColorMode
    public var stages: [Convolution]

    public init(color: ColorMode = .keep, stages: [Convolution] = []) {
        self.color = color
        self.stages = stages
    }

    /// Every stage's geometry and cost on an input of `shape`, without
    /// computing anything; throws the first stage that does not fit.
    public func plan(for shape: Shape) throws(GeometryError) -> [StageReport] {
        var current = Shape(channels: try color.outputChannels(for: shape.channels), height: shape.height, width: shape.width)
        var field = ReceptiveField.identity
        var reports: [StageReport] = []
        for (i, conv) in stages.enumerated() {
            let g: ConvGeometry
            do {
                g = try conv.geometry(for: current)
            } catch {
                throw GeometryError("stage \(i + 1): \(error.message)", hint: error.hint, subject: error.subject)
            }
            field = field.then(g)
            reports.append(StageReport(index: i + 1, convolution: conv, geometry: g, receptiveField: field))
            current = g.output
        }
        return reports
    }

    /// Runs the pipeline on `input`, returning the output and each stage's time.
    public func run(_ input: Tensor, threads: Int? = nil) throws(GeometryError) -> (output: Tensor, milliseconds: [Double]) {
        var current = try input.converted(to: color)
        var times: [Double] = []
        for conv in stages {
            let start = ContinuousClock.now
            current = try conv.run(current, threads: threads)
            let d = ContinuousClock.now - start
            times.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15)
        }
        return (current, times)
    }
}

extension ColorMode {
    /// Channels after the conversion of a `channels`-channel input.
    public func outputChannels(for channels: Int) throws(GeometryError) -> Int {
        switch self {
        case .keep: return channels
        case .gray, .rgb:
            guard (1...4).contains(channels) else {
                throw GeometryError("--color \(rawValue) needs 1 to 4 channels, the input has \(channels)",
                                    hint: "use --color keep for arbitrary channel counts")
            }
            return self == .gray ? 1 : 3
        }
    }
}

/// What one stage does to its input: shapes, pads, receptive field, cost,
/// and warnings about input the stage never reads.
public struct StageReport: Sendable {
    public let index: Int
    public let convolution: Convolution
    public let geometry: ConvGeometry
    /// Receptive field and jump after this stage, on the pipeline's input.
    public let receptiveField: ReceptiveField

    /// `conv 3x3 stride 2 valid` — a short description of the stage.
    public var summary: String {
        let g = geometry
        var s = "conv \(g.kernel.h)x\(g.kernel.w)"
        if g.stride != Size2(square: 1) { s += " stride \(g.stride)" }
        if g.dilation != Size2(square: 1) { s += " dilation \(g.dilation)" }
        if g.groups > 1 { s += " groups \(g.groups)" }
        s += " \(convolution.padding)"
        if convolution.padMode != .zeros {
            s += " \(convolution.padMode.rawValue)"
        } else if convolution.padValue != 0 {
            s += " pad-value \(convolution.padValue)"
        }
        if convolution.flip { s += " flip" }
        if convolution.activation != .none { s += " \(convolution.activation.rawValue)" }
        return s
    }

    /// Learned parameters: weights and bias.
    public var parameters: Int { geometry.parameters(bias: convolution.bias != nil) }

    /// The implementation that runs this stage: direct, blocked, pointwise or separable.
    public var path: String { ((try? convolution.path(for: geometry.input)) ?? .direct).rawValue }

    /// Sentences about input rows and columns no window reads.
    public var warnings: [String] {
        [unreadWarning(geometry.rows, noun: "row"), unreadWarning(geometry.cols, noun: "column")].compactMap { $0 }
    }

    private func unreadWarning(_ a: AxisGeometry, noun: String) -> String? {
        let unread = a.unread
        guard !unread.isEmpty else { return nil }
        let plural = unread.count == 1 ? noun : noun + "s"
        let list = unread.count <= 8 ? unread.map(String.init).joined(separator: ", ")
            : unread.prefix(8).map(String.init).joined(separator: ", ") + ", ..."
        if unread == Array((a.input - unread.count)..<a.input) {
            let which = unread.count == 1 ? "the last \(noun)" : "the last \(unread.count) \(plural)"
            return "stage \(index): stride \(a.stride) leaves \(which) unread (\(noun) index \(list) of \(a.input); "
                + "floor((\(a.input) + \(a.padBefore) + \(a.padAfter) - \(a.extent)) / \(a.stride)) + 1 = \(a.output))"
        }
        return "stage \(index): \(unread.count) input \(plural) are read by no window (index \(list) of \(a.input))"
    }
}
