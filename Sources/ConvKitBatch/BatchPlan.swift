import ConvKitIO

/// Where each input's output goes, and which inputs cannot be written
/// because another input maps to the same output.
///
///     let plan = BatchPlan(inputs, outDir: "out", format: .png)
///     plan.items[0].output          // "out/2024/a.png" for 2024/a.jpg
///     plan.clashes                  // [["a.jpg", "a.png"]] when both exist
public struct BatchPlan: Sendable {
    public struct Item: Sendable, Hashable {
        public var input: BatchInput
        /// `outDir/relative path` with the extension of the output format.
        public var output: String
        /// The other inputs that map to the same output, or empty.
        public var clashesWith: [String]
    }

    public let items: [Item]

    public init(_ inputs: [BatchInput], outDir: String, format: ImageFormat) {
        let dir = outDir.hasSuffix("/") ? String(outDir.dropLast()) : outDir
        let ext = format == .jpeg ? "jpg" : format.rawValue
        let outputs = inputs.map { dir + "/" + Self.replacingExtension(of: $0.relativePath, with: ext) }
        var byOutput: [String: [Int]] = [:]
        for (i, o) in outputs.enumerated() { byOutput[o, default: []].append(i) }
        items = inputs.indices.map { i in
            let others = byOutput[outputs[i]]!.filter { $0 != i }.map { inputs[$0].path }
            return Item(input: inputs[i], output: outputs[i], clashesWith: others)
        }
    }

    /// Groups of inputs that share an output, for the up-front report.
    public var clashes: [[Item]] {
        var groups: [String: [Item]] = [:]
        for item in items where !item.clashesWith.isEmpty { groups[item.output, default: []].append(item) }
        return groups.keys.sorted().map { groups[$0]! }
    }

    /// `a/b.jpg` -> `a/b.png`; a name without an extension gets one.
    static func replacingExtension(of path: String, with ext: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let name = path[slash...]
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            return String(path[..<dot]) + "." + ext
        }
        return path + "." + ext
    }
}
