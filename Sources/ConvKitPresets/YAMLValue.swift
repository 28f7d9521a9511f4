import ConvKit
import Foundation
import Yams

/// A YAML node with the key path and file that lead to it, so that every
/// accessor can throw a ``PresetError`` pointing at the node's line and column.
struct YAMLValue {
    let node: Node
    let path: String
    let file: String

    var line: Int { node.mark?.line ?? 1 }
    var column: Int { node.mark?.column ?? 1 }

    func error(_ problem: String, hint: String? = nil) -> PresetError {
        PresetError(file: file, line: line, column: column, keyPath: path, problem, hint: hint)
    }

    /// `expected <what>, got <the node as written>`.
    func expected(_ what: String, hint: String? = nil) -> PresetError {
        error("expected \(what), got \(written)", hint: hint)
    }

    /// The node as the user wrote it, briefly: `-1`, `"abc"`, `a list`, `a mapping`.
    var written: String {
        switch node {
        case let .scalar(s):
            if s.kind == .null { return "nothing" }
            return s.kind == .str && s.style != .plain ? "\"\(s.string)\"" : s.string
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func child(_ node: Node, key: String) -> YAMLValue {
        YAMLValue(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    // MARK: Scalars

    var isNull: Bool { node.scalar?.kind == .null }

    var scalarString: String? { node.scalar?.string }

    /// A string (any scalar that is not a number, boolean or null).
    func string(_ what: String = "a string") throws(PresetError) -> String {
        guard let s = node.scalar, s.kind == .str else { throw expected(what) }
        return s.string
    }

    func int(_ what: String = "an integer") throws(PresetError) -> Int {
        guard let s = node.scalar, s.kind == .int, let v = Int(s.string.replacingOccurrences(of: "+", with: "")) else {
            throw expected(what)
        }
        return v
    }

    func positiveInt(_ what: String = "a positive integer") throws(PresetError) -> Int {
        let v = try int(what)
        guard v >= 1 else { throw expected(what) }
        return v
    }

    /// A finite number (integer or float).
    func number(_ what: String = "a finite number") throws(PresetError) -> Double {
        guard let s = node.scalar, s.kind == .int || s.kind == .float else { throw expected(what) }
        let t = s.string.lowercased().replacingOccurrences(of: "+", with: "")
        guard let v = Double(t.hasPrefix(".") ? "0" + t : t.hasPrefix("-.") ? "-0" + t.dropFirst() : t), v.isFinite else {
            throw expected(what)
        }
        return v
    }

    func bool() throws(PresetError) -> Bool {
        guard let s = node.scalar, s.kind == .bool else { throw expected("true or false") }
        return ["true", "yes", "on", "y"].contains(s.string.lowercased())
    }

    /// One of `choices`, matched case-insensitively.
    func choice(_ choices: [String]) throws(PresetError) -> String {
        let what = "one of " + choices.joined(separator: ", ")
        guard let s = node.scalar, s.kind == .str, choices.contains(s.string.lowercased()) else { throw expected(what) }
        return s.string.lowercased()
    }

    // MARK: Collections

    func sequence(_ what: String = "a list") throws(PresetError) -> [YAMLValue] {
        guard case let .sequence(seq) = node else { throw expected(what) }
        return seq.enumerated().map { i, n in YAMLValue(node: n, path: "\(path)[\(i)]", file: file) }
    }

    var isSequence: Bool { if case .sequence = node { true } else { false } }
    var isMapping: Bool { if case .mapping = node { true } else { false } }

    /// The entries of a mapping, in order, with their key nodes; unknown keys
    /// (not in `allowed`) are errors at the key.
    func mapping(allowed: [String], what: String = "a mapping") throws(PresetError) -> YAMLMapping {
        guard case let .mapping(m) = node else { throw expected(what) }
        var entries: [(key: YAMLValue, value: YAMLValue)] = []
        for (k, v) in m {
            let keyValue = YAMLValue(node: k, path: path, file: file)
            guard let name = k.scalar?.string, k.scalar?.kind == .str else {
                throw keyValue.expected("a key name")
            }
            guard allowed.contains(name) else {
                throw YAMLValue(node: k, path: path.isEmpty ? name : "\(path).\(name)", file: file)
                    .error("unknown key", hint: "expected one of: " + allowed.joined(separator: ", "))
            }
            entries.append((keyValue, child(v, key: name)))
        }
        return YAMLMapping(owner: self, entries: entries)
    }
}

/// The checked entries of one YAML mapping.
struct YAMLMapping {
    let owner: YAMLValue
    let entries: [(key: YAMLValue, value: YAMLValue)]

    subscript(_ key: String) -> YAMLValue? {
        entries.first { $0.key.node.scalar?.string == key }?.value
    }

    func required(_ key: String, _ what: String) throws(PresetError) -> YAMLValue {
        guard let v = self[key] else { throw owner.error("missing key '\(key)' (\(what))") }
        return v
    }

    var keys: [String] { entries.compactMap { $0.key.node.scalar?.string } }

    /// The key node of `key`, for errors about the key itself.
    func keyNode(_ key: String) -> YAMLValue? {
        entries.first { $0.key.node.scalar?.string == key }.map { owner.child($0.key.node, key: key) }
    }
}

extension YAMLValue {
    /// Composes `text` into nodes, turning a YAML syntax error into a PresetError at its mark.
    static func parse(_ text: String, file: String) throws(PresetError) -> YAMLValue {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw syntaxError(e, file: file)
        } catch {
            throw PresetError(file: file, "cannot be read as YAML: \(error)")
        }
        guard let root else { throw PresetError(file: file, "is empty", hint: "a preset needs at least `stages:`") }
        return YAMLValue(node: root, path: "", file: file)
    }

    private static func syntaxError(_ e: YamlError, file: String) -> PresetError {
        switch e {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let what = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
            return PresetError(file: file, line: mark.line, column: mark.column, "YAML syntax: \(what)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return PresetError(file: file, line: context.mark.line, column: context.mark.column,
                               "duplicate key \(duplicates.joined(separator: ", "))", hint: "give each key once")
        default:
            return PresetError(file: file, "YAML syntax: \(e)")
        }
    }
}

/// The resolved type of a scalar (YAML 1.1 core schema, as Yams resolves it).
enum ScalarKind {
    case str, int, float, bool, null, other
}

extension Node.Scalar {
    var kind: ScalarKind {
        switch Node.scalar(self).tag.description {
        case "tag:yaml.org,2002:str": .str
        case "tag:yaml.org,2002:int": .int
        case "tag:yaml.org,2002:float": .float
        case "tag:yaml.org,2002:bool": .bool
        case "tag:yaml.org,2002:null": .null
        default: .other
        }
    }
}
