import ConvKit

/// A report that cannot be made: a font FreeType cannot load, a sweep that
/// does not parse, an output that cannot be written.
///
///     // "--sweep: unknown key 'strid' (keys: stride, padding, padding_mode, dilation, kernel)"
public struct ReportError: ConvKitError, Equatable {
    public var subject: String?
    public var message: String
    public var hint: String?

    public init(_ message: String, hint: String? = nil, subject: String? = nil) {
        self.message = message
        self.hint = hint
        self.subject = subject
    }
}
