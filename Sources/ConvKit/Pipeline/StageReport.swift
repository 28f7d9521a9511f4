/// What one stage does to its input: shapes, pads, receptive field, cost,
/// and warnings about input the stage never reads.
///
/// `geometry` is the stage's ``ConvGeometry``: the convolution's for conv,
/// a depthwise window for pool, and a 1x1 geometry for activation, magnitude
/// and color stages (see ``Stage/geometry(for:magnitudeGroups:)``), so shapes,
/// receptive field and jump read the same way for every kind of stage.
public struct StageReport: Sendable {
    /// 1-based position in the pipeline.
    public let index: Int
    public let stage: Stage
    public let geometry: ConvGeometry
    /// Receptive field and jump after this stage, on the pipeline's input.
    public let receptiveField: ReceptiveField
    /// Warnings from outside the stage's geometry (an inexact atrous rewrite), shown with ``warnings``.
    public var notes: [String] = []

    public init(index: Int, stage: Stage, geometry: ConvGeometry, receptiveField: ReceptiveField) {
        self.index = index
        self.stage = stage
        self.geometry = geometry
        self.receptiveField = receptiveField
    }

    /// The convolution of a conv stage, nil for other stages.
    public var convolution: Convolution? { stage.convolution }

    /// A short description: `conv 3x3 stride 2 valid`, `maxpool 2x2 stride 2 valid`,
    /// `relu`, `magnitude of 2 groups`, `color gray`.
    public var summary: String {
        let g = geometry
        switch stage.operation {
        case let .conv(c):
            var s = "conv \(g.kernel.h)x\(g.kernel.w)"
            if g.stride != Size2(square: 1) { s += " stride \(g.stride)" }
            if g.dilation != Size2(square: 1) { s += " dilation \(g.dilation)" }
            if g.groups > 1 { s += " groups \(g.groups)" }
            s += " \(c.padding)"
            if c.padMode != .zeros {
                s += " \(c.padMode.rawValue)"
            } else if c.padValue != 0 {
                s += " pad-value \(c.padValue)"
            }
            if c.flip { s += " flip" }
            if c.activation != .none { s += " \(c.activation.rawValue)" }
            return s
        case let .pool(p):
            var s = "\(p.kind.rawValue)pool \(g.kernel.h)x\(g.kernel.w)"
            if g.stride != Size2(square: 1) { s += " stride \(g.stride)" }
            if g.dilation != Size2(square: 1) { s += " dilation \(g.dilation)" }
            return s + " \(p.padding)"
        case let .activation(a):
            return a.rawValue
        case .magnitude:
            return "magnitude of \(g.inChannelsPerGroup) groups"
        case let .color(mode):
            return "color \(mode.rawValue)"
        case let .transposed(t):
            var s = "transposed \(g.kernel.h)x\(g.kernel.w)"
            if g.stride != Size2(square: 1) { s += " stride \(g.stride)" }
            if g.dilation != Size2(square: 1) { s += " dilation \(g.dilation)" }
            if g.groups > 1 { s += " groups \(g.groups)" }
            if t.padding != Size2(square: 0) { s += " padding \(t.padding)" }
            if t.outputPadding != Size2(square: 0) { s += " output-padding \(t.outputPadding)" }
            if t.activation != .none { s += " \(t.activation.rawValue)" }
            return s
        case let .upsample(u):
            if let f = u.factor { return "upsample x\(f.h == f.w ? "\(f.h)" : "\(f.h),\(f.w)") \(u.mode.rawValue)" }
            return "upsample to \(g.output.height)x\(g.output.width) \(u.mode.rawValue)"
        }
    }

    /// Multiply-accumulates: the geometry's for conv; one per window tap for
    /// pool (adds or comparisons); one per squared map for magnitude; none for
    /// activation and color stages, which are element-wise.
    public var macs: Int {
        switch stage.operation {
        case .conv, .pool, .magnitude, .transposed, .upsample: geometry.macs
        case .activation, .color: 0
        }
    }

    /// Learned parameters: weights and bias of a conv stage; 0 otherwise.
    public var parameters: Int {
        if case let .transposed(t) = stage.operation {
            return t.weights.values.count + (t.bias == nil ? 0 : geometry.outChannels)
        }
        guard let c = convolution else { return 0 }
        return geometry.parameters(bias: c.bias != nil)
    }

    /// The implementation that runs this stage: direct, blocked, pointwise or
    /// separable for conv; `pool`, `elementwise`, `magnitude` or `color` otherwise.
    public var path: String {
        switch stage.operation {
        case let .conv(c): ((try? c.path(for: geometry.input)) ?? .direct).rawValue
        case .pool: "pool"
        case .activation: "elementwise"
        case .magnitude: "magnitude"
        case .color: "color"
        case .transposed: "transposed"
        case let .upsample(u): u.mode.rawValue
        }
    }

    /// Sentences about input rows and columns no window reads.
    public var warnings: [String] {
        [unreadWarning(geometry.rows, noun: "row"), unreadWarning(geometry.cols, noun: "column"), checkerboardWarning]
            .compactMap { $0 } + notes
    }

    /// A transposed stage whose kernel size is not a multiple of its stride
    /// lands unequal numbers of taps on neighbouring outputs (Odena et al. 2016).
    private var checkerboardWarning: String? {
        guard case .transposed = stage.operation else { return nil }
        let g = geometry
        let uneven = [("rows", g.rows), ("columns", g.cols)].filter { $0.1.kernel % $0.1.stride != 0 }
        guard !uneven.isEmpty else { return nil }
        let axes = uneven.map { "kernel \($0.1.kernel) along \($0.0), stride \($0.1.stride)" }.joined(separator: "; ")
        return "stage \(index): transposed kernel size is not a multiple of the stride (\(axes)): "
            + "outputs receive unequal numbers of taps, a checkerboard (see --overlay overlap; "
            + "use a kernel size divisible by the stride, or upsample then convolve)"
    }

    private func unreadWarning(_ a: AxisGeometry, noun: String) -> String? {
        let unread = a.unread
        guard !unread.isEmpty else { return nil }
        let plural = unread.count == 1 ? noun : noun + "s"
        let list = unread.count <= 8 ? unread.map(String.init).joined(separator: ", ")
            : unread.prefix(8).map(String.init).joined(separator: ", ") + ", ..."
        if !a.isDenser && unread == Array((a.input - unread.count)..<a.input) {
            let which = unread.count == 1 ? "the last \(noun)" : "the last \(unread.count) \(plural)"
            return "stage \(index): stride \(a.stride) leaves \(which) unread (\(noun) index \(list) of \(a.input); "
                + "floor((\(a.input) + \(a.padBefore) + \(a.padAfter) - \(a.extent)) / \(a.stride)) + 1 = \(a.output))"
        }
        return "stage \(index): \(unread.count) input \(plural) are read by no window (index \(list) of \(a.input))"
    }
}
