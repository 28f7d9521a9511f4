/// The version convkit reports in `--version`, `--json` and PNG metadata.
public let convkitVersion = "0.1.0"

/// A stage report as plain values, for `--json` output and metadata.
///
/// Shapes are given as `[C, H, W]`; pads as `[top, bottom, left, right]`;
/// receptive field and jump as `[rows, columns]`.
public struct StageSummary: Codable, Sendable, Equatable {
    public var stage: Int
    /// conv, pool, activation, magnitude, color, transposed or upsample.
    public var kind: String
    public var operation: String
    /// `file:line:col` of the stage in its preset file, when it came from one.
    public var origin: String?
    public var input: [Int]
    public var output: [Int]
    public var padding: [Int]
    public var receptiveField: [Int]
    public var jump: [Int]
    public var macs: Int
    public var parameters: Int
    public var outputBytes: Int
    public var density: Double
    public var unreadRows: [Int]
    public var unreadColumns: [Int]
    public var path: String
    /// The stage's computation, without ``prepareMilliseconds``.
    public var milliseconds: Double?
    /// Making the stage's plan: a convolution's weights packed, transformed or
    /// factored (or found prepared by an earlier run), timed apart.
    public var prepareMilliseconds: Double?
    public var warnings: [String]

    public init(_ r: StageReport, milliseconds: Double? = nil, prepareMilliseconds: Double? = nil) {
        let g = r.geometry
        stage = r.index
        kind = r.stage.kind
        operation = r.summary
        origin = r.stage.origin.map { "\($0.location) \($0.keyPath)" }
        input = [g.input.channels, g.input.height, g.input.width]
        output = [g.output.channels, g.output.height, g.output.width]
        padding = [g.rows.padBefore, g.rows.padAfter, g.cols.padBefore, g.cols.padAfter]
        receptiveField = [r.receptiveField.size.h, r.receptiveField.size.w]
        jump = [r.receptiveField.jump.h, r.receptiveField.jump.w]
        macs = r.macs
        parameters = r.parameters
        outputBytes = g.outputBytes
        density = g.density
        unreadRows = g.rows.unread
        unreadColumns = g.cols.unread
        path = r.path
        self.milliseconds = milliseconds
        self.prepareMilliseconds = prepareMilliseconds
        warnings = r.warnings
    }
}
