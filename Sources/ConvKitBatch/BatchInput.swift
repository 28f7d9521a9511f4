import Foundation

/// One file of a batch: where to read it and the path it keeps under the
/// output directory (its path relative to its root, `/`-separated). Shards
/// hash the relative path, so every process agrees on who takes a file.
///
///     BatchInput(path: "photos/2024/a.jpg", relativePath: "2024/a.jpg")
public struct BatchInput: Sendable, Hashable {
    public var path: String
    public var relativePath: String

    public init(path: String, relativePath: String) {
        self.path = path
        self.relativePath = relativePath
    }
}

/// Turns command-line arguments and input lists into ``BatchInput``s.
///
/// - A directory is its own root: its image files (`.png`, `.jpg`, `.jpeg`,
///   `.npy`, any case; hidden names skipped) and, with `recursive`, those of
///   its subdirectories, so `photos/2024/a.jpg` becomes `2024/a.jpg`.
/// - Files named directly or listed share one root, their longest common
///   directory: `photos/a.jpg photos/b/c.png` become `a.jpg` and `b/c.png`.
///   They are taken whatever their extension (the content decides the format).
///
/// The result is sorted by relative path and free of duplicates.
public struct InputCollector {
    /// Extensions a directory walk picks up.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "npy", "tif", "tiff", "webp"]

    public var recursive = false
    /// Directories never entered (the output directory, when it sits inside an input).
    public var excludedDirectories: [String] = []
    /// What the walk left out and why, for the user.
    public private(set) var notes: [String] = []

    public init(recursive: Bool = false, excludedDirectories: [String] = []) {
        self.recursive = recursive
        self.excludedDirectories = excludedDirectories
    }

    /// Lines of an input list (`--from-list`): one path per line; empty lines
    /// are ignored and a trailing carriage return is dropped.
    public static func readList(_ text: String) -> [String] {
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
    }

    /// Every input named by `paths` (files or directories), as described above.
    public mutating func collect(_ paths: [String]) -> [BatchInput] {
        var result: [BatchInput] = []
        var files: [String] = []
        for p in paths {
            if Self.isDirectory(p) {
                result += walk(root: p)
            } else {
                files.append(p)
            }
        }
        result += Self.sharingCommonRoot(files)
        var seen = Set<String>()
        var unique: [BatchInput] = []
        for input in result.sorted(by: { ($0.relativePath, $0.path) < ($1.relativePath, $1.path) }) {
            if seen.insert(Self.absolute(input.path)).inserted { unique.append(input) }
        }
        return unique
    }

    /// Files relative to their longest common directory.
    static func sharingCommonRoot(_ files: [String]) -> [BatchInput] {
        guard !files.isEmpty else { return [] }
        let dirs = files.map { absolute($0).split(separator: "/").dropLast().map(String.init) }
        var common = dirs[0]
        for d in dirs.dropFirst() {
            var n = 0
            while n < common.count, n < d.count, common[n] == d[n] { n += 1 }
            common.removeLast(common.count - n)
        }
        return files.map { f in
            let parts = absolute(f).split(separator: "/").map(String.init)
            return BatchInput(path: f, relativePath: parts.dropFirst(common.count).joined(separator: "/"))
        }
    }

    private mutating func walk(root: String) -> [BatchInput] {
        var found: [BatchInput] = []
        var visited = Set<[UInt64]>()
        let excluded = Set(excludedDirectories.map { Self.identity($0) }.compactMap { $0 })
        var skippedDirs = 0
        var skippedFiles = 0
        func visit(_ dir: String, _ prefix: String) {
            guard let id = Self.identity(dir), visited.insert(id).inserted, !excluded.contains(id) else { return }
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            } catch {
                notes.append("\(dir): cannot list the folder (\(error.localizedDescription)); its files are left out")
                return
            }
            for name in names where !name.hasPrefix(".") {
                let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
                let rel = prefix.isEmpty ? name : prefix + "/" + name
                if Self.isDirectory(path) {
                    if recursive { visit(path, rel) } else { skippedDirs += 1 }
                } else if Self.imageExtensions.contains(Self.pathExtension(name).lowercased()) {
                    found.append(BatchInput(path: path, relativePath: rel))
                } else {
                    skippedFiles += 1
                }
            }
        }
        visit(root, "")
        if skippedDirs > 0 {
            notes.append("\(root): \(skippedDirs) subfolder\(skippedDirs == 1 ? "" : "s") left out (add --recursive to include them)")
        }
        if skippedFiles > 0 {
            notes.append("\(root): \(skippedFiles) file\(skippedFiles == 1 ? "" : "s") without a .png, .jpg, .jpeg, .tif, .tiff, .webp or .npy extension left out "
                + "(name them on the command line or in --from-list to process them anyway)")
        }
        return found
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func identity(_ path: String) -> [UInt64]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return [UInt64(st.st_dev), UInt64(st.st_ino)]
    }

    /// The absolute, lexically normalised form of `path` (no `.` or `..`).
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardized.path
    }

    static func pathExtension(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }
}
