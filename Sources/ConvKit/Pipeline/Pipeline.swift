/// An ordered list of stages, each run on the previous one's output, after
/// an optional colour conversion.
///
///     var p = Pipeline(stages: [.conv(conv), .pool(Pooling(.max, size: Size2(square: 2)))])
///     p.color = .gray
///     let report = try p.plan(for: Shape(channels: 3, height: 480, width: 640))
///     let (out, timings) = try p.run(image)
public struct Pipeline: Hashable, Sendable {
    public var color: ColorMode
    public var stages: [Stage]
    /// When set, the pipeline runs as its atrous rewrite for this total stride
    /// (`--output-stride N`, see ``atrous(outputStride:input:)``): planned, run
    /// and streamed with strides removed and later stages dilated.
    public var outputStride: Int?

    public init(color: ColorMode = .keep, stages: [Stage] = []) {
        self.color = color
        self.stages = stages
    }

    /// A pipeline of convolutions only.
    public init(color: ColorMode = .keep, stages: [Convolution]) {
        self.init(color: color, stages: stages.map(Stage.conv))
    }

    /// The convolutions of the conv stages, in order.
    public var convolutions: [Convolution] { stages.compactMap(\.convolution) }

    /// Every stage's geometry and cost on an input of `shape`, without
    /// computing anything; throws the first stage that does not fit. The
    /// error of a stage read from a preset names its file, line and column.
    public func plan(for shape: Shape) throws(GeometryError) -> [StageReport] {
        if let n = outputStride {
            let rewrite = try atrous(outputStride: n, input: shape)
            var reports = try rewrite.pipeline.plan(for: shape)
            for sentence in rewrite.inexact {
                let i = rewrite.rewritten.first { sentence.hasPrefix("stage \($0):") } ?? reports.count
                reports[max(0, min(i, reports.count) - 1)].notes.append("--output-stride \(n) is not exact: " + sentence)
            }
            return reports
        }
        var current = Shape(channels: try color.outputChannels(for: shape.channels), height: shape.height, width: shape.width)
        var field = ReceptiveField.identity
        var reports: [StageReport] = []
        for (i, stage) in stages.enumerated() {
            let g: ConvGeometry
            do {
                g = try stage.geometry(for: current, magnitudeGroups: magnitudeGroups(at: i))
            } catch {
                if let o = stage.origin {
                    throw GeometryError("\(o.keyPath): \(error.message)", hint: error.hint, subject: o.location)
                }
                throw GeometryError("stage \(i + 1): \(error.message)", hint: error.hint, subject: error.subject)
            }
            field = field.then(g)
            reports.append(StageReport(index: i + 1, stage: stage, geometry: g, receptiveField: field))
            current = g.output
        }
        return reports
    }

    /// Runs the pipeline on `input`, returning the output and each stage's
    /// time in milliseconds (the initial colour conversion is not timed).
    /// A stage's time covers preparing its weights too (see ``timedRun(_:threads:)`` for the two apart).
    public func run(_ input: Tensor, threads: Int? = nil) throws(GeometryError) -> (output: Tensor, milliseconds: [Double]) {
        let r = try timedRun(input, threads: threads)
        return (r.output, zip(r.milliseconds, r.prepareMilliseconds).map(+))
    }

    /// Runs the pipeline on `input`, timing each stage's preparation (the plan:
    /// weights packed or transformed, or taken from earlier runs of the same
    /// convolution) apart from its computation.
    ///
    ///     let r = try p.timedRun(image)
    ///     print(r.prepareMilliseconds[0], r.milliseconds[0])
    public func timedRun(_ input: Tensor, threads: Int? = nil) throws(GeometryError) -> TimedRun {
        let reports = try plan(for: input.shape)
        var current = try input.converted(to: color)
        var times: [Double] = [], prepares: [Double] = []
        func since(_ start: ContinuousClock.Instant) -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
        }
        for r in reports {
            let start = ContinuousClock.now
            let kernel = try StageKernel(r)
            prepares.append(since(start))
            let run = ContinuousClock.now
            current = kernel.run(current, threads: threads ?? defaultThreadCount)
            times.append(since(run))
        }
        return TimedRun(output: current, milliseconds: times, prepareMilliseconds: prepares)
    }

    /// What ``timedRun(_:threads:)`` returns.
    public struct TimedRun: Sendable {
        public var output: Tensor
        /// Per stage, the computation alone.
        public var milliseconds: [Double]
        /// Per stage, making its plan (preparing a convolution's weights; near 0 for other stages).
        public var prepareMilliseconds: [Double]
    }

    /// This pipeline followed by `next`: `next`'s colour becomes a color
    /// stage (or this pipeline's colour when this one has no stages and keeps
    /// colours), then `next`'s stages follow.
    ///
    ///     let edges = blur.then(sobel)   // what `--filter blur --filter sobel` runs
    public func then(_ next: Pipeline) -> Pipeline {
        var out = self
        out.outputStride = outputStride ?? next.outputStride
        if out.stages.isEmpty && out.color == .keep {
            out.color = next.color
        } else if out.stages.isEmpty && next.color == .keep {
            // nothing to convert
        } else if next.color != .keep {
            out.stages.append(.color(next.color))
        }
        out.stages += next.stages
        return out
    }

    /// The pipeline with the given geometry settings replacing those of every
    /// conv stage (what `--stride`, `--padding`, `--padding-mode`,
    /// `--pad-value` and `--dilation` do to a preset). Pool stages keep theirs.
    public func overriding(_ o: ConvOverrides) -> Pipeline {
        var out = self
        for i in out.stages.indices {
            guard case var .conv(c) = out.stages[i].operation else { continue }
            if let s = o.stride { c.stride = s }
            if let d = o.dilation { c.dilation = d }
            if let p = o.padding { c.padding = p }
            if let m = o.padMode { c.padMode = m }
            if let v = o.padValue { c.padValue = v }
            out.stages[i].operation = .conv(c)
        }
        return out
    }

    /// The groups a magnitude stage at `index` combines: its own `groups`,
    /// or the kernel count of the nearest earlier conv bank.
    func magnitudeGroups(at index: Int) -> Int? {
        guard case let .magnitude(m) = stages[index].operation else { return nil }
        if let g = m.groups { return g }
        for s in stages[..<index].reversed() {
            switch s.operation {
            case .activation: continue
            case let .conv(c):
                if case let .perChannel(ks) = c.filters { return ks.count }
                return nil
            default: return nil
            }
        }
        return nil
    }
}

/// Geometry settings that replace those of every conv stage; nil keeps the stage's own.
public struct ConvOverrides: Hashable, Sendable {
    public var stride: Size2?
    public var padding: Padding?
    public var padMode: PadMode?
    public var padValue: Float?
    public var dilation: Size2?

    public init(stride: Size2? = nil, padding: Padding? = nil, padMode: PadMode? = nil,
                padValue: Float? = nil, dilation: Size2? = nil) {
        self.stride = stride
        self.padding = padding
        self.padMode = padMode
        self.padValue = padValue
        self.dilation = dilation
    }

    public var isEmpty: Bool { self == ConvOverrides() }
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
