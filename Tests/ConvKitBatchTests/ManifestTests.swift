import ConvKitBatch
import Foundation
import Testing

@Suite("Manifest and resume decisions")
struct ManifestTests {
    func entry(_ rel: String, _ status: ManifestEntry.Status, fingerprint: String = "f1", output: String,
               time: String) -> ManifestEntry {
        var e = ManifestEntry(path: "in/" + rel, relative: rel, output: output, status: status, fingerprint: fingerprint)
        e.outputs = status == .failed ? nil : [output]
        e.inputBytes = 10
        e.inputModified = "1.000000000"
        e.time = time
        return e
    }

    @Test("Lines are appended one per entry and read back; a cut last line is named by its line number")
    func roundTrip() throws {
        let s = try Scratch()
        let path = s.sub("m.jsonl")
        let out = s.sub("a.png")
        try s.write("x", to: "a.png")
        do {
            let w = try ManifestWriter(path: path)
            w.append(entry("a.png", .ok, output: out, time: "2025-01-01T00:00:00.000Z"))
        }
        // A run killed in the middle of a line.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"path":"in/b.png","rel"#.utf8))
        handle.closeFile()
        do {
            let w = try ManifestWriter(path: path)
            w.append(entry("c.png", .failed, output: s.sub("c.png"), time: "2025-01-01T00:00:01.000Z"))
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 3)
        let index = ManifestIndex(reading: [path])
        #expect(index.latest.keys.sorted() == ["a.png", "c.png"])
        #expect(index.problems.count == 1)
        #expect(index.problems.first?.subject == "\(path):2")
        #expect(index.problems.first?.description.hasPrefix("\(path):2: not a manifest entry") == true)
    }

    @Test("Done means: latest entry ok or skipped, same fingerprint, same input, outputs present")
    func doneRules() throws {
        let s = try Scratch()
        let out = s.sub("a.png")
        try s.write("x", to: "a.png")
        var index = ManifestIndex()
        let ok = entry("a.png", .ok, output: out, time: "2025-01-01T00:00:00.000Z")
        let text = String(decoding: try JSONEncoder().encode(ok), as: UTF8.self)
        index.add(text, path: "m")
        #expect(index.isDone(relative: "a.png", output: out, fingerprint: "f1", inputBytes: 10, inputModified: "1.000000000") == [out])
        #expect(index.isDone(relative: "a.png", output: out, fingerprint: "f2", inputBytes: 10, inputModified: "1.000000000") == nil)
        #expect(index.isDone(relative: "a.png", output: out, fingerprint: "f1", inputBytes: 11, inputModified: "1.000000000") == nil)
        #expect(index.isDone(relative: "a.png", output: out, fingerprint: "f1", inputBytes: 10, inputModified: "2.000000000") == nil)
        #expect(index.isDone(relative: "b.png", output: out, fingerprint: "f1", inputBytes: 10, inputModified: "1.000000000") == nil)
        // Outputs are looked for where this run puts them, e.g. an absolute --out-dir.
        let moved = s.sub("moved/a.png")
        #expect(index.isDone(relative: "a.png", output: moved, fingerprint: "f1", inputBytes: 10, inputModified: "1.000000000") == nil)
        try s.write("x", to: "moved/a.png")
        #expect(index.isDone(relative: "a.png", output: moved, fingerprint: "f1", inputBytes: 10, inputModified: "1.000000000") == [moved])
        // A later failure means the output on disk is not this run's.
        let failed = entry("a.png", .failed, output: out, time: "2025-01-01T00:00:05.000Z")
        index.add(String(decoding: try JSONEncoder().encode(failed), as: UTF8.self), path: "m2")
        #expect(index.isDone(relative: "a.png", output: out, fingerprint: "f1", inputBytes: 10, inputModified: "1.000000000") == nil)
        // An older line read later does not win.
        let older = entry("a.png", .ok, output: out, time: "2024-12-31T00:00:00.000Z")
        index.add(String(decoding: try JSONEncoder().encode(older), as: UTF8.self), path: "m3")
        #expect(index.latest["a.png"]?.status == .failed)
    }
}
