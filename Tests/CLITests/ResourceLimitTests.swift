import Foundation
import Testing

@Suite("Resource limits and safe outputs")
struct ResourceLimitTests {
    var bin: String { get throws { try #require(CLI.binary).path } }

    @Test("A PNG declaring 100000x100000 is refused with peak RSS under 100 MB", arguments: ["apply", "info"])
    func hugePNG(_ command: String) throws {
        let dir = try TempDir()
        let input = CLI.fixture("png/bad/huge_dims_100000x100000.png")
        let args = command == "apply" ? [try bin, "apply", input, "-o", dir.path("x.png")] : [try bin, "info", input]
        let child = try Spawned.run(args, timeout: SweepLimits.timeout)
        #expect(child.exitCode == 1)
        #expect(child.stderr == "convkit: error: \(input): PNG: declared 100000x100000 exceeds max-pixels 4294967296 "
            + "(raise --max-pixels if the file is trusted)\n")
        if !SweepLimits.sanitized, let rss = child.maxRSSKiB { #expect(rss < 100 * 1024, "peak RSS \(rss) KiB") }
        #expect(dir.contents.isEmpty)
    }

    @Test("A 282-byte PNG whose iTXt chunk declares 1.9 GB is refused with peak RSS under 100 MB")
    func hugeChunk() throws {
        let input = CLI.root.appendingPathComponent("Fixtures/regressions/FuzzPNG/itxt-declares-1.9GB.png").path
        let child = try Spawned.run([try bin, "info", input], timeout: SweepLimits.timeout)
        #expect(child.exitCode == 0 || child.exitCode == 1, "\(child.summary)")
        let dir = try TempDir()
        let apply = try Spawned.run([try bin, "apply", input, "-o", dir.path("x.png")], timeout: SweepLimits.timeout)
        #expect(apply.exitCode == 1)
        #expect(apply.stderr.hasPrefix("convkit: error: \(input): PNG: "))
        for rss in [child.maxRSSKiB, apply.maxRSSKiB].compactMap({ $0 }) where !SweepLimits.sanitized {
            #expect(rss < 100 * 1024, "peak RSS \(rss) KiB")
        }
        #expect(dir.contents.isEmpty)
    }

    @Test("A 1x1 bank of 4096 filters on a photo fails from the plan, naming --max-bytes")
    func filterBank() throws {
        let dir = try TempDir()
        let bank = Array(repeating: "1x1: 1", count: 4096).joined(separator: ";")
        let input = CLI.fixture("png/coffee.png")
        let child = try Spawned.run([try bin, "apply", input, "--kernel", bank, "-o", dir.path("maps.npy")],
                                  timeout: SweepLimits.timeout)
        #expect(child.exitCode == 1)
        #expect(child.stderr.hasPrefix("convkit: error: \(input): stage 1 (conv 1x1"))
        #expect(child.stderr.contains("needs 11.0 GiB of tensors (input 3x400x600, output 12288x400x600), over --max-bytes 4.0 GiB"))
        #expect(child.stderr.contains("(raise --max-bytes if the machine has the memory"))
        if !SweepLimits.sanitized, let rss = child.maxRSSKiB { #expect(rss < 200 * 1024, "peak RSS \(rss) KiB") }
        #expect(dir.contents.isEmpty)
        // Raised, a small bank runs.
        let small = try CLI.run(["apply", input, "--kernel", "1x1: 1;1x1: 2", "-o", dir.path("two.npy"),
                                 "--max-bytes", "100000000"])
        #expect(small.status == 0, "\(small.stderr)")
    }

    @Test("compare refuses the same bank from the plan")
    func compareBank() throws {
        let dir = try TempDir()
        let bank = Array(repeating: "1x1: 1", count: 4096).joined(separator: ";")
        let r = try CLI.run(["compare", CLI.fixture("png/coffee.png"), "--kernel", bank, "-o", dir.path("grid.png")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("over --max-bytes 4.0 GiB (raise --max-bytes"))
        #expect(dir.contents.isEmpty)
    }

    @Test("Past a file-size limit the write fails cleanly and leaves no partial file")
    func fileSizeLimit() throws {
        // TSan's runtime dies of SIGBUS under a tiny RLIMIT_FSIZE before convkit runs.
        if ProcessInfo.processInfo.environment["CONVKIT_SANITIZER"] == "thread" { return }
        let dir = try TempDir()
        // convkit ignores SIGXFSZ itself, so write(2) returns EFBIG.
        let child = try Spawned.run(["/bin/sh", "-c", "ulimit -f 8 && exec \"$0\" \"$@\"", try bin, "apply",
                                   CLI.fixture("png/coffee.png"), "-o", dir.path("out.npy")], timeout: SweepLimits.timeout)
        #expect(child.exitCode == 1, "\(child.summary) \(child.stderr)")
        #expect(child.stderr == "convkit: error: \(dir.path("out.npy")): cannot write: File too large (the file size "
            + "limit (ulimit -f) or the file system's largest file was reached; no partial file was left)\n")
        #expect(dir.contents.isEmpty)
    }

    @Test("On a full tmpfs the write fails cleanly and leaves no partial file (root only)")
    func fullDisk() throws {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return }
        let dir = try TempDir()
        // A private mount namespace: the 64 KiB tmpfs vanishes with the shell.
        let script = """
            mount -t tmpfs -o size=64k tmpfs "$1" || exit 77
            "$0" apply "$2" -o "$1/out.npy"; rc=$?
            echo "left:$(ls -A "$1" | tr '\\n' ' ')" >&2
            exit $rc
            """
        let child = try Spawned.run(["/usr/bin/unshare", "-m", "/bin/sh", "-c", script, try bin, dir.url.path,
                                   CLI.fixture("png/coffee.png")], timeout: SweepLimits.timeout)
        if child.exitCode == 77 || child.stderr.contains("unshare:") { return }  // no mount privilege here
        #expect(child.exitCode == 1, "\(child.summary) \(child.stderr)")
        #expect(child.stderr.contains("cannot write: No space left on device (the disk or quota is full"))
        #expect(child.stderr.hasSuffix("left:\n"), "\(child.stderr)")
    }

    @Test("An output in a missing directory is refused before decoding, or made with --mkdir")
    func mkdir() throws {
        let dir = try TempDir()
        let input = CLI.fixture("png/basn2c08.png")
        let out = dir.path("a/b/out.png")
        let refused = try CLI.run(["apply", input, "-o", out])
        #expect(refused.status == 1)
        #expect(refused.stderr == "convkit: error: \(out): directory \(dir.path("a/b")) does not exist "
            + "(create it first, or pass --mkdir)\n")
        #expect(dir.contents.isEmpty)
        let made = try CLI.run(["apply", input, "-o", out, "--mkdir"])
        #expect(made.status == 0, "\(made.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
    }

    @Test("A libjpeg corrupt-data warning is reported, and with --strict it is an error")
    func strict() throws {
        let dir = try TempDir()
        let input = CLI.fixture("jpeg/jpeg_ff00_header.jpg")
        let lenient = try CLI.run(["apply", input, "-o", dir.path("a.png")])
        #expect(lenient.status == 0)
        #expect(lenient.stderr.contains("convkit: warning: \(input): libjpeg: Corrupt JPEG data: 4 extraneous bytes before marker 0xdb"))
        let strict = try CLI.run(["apply", input, "-o", dir.path("b.png"), "--strict"])
        #expect(strict.status == 1)
        #expect(strict.stderr == "convkit: error: \(input): JPEG: libjpeg: Corrupt JPEG data: 4 extraneous bytes "
            + "before marker 0xdb (the decoder found damaged data; without --strict it decodes with a warning)\n")
        #expect(!FileManager.default.fileExists(atPath: dir.path("b.png")))
        let info = try CLI.run(["info", input, "--strict"])
        #expect(info.status == 1)
    }
}
