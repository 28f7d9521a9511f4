import Foundation

/// Finds DejaVu Sans, the font every label is drawn with.
///
/// Order: `$CONVKIT_FONT` (a path; an error if it cannot be read), the
/// standard paths of Debian (`fonts-dejavu-core`), Fedora, Arch and
/// Homebrew, then fontconfig (`fc-match "DejaVu Sans"`), and finally a copy
/// embedded in the binary (a Latin-1 subset), so labels never vanish.
///
///     let font = try FontLocator.dejaVuSans()
///     font.source   // "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
public enum FontLocator {
    public struct Font: Sendable {
        public let bytes: [UInt8]
        /// The file it came from, or "embedded DejaVu Sans (Latin-1 subset)".
        public let source: String
    }

    static let standardPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/opt/homebrew/share/fonts/DejaVuSans.ttf",
    ]

    /// The font, found once per process.
    public static func dejaVuSans() throws(ReportError) -> Font {
        try cached.get()
    }

    /// The embedded fallback copy.
    public static var embedded: Font {
        Font(bytes: [UInt8](Data(base64Encoded: embeddedDejaVuSans, options: .ignoreUnknownCharacters) ?? Data()),
             source: "embedded DejaVu Sans (Latin-1 subset)")
    }

    private static let cached: Result<Font, ReportError> = Result { () throws(ReportError) -> Font in try locate() }

    static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ReportError) -> Font {
        if let path = environment["CONVKIT_FONT"], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
                throw ReportError("cannot read the font file", hint: "CONVKIT_FONT names a TrueType file; unset it to use DejaVu Sans",
                                  subject: path)
            }
            return Font(bytes: [UInt8](data), source: path)
        }
        for path in standardPaths + [fontconfigPath()].compactMap({ $0 }) {
            if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
                return Font(bytes: [UInt8](data), source: path)
            }
        }
        return embedded
    }

    /// What fontconfig answers for DejaVu Sans, if it is DejaVu Sans.
    private static func fontconfigPath() -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/fc-match")
        p.arguments = ["-f", "%{file}", "DejaVu Sans:style=Book"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let path = String(decoding: data, as: UTF8.self)
        return path.hasSuffix("DejaVuSans.ttf") ? path : nil
    }
}
