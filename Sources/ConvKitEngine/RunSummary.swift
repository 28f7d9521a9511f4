import ConvKit
import ConvKitIO
import ConvKitReport

/// What `apply --json` prints for a run, one strip or many: shapes, per-stage
/// geometry and time, the analyses, the clipping and quantisation of the
/// written file, and the memory plan. The file's tEXt carries the same
/// accounting (``Accounting``), the time and the quantisation after its pixels.
public struct RunSummary: Encodable, Sendable {
    public var version = convkitVersion
    public var input: String
    public var outputs: [String]
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var density: Double
    public var macs: Int
    public var stages: [StageSummary]
    /// The stages' time, summed (what `convkit:milliseconds` says).
    public var milliseconds: Double
    /// Unread input rows and columns, pad influence (SPEC section 10 items 1-2).
    public var analysis: Analysis
    /// Clipping and quantisation of the written file; nil for `.npy`.
    public var quantization: QuantizationReport?
    /// The plan that ran (one strip or many), its predicted and measured peak memory.
    public var memory: Engine.MemoryPlan

    /// tEXt keys written after the pixel data: known only once every row is.
    public static let trailingKeys = ["convkit:milliseconds", "convkit:stages", "convkit:clipped",
                                      "convkit:quantization", "convkit:warning"]

    public init(input: String, outputs: [String], inputShape: Shape, outputShape: Shape, stages: [StageSummary],
                milliseconds: Double, analysis: Analysis, quantization: QuantizationReport?, memory: Engine.MemoryPlan) {
        self.memory = memory
        self.analysis = analysis
        self.quantization = quantization
        self.input = input
        self.outputs = outputs
        self.inputShape = [inputShape.channels, inputShape.height, inputShape.width]
        self.outputShape = [outputShape.channels, outputShape.height, outputShape.width]
        self.density = Double(outputShape.count) / Double(max(inputShape.count, 1))
        self.macs = stages.reduce(0) { $0 + $1.macs }
        self.stages = stages
        self.milliseconds = milliseconds
    }
}

/// The analyses of SPEC section 10 as `apply` reports them: the input rows
/// and columns no window reads, and how much of each output's receptive
/// field is padding (from per-axis profiles, without an output-sized map, so
/// that a 40000x40000 run reports it as cheaply as a thumbnail).
public struct Analysis: Encodable, Sendable {
    public var unread: UnreadMap
    public var padInfluence: PadInfluenceSummary
    /// The last transposed stage's overlap, when there is one.
    public var overlap: OverlapSummary?

    public struct OverlapSummary: Encodable, Sendable {
        public var stage: Int
        public var min: Int
        public var max: Int
        /// The tap counts that occur, and those away from the border (more than one: a checkerboard).
        public var levels: [Int]
        public var interiorLevels: [Int]
        public var summary: String

        init(_ m: OverlapMap) {
            (stage, min, max, levels, interiorLevels, summary) = (m.stage, m.minimum, m.maximum, m.levels, m.interiorLevels, m.summary)
        }
    }

    public struct PadInfluenceSummary: Encodable, Sendable {
        public var outputs: Int
        public var touched: Int
        public var maximum: Float
        public var mean: Double
        /// Mean fraction along the top row, bottom row, left and right column.
        public var sides: [Double]
        public var summary: String
    }

    public init(stages: [StageReport]) {
        unread = UnreadMap(stages: stages)
        overlap = OverlapMap(stages: stages).map(OverlapSummary.init)
        let p = PadInfluenceProfile(stages: stages)
        let s = p.sides
        padInfluence = PadInfluenceSummary(outputs: p.rows.count * p.cols.count, touched: p.touched, maximum: Float(p.maximum),
                                           mean: p.mean, sides: [s.top, s.bottom, s.left, s.right], summary: p.summary)
    }

    /// What `apply --overlay` prints: the unread and pad-influence summaries.
    public var lines: [String] { [unread.summary, padInfluence.summary] + (overlap.map { [$0.summary] } ?? []) }
}
