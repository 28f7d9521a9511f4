import ConvKitIO
import Foundation
import Testing

/// `batch` streams an input whose whole-image plan exceeds its job's share of
/// `--memory-limit` (issue "Images larger than memory": "for apply, and so for batch").
@Suite("batch streamed")
struct BatchStreamingTests {
    @Test("--memory-limit 1KB streams every input: same pixels as the whole run, manifest says streamed, nothing left behind")
    func streamedBatch() throws {
        let dir = try TempDir()
        let inputs = dir.url.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["png/coffee.png", "jpeg/orientation_6.jpg", "png/basn4a16.png"] {
            let source = URL(fileURLWithPath: CLI.fixture(name))
            try FileManager.default.copyItem(at: source, to: inputs.appendingPathComponent(source.lastPathComponent))
        }
        let whole = dir.url.appendingPathComponent("whole"), streamed = dir.url.appendingPathComponent("streamed")
        let args = ["batch", inputs.path, "--filter", "gaussian5", "--filter", "sobel", "--progress", "never"]
        let w = try CLI.run(args + ["--out-dir", whole.path])
        let s = try CLI.run(args + ["--out-dir", streamed.path, "--memory-limit", "1KB"])
        try #require(w.status == 0, "\(w.stderr)")
        try #require(s.status == 0, "\(s.stderr)")
        let outputs = Streaming.names(whole).filter { $0.hasSuffix(".png") }
        #expect(outputs.count == 3)
        #expect(Streaming.names(streamed) == Streaming.names(whole), "no .tmp- or .scratch- file, the same outputs")
        for name in outputs {
            let a = try ImageDecoder.decode(path: whole.appendingPathComponent(name).path)
            let b = try ImageDecoder.decode(path: streamed.appendingPathComponent(name).path)
            #expect(a.tensor == b.tensor, "\(name)")
        }
        let manifest = try String(contentsOf: streamed.appendingPathComponent("convkit-manifest.jsonl"), encoding: .utf8)
        let entries = manifest.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(entries.count == 3)
        #expect(entries.allSatisfy { $0["streamed"] as? Bool == true && $0["status"] as? String == "ok" })
        let plain = try String(contentsOf: whole.appendingPathComponent("convkit-manifest.jsonl"), encoding: .utf8)
        #expect(!plain.contains("\"streamed\""))
    }
}
