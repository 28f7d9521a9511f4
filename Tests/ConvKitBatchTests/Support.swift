import Foundation

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

func fixture(_ path: String) -> String { packageRoot.appendingPathComponent("Fixtures/corpus/\(path)").path }

/// A fresh temporary directory, removed when the test ends.
final class Scratch {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-batch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func sub(_ name: String) -> String { path + "/" + name }

    /// Copies a corpus fixture to `name` (creating folders) and returns its path.
    @discardableResult
    func copy(_ fixturePath: String, to name: String) throws -> String {
        let dest = sub(name)
        try FileManager.default.createDirectory(atPath: (dest as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture(fixturePath), toPath: dest)
        return dest
    }

    func write(_ text: String, to name: String) throws {
        let dest = sub(name)
        try FileManager.default.createDirectory(atPath: (dest as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: dest))
    }

    /// Every file under the directory, relative, sorted.
    func files(under dir: String? = nil) -> [String] {
        let root = dir ?? path
        let all = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return all.filter { !InputIsDir(root + "/" + $0) }.sorted()
    }
}

private func InputIsDir(_ p: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: p, isDirectory: &isDir) && isDir.boolValue
}
