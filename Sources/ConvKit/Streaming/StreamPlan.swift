#if canImport(Glibc)
import Glibc
#endif

/// Fills rows `rows` of every channel of the streamed input into `buffer`,
/// channel after channel: sample (c, y, x) at `(c * rows.count + y - rows.lowerBound) * width + x`.
/// Rows are asked for top to bottom, except that a plan with
/// ``StreamPlan/rowsAhead`` first asks for those (a sequential decoder then
/// needs a second pass).
public typealias RowReading = (_ rows: Range<Int>, _ buffer: UnsafeMutableBufferPointer<Float>) throws -> Void

/// Receives rows `rows` of every output channel, top to bottom, in the layout of ``RowReading``.
public typealias RowWriting = (_ rows: Range<Int>, _ buffer: UnsafeBufferPointer<Float>) throws -> Void

/// A pipeline run on an image a strip of rows at a time, with memory
/// independent of the image's height: each stage keeps a window of its input
/// rows (the rows its next output rows read, from ``AxisGeometry/inputRange(forOutputs:)``)
/// plus the few rows its pad mode maps to from beyond the image's edges.
///
/// The output is bit-identical to ``Pipeline/run(_:threads:)``: every stage
/// runs the same kernels on the same rows, and output rows are computed in
/// pieces that start at multiples of ``alignment`` (Winograd tiles start
/// where a piece starts). Rows that circular padding needs from the far end
/// of a stage's input before the stream reaches them are computed first, in
/// a pre-pass that reads ``rowsAhead`` of the input.
///
///     let plan = try StreamPlan(pipeline: p, input: Shape(channels: 3, height: 40_000, width: 40_000))
///     try plan.run(read: { rows, buffer in try reader.read(rows: rows, into: buffer) },
///                  write: { rows, buffer in try writer.write(rows: rows.count, from: buffer) })
public struct StreamPlan: Sendable {
    /// Output rows are computed in pieces starting at multiples of this.
    public static let alignment = 8

    public let input: Shape
    public let output: Shape
    /// The pipeline's stages (the colour conversion, when there is one, runs first and is not among them).
    public let reports: [StageReport]
    /// Per stage of ``reports``, the milliseconds its plan took to make (weights prepared), once per plan.
    public let prepareMilliseconds: [Double]
    /// Input rows read before the streaming pass (for circular padding); empty for most pipelines.
    public let rowsAhead: [Int]
    let stages: [StreamStage]

    /// A plan whose pieces of output rows hold about `pieceBytes` each.
    public init(pipeline: Pipeline, input: Shape, pieceBytes: Int = 16 << 20) throws(GeometryError) {
        self.input = input
        reports = try pipeline.plan(for: input)
        var kernels: [StageKernel] = []
        if pipeline.color != .keep {
            let g = try Stage.color(pipeline.color).geometry(for: input)
            kernels.append(try StageKernel(StageReport(index: 0, stage: .color(pipeline.color), geometry: g,
                                                       receptiveField: .identity)))
        }
        // Every stage's plan (its weights prepared) is made here, once; the strips reuse it.
        var prepares: [Double] = []
        for r in reports {
            let start = ContinuousClock.now
            kernels.append(try StageKernel(r))
            let d = ContinuousClock.now - start
            prepares.append(Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15)
        }
        prepareMilliseconds = prepares
        output = kernels.last?.geometry.output ?? input
        var stages = kernels.map { StreamStage($0, pieceBytes: pieceBytes) }
        // Pre-pass, from the last stage back: the output rows each stage computes
        // before streaming (aligned pieces), and the input rows those and its
        // early edge rows need.
        var needed: [Int] = []
        for s in stages.indices.reversed() {
            stages[s].prepass = StreamStage.alignedPieces(covering: needed, height: stages[s].geometry.output.height)
            needed = stages[s].inputRows(forPieces: stages[s].prepass, plus: stages[s].earlyEdges)
        }
        rowsAhead = needed
        self.stages = stages
    }

    /// Bytes of the buffers the run allocates: every stage's window, pinned
    /// rows and output piece, and the rows read at once from the input.
    public var predictedPeakBytes: Int {
        stages.reduce(0) { $0 + $1.bufferFloats } * MemoryLayout<Float>.size + readFloats * MemoryLayout<Float>.size
    }

    /// Bytes of one piece of output rows as the plan hands them to its writer.
    public var outputPieceBytes: Int {
        guard let last = stages.last else { return readFloats * MemoryLayout<Float>.size }
        return last.pieceRows * output.channels * output.width * MemoryLayout<Float>.size
    }

    /// The most rows the first stage asks the reader for at once, times the input's row floats.
    var readFloats: Int {
        guard let first = stages.first else { return 0 }
        return (first.windowRows + StreamPlan.alignment) * input.channels * input.width
    }

    /// Whether the pre-pass reads input rows out of order (a sequential decoder then decodes twice).
    public var needsSecondPass: Bool { !rowsAhead.isEmpty }

    /// Streams the whole image: `read` supplies input rows, `write` receives
    /// every output row once, in order. Errors thrown by either stop the run.
    public func run(read: RowReading, write: RowWriting, threads: Int? = nil) throws {
        try withoutActuallyEscaping(read) { read in
            let runner = StreamRunner(plan: self, read: read, threads: threads ?? defaultThreadCount)
            try runner.prepass()
            guard let last = stages.indices.last else {
                try runner.copyThrough(write: write)
                return
            }
            try runner.produce(stage: last, rows: 0..<output.height) { rows, buffer in try write(rows, buffer) }
        }
    }
}

/// One stage of a ``StreamPlan``: its kernel and the sizes of its buffers.
struct StreamStage: Sendable {
    let kernel: StageKernel
    var geometry: ConvGeometry { kernel.geometry }
    /// Output rows computed at once (a multiple of the alignment, or the whole height).
    let pieceRows: Int
    /// Input rows the window holds at most (it grows if a geometry needs more).
    let windowRows: Int
    /// Input rows that the pad mode maps to from outside the image, sorted; pinned once seen.
    let edges: [Int]
    /// Edge rows needed before the stream reaches them (circular padding's last rows, at the top).
    let earlyEdges: [Int]
    /// Output rows computed in the pre-pass (sorted, whole aligned pieces).
    var prepass: [Int] = []

    init(_ kernel: StageKernel, pieceBytes: Int) {
        self.kernel = kernel
        let g = kernel.geometry, a = g.rows, q = StreamPlan.alignment
        let rowBytes = max(1, g.output.channels * g.output.width * MemoryLayout<Float>.size)
        let wanted = max(q, pieceBytes / rowBytes / q * q)
        pieceRows = min(wanted, max(q, (a.output + q - 1) / q * q))
        // The rows one piece reads ((pieceRows-1)*stride + extent for a window; fewer for a denser stage).
        windowRows = min(a.input, a.inputRange(forOutputs: 0..<pieceRows).count + q)
        // Pad rows map to edge rows, which are pinned as the stream passes them. Kernels copy
        // whole padded bands, so every pad row of the span counts, not only the taps. Rows are
        // produced top to bottom without gaps, so a row is missing only when a pad row above
        // the image maps below the rows the first piece reads: those are computed ahead.
        var edges = Set<Int>(), early = Set<Int>()
        if case let .conv(plan) = kernel.operation, plan.padMode != .zeros, a.output > 0 {
            let produced = max(0, min(a.inputRange(forOutputs: 0..<1).upperBound, a.input))
            for y in a.inputRange(forOutputs: 0..<a.output) where y < 0 || y >= a.input {
                guard let e = plan.padMode.sourceIndex(y, count: a.input) else { continue }
                edges.insert(e)
                if y < 0 && e >= produced { early.insert(e) }
            }
        }
        self.edges = edges.sorted()
        self.earlyEdges = early.sorted()
    }

    /// Floats of the window, the pinned rows and the output piece.
    var bufferFloats: Int {
        let i = geometry.input, o = geometry.output
        return (windowRows + StreamPlan.alignment + edges.count) * i.channels * i.width + pieceRows * o.channels * o.width
    }

    /// Every input row (pads mapped through the pad mode) that the output
    /// rows `pieces` read, with `extra`, sorted and without repeats.
    func inputRows(forPieces rows: [Int], plus extra: [Int]) -> [Int] {
        var set = Set(extra)
        let a = geometry.rows
        for run in consecutiveRuns(rows) {
            for y in a.inputRange(forOutputs: run) {
                if y >= 0 && y < a.input {
                    set.insert(y)
                } else if let e = mappedRow(y) {
                    set.insert(e)
                }
            }
        }
        return set.sorted()
    }

    /// The input row that padded row `y` reads, or nil for a constant (zeros, or a pool's ignored pad).
    func mappedRow(_ y: Int) -> Int? {
        guard case let .conv(plan) = kernel.operation else { return nil }
        return plan.padMode.sourceIndex(y, count: geometry.rows.input)
    }

    /// `rows` widened to whole pieces `[k*q, min((k+1)*q, height))`, sorted.
    static func alignedPieces(covering rows: [Int], height: Int) -> [Int] {
        let q = StreamPlan.alignment
        var out = Set<Int>()
        for r in rows {
            let start = r / q * q
            for y in start..<min(start + q, height) { out.insert(y) }
        }
        return out.sorted()
    }
}

/// Runs of consecutive values in a sorted array: [1, 2, 3, 7, 8] -> [1..<4, 7..<9].
func consecutiveRuns(_ sorted: [Int]) -> [Range<Int>] {
    var runs: [Range<Int>] = []
    for v in sorted {
        if let last = runs.last, last.upperBound == v {
            runs[runs.count - 1] = last.lowerBound..<(v + 1)
        } else {
            runs.append(v..<(v + 1))
        }
    }
    return runs
}
