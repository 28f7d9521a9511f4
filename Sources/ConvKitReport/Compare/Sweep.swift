import ConvKit
import Foundation

/// One swept setting of `convkit compare`: a key and its values.
///
///     let s = try Sweep(parsing: "stride=1,2")     // key .stride, values ["1", "2"]
///     let p = try Sweep(parsing: "padding=1,2;same") // ';' separates values that hold commas
///
/// `stride`, `padding`, `padding_mode` and `dilation` replace that setting
/// in every conv stage of the pipeline; `kernel` asks the pipeline's source
/// for a generator kernel of that size (see ``ComparisonRun/PipelineSource``).
public struct Sweep: Sendable, Hashable {
    public enum Key: String, Sendable, CaseIterable {
        case stride, padding, padding_mode, dilation, kernel
    }

    public let key: Key
    public let values: [String]

    public init(key: Key, values: [String]) {
        self.key = key
        self.values = values
    }

    /// Parses `KEY=V1,V2,...`; values are checked as the key requires.
    public init(parsing text: String) throws(ReportError) {
        let keys = Key.allCases.map(\.rawValue).joined(separator: ", ")
        guard let eq = text.firstIndex(of: "=") else {
            throw ReportError("'\(text)' is not KEY=V1,V2,...", hint: "e.g. --sweep stride=1,2 (keys: \(keys))", subject: "--sweep")
        }
        let name = text[..<eq].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "_")
        guard let key = Key(rawValue: name) else {
            throw ReportError("unknown key '\(text[..<eq])'", hint: "keys: \(keys)", subject: "--sweep")
        }
        let list = String(text[text.index(after: eq)...])
        let separator: Character = list.contains(";") ? ";" : ","
        let values = list.split(separator: separator, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !values.isEmpty, values.allSatisfy({ !$0.isEmpty }) else {
            throw ReportError("'\(text)' has an empty value", hint: "e.g. --sweep \(key.rawValue)=1,2", subject: "--sweep")
        }
        self.init(key: key, values: values)
        for v in values { _ = try Setting.check(key, v) }
    }
}

/// One value of each swept key: what a cell of the grid ran with.
public struct Setting: Sendable, Hashable, CustomStringConvertible {
    public var values: [(key: Sweep.Key, value: String)]
    /// A name that replaces the key-value description (the rungs of ``DensityLadder``).
    public var label: String?

    public init(_ values: [(key: Sweep.Key, value: String)]) { self.values = values }

    /// A setting named by `label` alone.
    public init(label: String) {
        values = []
        self.label = label
    }

    public static func == (a: Setting, b: Setting) -> Bool {
        a.values.map(\.key) == b.values.map(\.key) && a.values.map(\.value) == b.values.map(\.value) && a.label == b.label
    }

    public func hash(into h: inout Hasher) {
        for (k, v) in values { h.combine(k); h.combine(v) }
        h.combine(label)
    }

    /// `stride 2 · padding same`, or `as given` when nothing is swept.
    public var description: String {
        if let label { return label }
        return values.isEmpty ? "as given" : values.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: " \u{00B7} ")
    }

    /// `stride=2 padding=same` (ASCII, for PNG tEXt and file names), or `as-given`.
    public var plain: String {
        if let label { return String(label.unicodeScalars.map { $0.isASCII ? Character($0) : "-" }) }
        return values.isEmpty ? "as-given" : values.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " ")
    }

    /// The kernel size this setting asks for, if it sweeps `kernel`.
    public var kernelSize: Int? {
        values.first { $0.key == .kernel }.flatMap { Int($0.value) }
    }

    /// `pipeline` with this setting's geometry in every conv stage (the
    /// `kernel` key is the pipeline source's business, not applied here).
    public func applied(to pipeline: Pipeline) throws(ReportError) -> Pipeline {
        var p = pipeline
        for (key, value) in values where key != .kernel {
            let change = try Self.check(key, value)
            p.stages = p.stages.map { stage in
                guard var conv = stage.convolution else { return stage }
                change(&conv)
                var s = stage
                s.operation = .conv(conv)
                return s
            }
        }
        return p
    }

    /// What setting `key` to `value` does to a convolution, or why it cannot.
    static func check(_ key: Sweep.Key, _ value: String) throws(ReportError) -> @Sendable (inout Convolution) -> Void {
        do {
            switch key {
            case .stride:
                let s = try Size2(parsing: value, name: "stride")
                return { $0.stride = s }
            case .dilation:
                let d = try Size2(parsing: value, name: "dilation")
                return { $0.dilation = d }
            case .padding:
                let p = try Padding(parsing: value)
                return { $0.padding = p }
            case .padding_mode:
                let m = try PadMode(parsing: value)
                return { $0.padMode = m }
            case .kernel:
                guard let k = Int(value), k >= 1 else {
                    throw ReportError("kernel size '\(value)' is not a whole number >= 1", subject: "--sweep")
                }
                return { _ in }
            }
        } catch let e as GeometryError {
            throw ReportError(e.message, hint: e.hint, subject: "--sweep \(key.rawValue)")
        } catch let e as ReportError {
            throw e
        } catch {
            throw ReportError("\(error)", subject: "--sweep \(key.rawValue)")
        }
    }
}

extension [Sweep] {
    /// Every combination of the values, the first key varying slowest.
    public var settings: [Setting] {
        reduce([Setting([])]) { acc, sweep in
            acc.flatMap { s in sweep.values.map { Setting(s.values + [(sweep.key, $0)]) } }
        }
    }
}
