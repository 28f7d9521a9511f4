import ConvKit
import ConvKitBatch
import ConvKitIO
import Foundation
import Testing

@Suite("Batch runs in process")
struct RunnerTests {
    /// Good, corrupt, empty, text and lying-extension files, as a user's folder has them.
    func mixedFolder(_ s: Scratch) throws -> String {
        try s.copy("png/basn2c08.png", to: "in/good.png")
        try s.copy("jpeg/hopper_gray.jpg", to: "in/sub/gray.jpg")
        try s.copy("misc/pngbar_png_named.jpg", to: "in/lying.jpg")
        try s.copy("png/bad/badcrc.png", to: "in/crc.png")
        try s.copy("png/bad/basn2c16_cut150.png", to: "in/sub/cut.png")
        try s.copy("misc/empty.png", to: "in/empty.png")
        try s.copy("misc/text_named.png", to: "in/text.png")
        return s.sub("in")
    }

    func options(_ s: Scratch, kernel: String = "3x3: 1,2,1 2,4,2 1,2,1") throws -> BatchOptions {
        var o = BatchOptions(outDir: s.sub("out"))
        o.pipeline = Pipeline(stages: [Convolution(kernels: try KernelString.parse(kernel))])
        o.progress = .never
        o.trapSignals = false
        o.jobs = 2
        return o
    }

    func manifest(_ path: String) throws -> [ManifestEntry] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .map { try JSONDecoder().decode(ManifestEntry.self, from: Data($0.utf8)) }
    }

    @Test("Bad files are recorded as failed and never stop the others")
    func mixed() throws {
        let s = try Scratch()
        var c = InputCollector(recursive: true)
        let inputs = c.collect([try mixedFolder(s)])
        let summary = try BatchRunner(inputs: inputs, options: try options(s)).run()
        #expect((summary.ok, summary.failed, summary.skipped, summary.total) == (3, 4, 0, 7))
        #expect(summary.exitStatus == 1)
        #expect(summary.line.hasPrefix("3 ok, 4 failed, 0 skipped (7 inputs"))
        let entries = try manifest(s.sub("out/convkit-manifest.jsonl"))
        let byRel = Dictionary(uniqueKeysWithValues: entries.map { ($0.relative, $0) })
        #expect(byRel["crc.png"]?.error?.contains("CRC error") == true)
        #expect(byRel["empty.png"]?.status == .failed)
        #expect(byRel["lying.jpg"]?.status == .ok)
        #expect(byRel["lying.jpg"]?.warnings?.first?.contains("does not match content") == true)
        #expect(byRel["good.png"]?.inputShape == [3, 32, 32])
        #expect(byRel["good.png"]?.outputShape == [3, 30, 30])
        #expect(s.files(under: s.sub("out")) == ["convkit-manifest.jsonl", "good.png", "lying.png", "sub/gray.png"])
        let written = try ImageDecoder.decode(path: s.sub("out/good.png"))
        #expect(written.tensor.shape == ConvKit.Shape(channels: 3, height: 30, width: 30))
    }

    @Test("--resume skips what is done; a changed pipeline redoes everything")
    func resumeAndFingerprint() throws {
        let s = try Scratch()
        var c = InputCollector(recursive: true)
        let inputs = c.collect([try mixedFolder(s)])
        _ = try BatchRunner(inputs: inputs, options: try options(s)).run()
        let before = try Data(contentsOf: URL(fileURLWithPath: s.sub("out/good.png")))

        var again = try options(s)
        again.resume = true
        let resumed = try BatchRunner(inputs: inputs, options: again).run()
        // Failed inputs are tried again; done ones are skipped.
        #expect((resumed.ok, resumed.failed, resumed.skipped) == (0, 4, 3))

        var changed = try options(s, kernel: "3x3: 0,0,0 0,2,0 0,0,0")
        changed.resume = true
        let redone = try BatchRunner(inputs: inputs, options: changed).run()
        #expect((redone.ok, redone.failed, redone.skipped) == (3, 4, 0))
        #expect(try Data(contentsOf: URL(fileURLWithPath: s.sub("out/good.png"))) != before)

        // Deleting an output redoes that input only.
        try FileManager.default.removeItem(atPath: s.sub("out/lying.png"))
        let one = try BatchRunner(inputs: inputs, options: changed).run()
        #expect((one.ok, one.skipped) == (1, 2))
    }

    @Test("A name clash fails the clashing inputs up front; --fail-fast refuses to start")
    func clash() throws {
        let s = try Scratch()
        try s.copy("png/basn2c08.png", to: "in/a.png")
        try s.copy("jpeg/hopper_gray.jpg", to: "in/a.jpg")
        try s.copy("png/basn0g08.png", to: "in/b.png")
        var c = InputCollector()
        let inputs = c.collect([s.sub("in")])
        let summary = try BatchRunner(inputs: inputs, options: try options(s)).run()
        #expect((summary.ok, summary.failed) == (1, 2))
        let entries = try manifest(s.sub("out/convkit-manifest.jsonl"))
        #expect(entries.filter { $0.status == .failed }.allSatisfy { $0.error?.contains("also the output of") == true })
        #expect(!FileManager.default.fileExists(atPath: s.sub("out/a.png")))

        var strict = try options(s)
        strict.failFast = true
        strict.outDir = s.sub("out2")
        #expect(throws: BatchError.self) { try BatchRunner(inputs: inputs, options: strict).run() }
        #expect(!FileManager.default.fileExists(atPath: s.sub("out2")))
    }

    @Test("--fail-fast stops starting inputs after the first failure")
    func failFast() throws {
        let s = try Scratch()
        try s.copy("png/bad/badcrc.png", to: "in/a.png")
        for i in 0..<6 { try s.copy("png/basn2c08.png", to: "in/b\(i).png") }
        var o = try options(s)
        o.failFast = true
        o.jobs = 1
        var c = InputCollector()
        let summary = try BatchRunner(inputs: c.collect([s.sub("in")]), options: o).run()
        #expect(summary.failed == 1 && summary.ok == 0 && summary.notRun == 6)
        #expect(summary.exitStatus == 1)
    }

    @Test("Stale temporary files of killed writes are removed before a run")
    func staleTemporaries() throws {
        let s = try Scratch()
        try s.copy("png/basn2c08.png", to: "in/a.png")
        try s.write("partial", to: "out/.a.png.tmp-Ab12Cd")
        try s.write("partial", to: "out/.a-003.png.tmp-Zz99zz")
        try s.write("keep", to: "out/.other.png.tmp-Ab12Cd")
        var c = InputCollector()
        _ = try BatchRunner(inputs: c.collect([s.sub("in")]), options: try options(s)).run()
        #expect(s.files(under: s.sub("out")) == [".other.png.tmp-Ab12Cd", "a.png", "convkit-manifest.jsonl"])
    }
}
