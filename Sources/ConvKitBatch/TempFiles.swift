import Foundation

/// Temporary files that an atomic write leaves behind only when its process
/// is killed between creating and renaming them: `.NAME.tmp-XXXXXX` next to
/// the output `NAME` (see ConvKitIO's atomic writes).
enum TempFiles {
    /// Removes the temporary files of `outputs` (and of their per-channel
    /// files `stem-000.ext`, ...) and returns the paths removed.
    @discardableResult
    static func remove(for outputs: [String]) -> [String] {
        var byDir: [String: [String]] = [:]
        for o in outputs {
            let slash = o.lastIndex(of: "/")
            let dir = slash.map { String(o[..<$0]) } ?? "."
            let name = slash.map { String(o[o.index(after: $0)...]) } ?? o
            byDir[dir.isEmpty ? "/" : dir, default: []].append(name)
        }
        var removed: [String] = []
        for (dir, names) in byDir {
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let wanted = Set(names)
            let stems = names.map(Self.splitExtension)
            for entry in entries where entry.hasPrefix(".") {
                guard let target = Self.target(ofTemporary: entry) else { continue }
                if wanted.contains(target) || stems.contains(where: { Self.isChannelFile(target, of: $0) }) {
                    let path = dir + "/" + entry
                    if unlink(path) == 0 { removed.append(path) }
                }
            }
        }
        return removed
    }

    /// `.a.png.tmp-Ab12Cd` -> `a.png`.
    static func target(ofTemporary name: String) -> String? {
        guard name.hasPrefix("."), let r = name.range(of: ".tmp-", options: .backwards) else { return nil }
        let suffix = name[r.upperBound...]
        guard suffix.count == 6, suffix.allSatisfy({ $0.isLetter || $0.isNumber }) else { return nil }
        let target = String(name[name.index(after: name.startIndex)..<r.lowerBound])
        return target.isEmpty ? nil : target
    }

    /// `a.png` -> (`a`, `png`).
    static func splitExtension(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// Whether `name` is `stem-NNN.ext`.
    static func isChannelFile(_ name: String, of base: (stem: String, ext: String)) -> Bool {
        let (stem, ext) = splitExtension(name)
        guard ext == base.ext, stem.hasPrefix(base.stem + "-") else { return false }
        let digits = stem.dropFirst(base.stem.count + 1)
        return digits.count >= 3 && digits.allSatisfy(\.isNumber)
    }
}
