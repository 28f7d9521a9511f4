import ConvKit

/// A preset file that cannot be read or does not describe a valid pipeline:
/// the file, line and column, the key path and what was expected.
///
///     // edges.yaml:7:9: stages[0].conv.stride: expected a positive integer or "SH,SW", got -1
public struct PresetError: ConvKitError, Equatable {
    /// The file as the user named it (`name.yaml` for a shipped preset).
    public var file: String
    /// 1-based line and column, or nil when the error is about the whole file.
    public var line: Int?
    public var column: Int?
    /// Where in the document: `stages[0].conv.stride`; empty for the document itself.
    public var keyPath: String
    /// What is wrong, e.g. `expected a positive integer or "SH,SW", got -1`.
    public var problem: String
    public var hint: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, keyPath: String = "", _ problem: String,
                hint: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.problem = problem
        self.hint = hint
    }

    /// `file:line:col`, or the file alone.
    public var subject: String? {
        guard let line, let column else { return file }
        return "\(file):\(line):\(column)"
    }

    /// `key.path: problem`.
    public var message: String { keyPath.isEmpty ? problem : "\(keyPath): \(problem)" }
}
