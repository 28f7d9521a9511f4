import ConvKit

/// A batch that cannot start or a manifest that cannot be used: which file
/// (and manifest line), what happened, and how to fix it.
///
///     // "out/convkit-manifest.jsonl:12: not a JSON object (a line was cut short; remove it or rerun without --resume)"
public struct BatchError: ConvKitError, Equatable {
    /// The file the error is about (an input, a list, the manifest, the output directory), if any.
    public var path: String?
    /// The 1-based line in `path`, for manifests and input lists.
    public var line: Int?
    public var message: String
    public var hint: String?

    public init(_ message: String, path: String? = nil, line: Int? = nil, hint: String? = nil) {
        self.message = message
        self.path = path
        self.line = line
        self.hint = hint
    }

    /// `path:line`, or `path`, or nil.
    public var subject: String? {
        guard let path else { return nil }
        return line.map { "\(path):\($0)" } ?? path
    }
}
