import ConvKit
import ConvKitIO

/// A hash of everything that decides an output's bytes: the resolved
/// pipeline (every stage, every weight), the decode and output options and
/// the convkit version. `--resume` redoes an input whose recorded fingerprint
/// differs, so changing a kernel, a stride or `--depth` redoes the batch.
///
///     let f = Fingerprint(pipeline: p, format: .png, layout: .auto, encode: o, decode: d)
///     f.value    // "3f1c0e6a9b2d4c71" (16 hex digits)
public struct Fingerprint: Sendable, Equatable, CustomStringConvertible {
    /// The canonical text that was hashed.
    public let canonical: String
    /// FNV-1a 64 of `canonical`, 16 hex digits.
    public let value: String

    public init(pipeline: Pipeline, format: ImageFormat, layout: Layout, encode: EncodeOptions, decode: DecodeOptions,
                writer: String = "", version: String = convkitVersion) {
        var text = "convkit \(version)\n"
        text += "pipeline " + Canonical.describe(pipeline) + "\n"
        text += "format \(format.rawValue) layout \(layout.rawValue) map \(encode.map) depth \(encode.depth)"
        if format == .jpeg { text += " quality \(encode.quality)" }
        if format == .png && encode.pngCompression != EncodeOptions.defaultPNGCompression {
            text += " png-compression \(encode.pngCompression)"
        }
        if !writer.isEmpty { text += " " + writer }
        text += "\nauto-orient \(decode.autoOrient)\n"
        canonical = text
        value = StableHash.hex(StableHash.fnv1a64(text))
    }

    public var description: String { value }
}

/// A deterministic description of any value built from structs, enums,
/// arrays and numbers, found by reflection, so that it follows the pipeline
/// types as they grow new stages without a list to keep in step.
/// Dictionaries and sets are written in sorted order; floats in their
/// shortest round-trip form; pointers (which differ per run) as `<pointer>`.
/// A stage's ``StageOrigin`` (the preset file and line it was read from) is
/// left out: it says where a stage was written, not what it computes.
enum Canonical {
    static func describe(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    /// `is StageOrigin?` would also match every nil of any optional type.
    private static func isOrigin(_ value: Any) -> Bool {
        let t = Mirror(reflecting: value).subjectType
        return t == StageOrigin.self || t == Optional<StageOrigin>.self
    }

    private static func write(_ value: Any, into out: inout String) {
        let mirror = Mirror(reflecting: value)
        let typeName = String(reflecting: mirror.subjectType)
        if typeName.contains("Unsafe") || typeName.contains("OpaquePointer") {
            out += "<pointer>"
            return
        }
        switch mirror.displayStyle {
        case .optional:
            if let some = mirror.children.first { write(some.value, into: &out) } else { out += "nil" }
        case .collection:
            out += "["
            for (i, child) in mirror.children.enumerated() {
                if i > 0 { out += "," }
                write(child.value, into: &out)
            }
            out += "]"
        case .set, .dictionary:
            let parts = mirror.children.map { describe($0.value) }.sorted()
            out += "{" + parts.joined(separator: ",") + "}"
        case .enum:
            out += typeName + "."
            if let payload = mirror.children.first {
                out += (payload.label ?? "?") + "("
                write(payload.value, into: &out)
                out += ")"
            } else {
                out += String(describing: value)
            }
        default:
            if mirror.children.isEmpty {
                out += String(describing: value)
                return
            }
            if mirror.displayStyle != .tuple { out += typeName }
            out += "("
            for (i, child) in mirror.children.enumerated() where !isOrigin(child.value) {
                if i > 0 { out += "," }
                if let label = child.label { out += label + ":" }
                write(child.value, into: &out)
            }
            out += ")"
        }
        if let superMirror = mirror.superclassMirror, !superMirror.children.isEmpty {
            out += "^"
            for child in superMirror.children { write(child.value, into: &out) }
        }
    }
}
