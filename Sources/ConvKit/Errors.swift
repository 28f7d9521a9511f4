/// An error a user can act on: what happened, to which file or option, and a hint.
///
/// The command-line tool prints every such error as
/// `convkit: error: <subject>: <message> (<hint>)`.
public protocol ConvKitError: Error, CustomStringConvertible, Sendable {
    /// The file (or option) the error is about, when there is one.
    var subject: String? { get }
    /// What went wrong, stating the numbers involved.
    var message: String { get }
    /// How to fix it, when there is something to say.
    var hint: String? { get }
}

extension ConvKitError {
    public var description: String {
        var s = subject.map { "\($0): " } ?? ""
        s += message
        if let hint { s += " (\(hint))" }
        return s
    }
}

/// A convolution whose sizes, padding or options do not fit together.
///
///     // "kernel 5 with dilation 1 needs at least 5 rows, the padded input has 3"
public struct GeometryError: ConvKitError, Equatable {
    public var subject: String?
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil, subject: String? = nil) {
        self.message = message
        self.hint = hint
        self.subject = subject
    }
}
