import ConvKit
import Foundation

/// Where `--filter X` finds presets.
///
/// `X` ending in `.yaml`, `.yml` or `.json` is a path. Any other `X` is a
/// name, looked up as `X.yaml`, `X.yml`, then `X.json` in `--filters-dir`,
/// then in each directory of `$CONVKIT_FILTERS` (colon-separated), then among
/// the shipped presets, which are embedded in the binary (they never come
/// from the source tree at run time).
///
///     let library = PresetLibrary(filtersDir: "my-filters")
///     let sobel = try library.load("sobel")
public struct PresetLibrary: Sendable {
    /// A place presets come from.
    public enum Origin: Hashable, Sendable, CustomStringConvertible {
        case path
        case filtersDir(String)
        case environment(String)
        case shipped

        public var description: String {
            switch self {
            case .path: "path"
            case let .filtersDir(d): "--filters-dir \(d)"
            case let .environment(d): "$CONVKIT_FILTERS \(d)"
            case .shipped: "shipped"
            }
        }
    }

    /// A preset's text and where it came from, before parsing.
    public struct Source: Sendable {
        public var name: String
        /// The file as errors name it: the path, or `name.yaml` for a shipped preset.
        public var file: String
        public var text: String
        /// The directory relative `.npy` weight paths resolve against (nil when shipped).
        public var directory: String?
        public var origin: Origin

        public func parse() throws(PresetError) -> Preset {
            try Preset(text: text, file: file, directory: directory)
        }
    }

    public var filtersDir: String?
    /// The directories of `$CONVKIT_FILTERS`.
    public var environmentDirs: [String]

    static let extensions = ["yaml", "yml", "json"]

    public init(filtersDir: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.filtersDir = filtersDir
        self.environmentDirs = (environment["CONVKIT_FILTERS"] ?? "").split(separator: ":").map(String.init)
    }

    /// Whether `x` names a file rather than a preset.
    public static func isPath(_ x: String) -> Bool {
        extensions.contains((x as NSString).pathExtension.lowercased())
    }

    /// The directories searched for names, in order, with their origins.
    public var directories: [(String, Origin)] {
        (filtersDir.map { [($0, Origin.filtersDir($0))] } ?? []) + environmentDirs.map { ($0, .environment($0)) }
    }

    /// The source `x` refers to.
    public func resolve(_ x: String) throws(PresetError) -> Source {
        if Self.isPath(x) { return try Self.read(path: x, origin: .path) }
        for (dir, origin) in directories {
            for ext in Self.extensions {
                let path = (dir as NSString).appendingPathComponent("\(x).\(ext)")
                if FileManager.default.fileExists(atPath: path) { return try Self.read(path: path, origin: origin) }
            }
        }
        if let s = Self.shipped.first(where: { $0.name == x }) { return s }
        let looked = directories.map { $0.0 } + ["the shipped presets"]
        throw PresetError(file: x, "no preset of this name (looked in \(looked.joined(separator: ", ")))",
                          hint: "`convkit filters list` shows the names; a path must end in .yaml, .yml or .json")
    }

    /// The parsed preset `x` refers to.
    public func load(_ x: String) throws(PresetError) -> Preset { try resolve(x).parse() }

    /// The pipeline of several presets run one after the other (`--filter a --filter b`).
    public func chain(_ names: [String]) throws(PresetError) -> (pipeline: Pipeline, presets: [Preset]) {
        var pipeline = Pipeline()
        var presets: [Preset] = []
        for n in names {
            let p = try load(n)
            pipeline = pipeline.then(try p.pipeline())
            presets.append(p)
        }
        return (pipeline, presets)
    }

    /// Every preset reachable by name, in lookup order; a name found earlier
    /// shadows the same name later (`shadowed` is true for those).
    public func entries() -> [(source: Source, shadowed: Bool)] {
        var seen = Set<String>()
        var out: [(Source, Bool)] = []
        var all: [Source] = []
        for (dir, origin) in directories {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter(Self.isPath)
            var found: [Source] = []
            for f in names {
                if let s = try? Self.read(path: (dir as NSString).appendingPathComponent(f), origin: origin) { found.append(s) }
            }
            all += found.sorted { $0.name < $1.name }
        }
        all += Self.shipped
        for s in all {
            out.append((s, seen.contains(s.name)))
            seen.insert(s.name)
        }
        return out
    }

    /// The presets embedded in the binary (generated from `Filters/` by `Scripts/embed_filters.py`).
    public static var shipped: [Source] {
        EmbeddedFilters.files.map { f in
            Source(name: (f.file as NSString).deletingPathExtension, file: f.file, text: f.text, directory: nil, origin: .shipped)
        }.sorted { $0.name < $1.name }
    }

    static func read(path: String, origin: Origin) throws(PresetError) -> Source {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw PresetError(file: path, "no such file", hint: "check the path, or give a preset name without extension")
        }
        guard !isDir.boolValue else { throw PresetError(file: path, "is a directory", hint: "give a preset file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PresetError(file: path, "cannot be read", hint: "check its permissions")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PresetError(file: path, "is not UTF-8 text", hint: "presets are YAML or JSON")
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return Source(name: name, file: path, text: text, directory: (path as NSString).deletingLastPathComponent,
                      origin: origin)
    }
}
