/// The header dict of an `.npy` file, parsed by the rules of NumPy's own
/// reader (`numpy/lib/_format_impl.py`, `_read_array_header`):
///
/// - the text is one complete Python literal (`ast.literal_eval`), a dict;
/// - its keys are exactly `descr`, `fortran_order` and `shape`;
/// - `shape` is a tuple of ints, `fortran_order` a bool, `descr` a string
///   (a list is a structured dtype, which convkit does not read);
/// - versions 1.0 and 2.0 may carry Python 2 long literals (`3L`), which
///   NumPy's `_filter_header` accepts; 3.0 may not.
///
/// Only the literal forms NumPy and other writers use are parsed: strings
/// (with `u` prefix and backslash escapes), ints, `True`, `False`, `None`,
/// tuples, lists and dicts. Anything else is "not a Python literal", as it
/// is for `ast.literal_eval` for all but exotic cases (complex numbers,
/// sets, arithmetic) that no `.npy` writer produces and no valid header holds.
enum NPYHeaderLiteral {
    indirect enum Value: Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case none
        case tuple([Value])
        case list([Value])
        case dict([(String, Value)])

        static func == (a: Value, b: Value) -> Bool { a.description == b.description }

        /// The value written back as Python would print it (for messages).
        var description: String {
            switch self {
            case .string(let s): "'\(s)'"
            case .int(let n): String(n)
            case .bool(let b): b ? "True" : "False"
            case .none: "None"
            case .tuple(let v): v.count == 1 ? "(\(v[0].description),)" : "(" + v.map(\.description).joined(separator: ", ") + ")"
            case .list(let v): "[" + v.map(\.description).joined(separator: ", ") + "]"
            case .dict(let kv): "{" + kv.map { "'\($0.0)': \($0.1.description)" }.joined(separator: ", ") + "}"
            }
        }
    }

    /// What is wrong with a header text, in NumPy's words where it has them.
    struct Failure: Error { var message: String }

    /// The one literal that `text` holds (leading and trailing whitespace allowed).
    static func parse(_ text: String, allowLongSuffix: Bool) throws(Failure) -> Value {
        var parser = Parser(scalars: Array(text.unicodeScalars), allowLong: allowLongSuffix)
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at >= parser.scalars.count else {
            throw Failure(message: "text follows the literal at character \(parser.at)")
        }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        let allowLong: Bool
        var at = 0

        init(scalars: [Unicode.Scalar], allowLong: Bool) {
            self.scalars = scalars
            self.allowLong = allowLong
        }

        /// Nesting deeper than this is refused (a header is three levels deep).
        static let maxDepth = 32

        var peek: Unicode.Scalar? { at < scalars.count ? scalars[at] : nil }

        mutating func skipSpace() {
            while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" { at += 1 }
        }

        func fail(_ what: String) -> Failure {
            Failure(message: at < scalars.count ? "\(what) at character \(at)" : "\(what): the text ends early")
        }

        mutating func value(depth: Int) throws(Failure) -> Value {
            guard depth < Self.maxDepth else { throw fail("nesting too deep") }
            skipSpace()
            guard let c = peek else { throw fail("expected a value") }
            switch c {
            case "{": return try dict(depth: depth)
            case "(": return try sequence(close: ")", depth: depth)
            case "[": return try sequence(close: "]", depth: depth)
            case "'", "\"": return .string(try string())
            case "u", "U":
                if at + 1 < scalars.count, scalars[at + 1] == "'" || scalars[at + 1] == "\"" {
                    at += 1
                    return .string(try string())
                }
                return try word()
            case "-", "+", "0"..."9": return .int(try integer())
            default: return try word()
            }
        }

        mutating func word() throws(Failure) -> Value {
            let start = at
            while let c = peek, c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) { at += 1 }
            switch String(String.UnicodeScalarView(scalars[start..<at])) {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                at = start
                throw fail("not a Python literal")
            }
        }

        mutating func integer() throws(Failure) -> Int {
            var negative = false
            if peek == "-" || peek == "+" {
                negative = peek == "-"
                at += 1
                skipSpace()
            }
            var n = 0, digits = 0
            while let c = peek, ("0"..."9").contains(c) || (c == "_" && digits > 0) {
                at += 1
                if c == "_" { continue }
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(Int(c.value - 48))
                guard !o1, !o2 else { throw fail("integer too large") }
                n = s
                digits += 1
            }
            guard digits > 0 else { throw fail("expected digits") }
            // Python 3 forbids leading zeros in decimal literals ("010"), as does ast.literal_eval.
            if digits > 1, scalars[at - digits] == "0", n != 0 { throw fail("integer with a leading zero") }
            if allowLong, peek == "L" || peek == "l" { at += 1 }
            if let c = peek, c.properties.isAlphabetic || c == "." { throw fail("not an integer literal") }
            return negative ? -n : n
        }

        mutating func string() throws(Failure) -> String {
            guard let quote = peek else { throw fail("expected a string") }
            at += 1
            var out = String.UnicodeScalarView()
            while true {
                guard let c = peek else { throw fail("unterminated string") }
                at += 1
                if c == quote { break }
                if c == "\n" { throw fail("newline inside a string") }
                if c == "\\" {
                    guard let e = peek else { throw fail("unterminated string") }
                    at += 1
                    switch e {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "\\", "'", "\"": out.append(e)
                    default:
                        out.append("\\")
                        out.append(e)
                    }
                    continue
                }
                out.append(c)
            }
            return String(out)
        }

        mutating func sequence(close: Unicode.Scalar, depth: Int) throws(Failure) -> Value {
            at += 1
            var items: [Value] = []
            var sawComma = false
            while true {
                skipSpace()
                if peek == close {
                    at += 1
                    break
                }
                items.append(try value(depth: depth + 1))
                skipSpace()
                if peek == "," {
                    at += 1
                    sawComma = true
                } else if peek == close {
                    at += 1
                    break
                } else {
                    throw fail("expected ',' or '\(Character(close))'")
                }
            }
            if close == "]" { return .list(items) }
            // "(3)" is the int 3; "(3,)" and "()" are tuples.
            return items.count == 1 && !sawComma ? items[0] : .tuple(items)
        }

        mutating func dict(depth: Int) throws(Failure) -> Value {
            at += 1
            var entries: [(String, Value)] = []
            while true {
                skipSpace()
                if peek == "}" {
                    at += 1
                    break
                }
                guard case .string(let key) = try value(depth: depth + 1) else {
                    throw fail("a header key is not a string")
                }
                skipSpace()
                guard peek == ":" else { throw fail("expected ':'") }
                at += 1
                let v = try value(depth: depth + 1)
                // A repeated key keeps its last value, as in Python.
                entries.removeAll { $0.0 == key }
                entries.append((key, v))
                skipSpace()
                if peek == "," {
                    at += 1
                } else if peek == "}" {
                    at += 1
                    break
                } else {
                    throw fail("expected ',' or '}'")
                }
            }
            return .dict(entries)
        }
    }
}
