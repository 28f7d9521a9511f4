import ConvKit

/// A file that could not be read or written: which file, which codec, and
/// the library's own message.
///
///     // "photo.png: PNG: IHDR: CRC error (the file is corrupt)"
public struct CodecError: ConvKitError, Equatable {
    public var path: String
    /// `PNG`, `JPEG`, `NPY`, or nil when no codec was chosen yet.
    public var codec: String?
    public var message: String
    public var hint: String?

    public init(path: String, codec: String? = nil, _ message: String, hint: String? = nil) {
        self.path = path
        self.codec = codec
        self.message = message
        self.hint = hint
    }

    public var subject: String? { path }
}

extension CodecError {
    public var description: String {
        var s = "\(path): "
        if let codec { s += "\(codec): " }
        s += message
        if let hint { s += " (\(hint))" }
        return s
    }
}
