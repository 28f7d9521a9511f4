import ConvKit
import ConvKitIO
import Foundation
import Testing

/// A `convkit` child process that a test can signal or kill.
private final class Child: @unchecked Sendable {
    let process = Process()
    private let group = DispatchGroup()
    private var out = Data(), err = Data()

    init(_ args: [String], env: [String: String] = [:], stdin: String? = nil, in dir: URL? = nil) throws {
        guard let binary = CLI.binary else {
            Issue.record("the convkit binary was not found next to the tests; set CONVKIT_BIN")
            throw CocoaError(.fileNoSuchFile)
        }
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = dir ?? CLI.root
        // No scheduler variables from the machine that runs the tests.
        var environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("SLURM_") && $0.key != "JOB_COMPLETION_INDEX" && $0.key != "CONVKIT_SHARD_COUNT"
        }
        environment.merge(env) { $1 }
        process.environment = environment
        let o = Pipe(), e = Pipe(), i = Pipe()
        process.standardOutput = o
        process.standardError = e
        process.standardInput = i
        try process.run()
        for (pipe, isOut) in [(o, true), (e, false)] {
            group.enter()
            DispatchQueue.global().async {
                let d = pipe.fileHandleForReading.readDataToEndOfFile()
                if isOut { self.out = d } else { self.err = d }
                self.group.leave()
            }
        }
        if let stdin { i.fileHandleForWriting.write(Data(stdin.utf8)) }
        i.fileHandleForWriting.closeFile()
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    func wait() -> CLI.Result {
        process.waitUntilExit()
        group.wait()
        return CLI.Result(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
                          stderr: String(decoding: err, as: UTF8.self))
    }

    static func run(_ args: [String], env: [String: String] = [:], stdin: String? = nil) throws -> CLI.Result {
        try Child(args, env: env, stdin: stdin).wait()
    }
}

private struct Entry: Decodable {
    var path: String
    var relative: String
    var output: String
    var status: String
    var error: String?
    var fingerprint: String
}

private func manifest(_ path: String) -> [Entry] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(Entry.self, from: Data($0.utf8)) }
}

private func lineCount(_ path: String) -> Int {
    (FileManager.default.contents(atPath: path) ?? Data()).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
}

/// Every file under `dir` (relative, sorted), without manifests.
private func outputs(_ dir: String) -> [String] {
    let all = (FileManager.default.enumerator(atPath: dir)?.allObjects as? [String]) ?? []
    return all.filter { name in
        var isDir: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: dir + "/" + name, isDirectory: &isDir)
        return exists && !isDir.boolValue && !name.hasSuffix(".jsonl")
    }.sorted()
}

private func copy(_ fixture: String, to path: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: CLI.fixture(fixture), toPath: path)
}

private let blur = ["--kernel", "3x3: 1,2,1 2,4,2 1,2,1", "--map", "minmax"]

@Suite("convkit batch")
struct BatchCommandTests {
    /// `count` copies of a 512x512 photo (about 0.1 s each in a debug build), in two folders.
    func photos(_ tmp: TempDir, count: Int) throws -> String {
        for i in 0..<count { try copy("png/camera.png", to: tmp.path("in/\(i % 2 == 0 ? "a" : "b")/c\(i).png")) }
        return tmp.path("in")
    }

    @Test("A folder of good, corrupt and wrong-extension files: bad ones reported, summary, exit 1")
    func mixedFolder() throws {
        let tmp = try TempDir()
        try copy("png/basn2c08.png", to: tmp.path("in/good.png"))
        try copy("jpeg/flower.jpg", to: tmp.path("in/deep/flower.jpg"))
        try copy("misc/pngbar_png_named.jpg", to: tmp.path("in/lying.jpg"))
        try copy("misc/pngbar_jpeg_named.png", to: tmp.path("in/lying2.png"))
        try copy("png/bad/badcrc.png", to: tmp.path("in/crc.png"))
        try copy("misc/text_named.png", to: tmp.path("in/text.png"))
        try copy("misc/empty.png", to: tmp.path("in/deep/empty.png"))
        let r = try Child.run(["batch", tmp.path("in"), "--recursive", "--out-dir", tmp.path("out")] + blur)
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("convkit batch: 4 ok, 3 failed, 0 skipped (7 inputs"), "\(r.stdout)")
        #expect(r.stderr.contains("convkit: error: \(tmp.path("in/crc.png")): PNG: IDAT: CRC error"))
        #expect(r.stderr.contains("convkit: warning: \(tmp.path("in/lying.jpg")): extension .jpg does not match content (PNG)"))
        #expect(!r.stderr.contains("\r"), "no bar when stderr is not a terminal")
        #expect(outputs(tmp.path("out")) == ["deep/flower.png", "good.png", "lying.png", "lying2.png"])
        let entries = manifest(tmp.path("out/convkit-manifest.jsonl"))
        #expect(entries.count == 7)
        #expect(Set(entries.map(\.fingerprint)).count == 1)
        #expect(entries.first { $0.relative == "deep/empty.png" }?.error?.contains("empty file") == true)
    }

    @Test("Killed with SIGKILL at several points, --resume finishes with byte-identical outputs, none done twice",
          arguments: [0, 1, 4, 9])
    func resumeAfterKill(afterLines: Int) throws {
        let tmp = try TempDir()
        let input = try photos(tmp, count: 12)
        let reference = try Child.run(["batch", input, "--recursive", "--out-dir", tmp.path("ref"), "--jobs", "2"] + blur)
        #expect(reference.status == 0, "\(reference.stderr)")

        let out = tmp.path("out")
        let args = ["batch", input, "--recursive", "--out-dir", out, "--jobs", "2"] + blur
        let child = try Child(args)
        let m = out + "/convkit-manifest.jsonl"
        let deadline = Date().addingTimeInterval(30)
        if afterLines == 0 { usleep(20_000) }
        while lineCount(m) < afterLines && Date() < deadline { usleep(1_000) }
        child.signal(SIGKILL)
        let killed = child.wait()
        #expect(killed.status == SIGKILL || killed.status == 0)
        let doneBefore = Set(manifest(m).filter { $0.status == "ok" }.map(\.relative))

        let resumed = try Child.run(args + ["--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let all = manifest(m)
        let redone = all.dropFirst(lineCount(m) - 12).filter { $0.status == "ok" }.map(\.relative)
        #expect(Set(redone).isDisjoint(with: doneBefore), "an input finished before the kill was processed again")
        #expect(resumed.stdout.contains("\(12 - doneBefore.count) ok, 0 failed, \(doneBefore.count) skipped"), "\(resumed.stdout)")
        #expect(outputs(out) == outputs(tmp.path("ref")))
        for name in outputs(out) {
            let a = FileManager.default.contents(atPath: out + "/" + name)
            let b = FileManager.default.contents(atPath: tmp.path("ref") + "/" + name)
            #expect(a == b, "\(name) differs from the uninterrupted run")
        }
    }

    @Test("SIGINT and SIGTERM stop cleanly: exit 128+n, no partial or temporary file, manifest matches the outputs",
          arguments: [SIGINT, SIGTERM])
    func interrupt(sig: Int32) throws {
        let tmp = try TempDir()
        let input = try photos(tmp, count: 16)
        let out = tmp.path("out")
        let args = ["batch", input, "--recursive", "--out-dir", out, "--jobs", "2"] + blur
        let child = try Child(args)
        let m = out + "/convkit-manifest.jsonl"
        let deadline = Date().addingTimeInterval(30)
        while lineCount(m) < 2 && Date() < deadline { usleep(1_000) }
        child.signal(sig)
        let r = child.wait()
        #expect(r.status == 128 + sig, "\(r.stderr)")
        #expect(r.stdout.contains("interrupted by \(sig == SIGINT ? "SIGINT" : "SIGTERM")"), "\(r.stdout)")
        let written = outputs(out)
        #expect(!written.contains { $0.contains(".tmp-") })
        let ok = manifest(m).filter { $0.status == "ok" }.map { String($0.output.dropFirst(out.count + 1)) }
        #expect(written == ok.sorted())
        #expect(written.count < 16)
        for name in written { _ = try ImageDecoder.decode(path: out + "/" + name) }

        let resumed = try Child.run(args + ["--resume"])
        #expect(resumed.status == 0)
        #expect(resumed.stdout.contains("\(16 - ok.count) ok, 0 failed, \(ok.count) skipped"), "\(resumed.stdout)")
    }

    @Test("A changed pipeline redoes every input under --resume; the same one skips them")
    func fingerprintChange() throws {
        let tmp = try TempDir()
        for i in 0..<4 { try copy("png/basn2c08.png", to: tmp.path("in/x\(i).png")) }
        let base = ["batch", tmp.path("in"), "--out-dir", tmp.path("out"), "--resume"]
        #expect(try Child.run(base + blur).stdout.contains("4 ok, 0 failed, 0 skipped"))
        #expect(try Child.run(base + blur).stdout.contains("0 ok, 0 failed, 4 skipped"))
        #expect(try Child.run(base + blur + ["--stride", "2"]).stdout.contains("4 ok, 0 failed, 0 skipped"))
        #expect(try Child.run(base + blur + ["--stride", "2", "--depth", "16"]).stdout.contains("4 ok, 0 failed, 0 skipped"))
        #expect(try Child.run(base + blur + ["--stride", "2", "--depth", "16"]).stdout.contains("0 ok, 0 failed, 4 skipped"))
        let viridis = base + blur + ["--stride", "2", "--depth", "16", "--colormap", "viridis"]
        #expect(try Child.run(viridis).stdout.contains("4 ok, 0 failed, 0 skipped"))
        #expect(try Child.run(viridis).stdout.contains("0 ok, 0 failed, 4 skipped"))
    }

    @Test("A shipped preset runs in batch as in apply, with the same bytes")
    func preset() throws {
        let tmp = try TempDir()
        try copy("jpeg/flower.jpg", to: tmp.path("in/f.jpg"))
        let r = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out"), "--filter", "sobel"])
        #expect(r.status == 0, "\(r.stderr)")
        let a = try Child.run(["apply", tmp.path("in/f.jpg"), "--filter", "sobel", "-o", tmp.path("apply.npy")])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("npy"), "--filter", "sobel", "--format", "npy"])
        #expect(b.status == 0, "\(b.stderr)")
        #expect(FileManager.default.contents(atPath: tmp.path("npy/f.npy")) == FileManager.default.contents(atPath: tmp.path("apply.npy")))
        #expect(try ImageDecoder.decode(path: tmp.path("out/f.png")).tensor.shape.channels == 1)
    }

    @Test("Shards run as separate processes cover every input exactly once", arguments: [1, 2, 3, 7])
    func shardUnion(count: Int) throws {
        let tmp = try TempDir()
        for i in 0..<30 { try copy("png/basn0g08.png", to: tmp.path("in/d\(i % 4)/img\(i).png")) }
        let children = try (0..<count).map { i in
            try Child(["batch", tmp.path("in"), "--recursive", "--out-dir", tmp.path("out"), "--shard", "\(i)/\(count)",
                       "--progress", "never"] + blur)
        }
        for c in children { #expect(c.wait().status == 0) }
        let manifests = (try FileManager.default.contentsOfDirectory(atPath: tmp.path("out"))).filter { $0.hasSuffix(".jsonl") }
        #expect(manifests.count == count)
        let entries = manifests.flatMap { manifest(tmp.path("out") + "/" + $0) }
        #expect(entries.count == 30)
        #expect(Set(entries.map(\.relative)).count == 30)
        #expect(entries.allSatisfy { $0.status == "ok" })
        #expect(outputs(tmp.path("out")).count == 30)
    }

    @Test("--shard auto takes a Slurm array's task, and fails clearly with no scheduler")
    func shardAuto() throws {
        let tmp = try TempDir()
        for i in 0..<12 { try copy("png/basn0g08.png", to: tmp.path("in/img\(i).png")) }
        for id in 5...7 {
            let env = ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "5"]
            let r = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out"), "--shard", "auto"] + blur, env: env)
            #expect(r.status == 0, "\(r.stderr)")
        }
        #expect(outputs(tmp.path("out")).count == 12)
        #expect(FileManager.default.fileExists(atPath: tmp.path("out/convkit-manifest-shard-2-of-3.jsonl")))

        let r = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out2"), "--shard", "auto"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: --shard auto: no scheduler assigned a shard"), "\(r.stderr)")
        let k8s = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out3"), "--shard", "auto"],
                                env: ["JOB_COMPLETION_INDEX": "0"])
        #expect(k8s.stderr.contains("CONVKIT_SHARD_COUNT"))
    }

    @Test("--from-list - reads paths from standard input; they share their common folder")
    func fromStdin() throws {
        let tmp = try TempDir()
        try copy("png/basn2c08.png", to: tmp.path("in/a/one.png"))
        try copy("jpeg/hopper_gray.jpg", to: tmp.path("in/b/two.jpg"))
        let list = tmp.path("in/a/one.png") + "\n\n" + tmp.path("in/b/two.jpg") + "\r\n"
        let r = try Child.run(["batch", "--from-list", "-", "--out-dir", tmp.path("out"), "--format", "npy"] + blur,
                              stdin: list)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(outputs(tmp.path("out")) == ["a/one.npy", "b/two.npy"])
        let t = try ImageDecoder.decode(path: tmp.path("out/b/two.npy")).tensor
        #expect(t.shape == ConvKit.Shape(channels: 1, height: 126, width: 126))
    }

    @Test("Name clashes are reported before anything runs")
    func clashes() throws {
        let tmp = try TempDir()
        try copy("png/basn2c08.png", to: tmp.path("in/a.png"))
        try copy("jpeg/hopper_gray.jpg", to: tmp.path("in/a.jpg"))
        try copy("png/basn0g08.png", to: tmp.path("in/b.png"))
        let r = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out")] + blur)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: \(tmp.path("out"))/a.png: 2 inputs map to this output: "), "\(r.stderr)")
        #expect(r.stdout.contains("1 ok, 2 failed"))
        let strict = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out2"), "--fail-fast"] + blur)
        #expect(strict.status == 1)
        #expect(!FileManager.default.fileExists(atPath: tmp.path("out2")))
    }

    @Test("--progress always draws a bar redrawn in place; never draws nothing")
    func progressBar() throws {
        let tmp = try TempDir()
        for i in 0..<3 { try copy("png/basn0g08.png", to: tmp.path("in/i\(i).png")) }
        let r = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out"), "--progress", "always"] + blur)
        #expect(r.stderr.contains("\r\u{1B}[K["))
        #expect(r.stderr.contains("3/3 100%"))
        #expect(r.stderr.hasSuffix("\n"))
        let quiet = try Child.run(["batch", tmp.path("in"), "--out-dir", tmp.path("out"), "--progress", "never"] + blur)
        #expect(quiet.stderr.isEmpty)
    }

    @Test("Argument errors are usage errors")
    func usage() throws {
        let tmp = try TempDir()
        #expect(try Child.run(["batch", "--out-dir", tmp.path("o")]).status == 64)
        #expect(try Child.run(["batch", "x.png", "--out-dir", tmp.path("o"), "--shard", "3/3"]).status == 64)
        #expect(try Child.run(["batch", "x.png", "--out-dir", tmp.path("o"), "--jobs", "0"]).status == 64)
    }
}
