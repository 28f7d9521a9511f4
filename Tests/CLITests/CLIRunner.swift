import Foundation
import Testing

/// Runs the built `convkit` binary and captures what it prints.
struct CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The package root, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The binary built next to the test bundle (or `$CONVKIT_BIN`).
    static let binary: URL? = {
        if let env = ProcessInfo.processInfo.environment["CONVKIT_BIN"] { return URL(fileURLWithPath: env) }
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(root.appendingPathComponent(".build/debug"))
        for dir in candidates {
            var d = dir
            for _ in 0..<4 {
                let c = d.appendingPathComponent("convkit")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: c.path, isDirectory: &isDir), !isDir.boolValue { return c }
                d = d.deletingLastPathComponent()
            }
        }
        return nil
    }()

    /// `environment` is added to the test process's own.
    static func run(_ args: [String], in dir: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let bin = try #require(binary, "the convkit binary was not found next to the tests; set CONVKIT_BIN")
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        p.currentDirectoryURL = dir ?? root
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                      stderr: String(decoding: e, as: UTF8.self))
    }

    static func fixture(_ path: String) -> String { root.appendingPathComponent("Fixtures/corpus/\(path)").path }
}

/// A fresh temporary directory, removed when the test ends.
final class TempDir {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    var contents: [String] { (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [] }
}
