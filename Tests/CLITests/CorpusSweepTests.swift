import Foundation
import Testing

/// One input of the sweep and how it must end.
struct SweepInput: Sendable, CustomTestStringConvertible {
    var path: String
    /// true: must succeed; false: must fail cleanly; nil: either, but cleanly.
    var expectOK: Bool?
    var testDescription: String { path.replacingOccurrences(of: CLI.root.path + "/", with: "") }
}

/// Every file of Fixtures/corpus and ../shared/corpus, and generated mutants,
/// through the built binary as a subprocess: no signal death, no hang, no
/// runaway memory, and no output or temporary file left by a failure.
enum Sweep {
    static let sharedCorpus: String = ProcessInfo.processInfo.environment["CONVKIT_SHARED_CORPUS"]
        ?? CLI.root.deletingLastPathComponent().appendingPathComponent("shared/corpus").path

    /// `file -> ok?` from a corpus's MANIFEST.tsv (column `expected`).
    static func manifest(_ root: String) -> [String: Bool] {
        guard let text = try? String(contentsOfFile: root + "/MANIFEST.tsv", encoding: .utf8) else { return [:] }
        var rows = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        guard !rows.isEmpty else { return [:] }
        let header = rows.removeFirst()
        guard let f = header.firstIndex(of: "file"), let e = header.firstIndex(of: "expected") else { return [:] }
        var out: [String: Bool] = [:]
        for r in rows where r.count > max(f, e) { out[String(r[f])] = r[e] == "ok" }
        return out
    }

    /// Every regular file under each corpus root, the same content only once.
    static let corpusInputs: [SweepInput] = {
        var seen = Set<Data>()
        var inputs: [SweepInput] = []
        for root in [CLI.root.appendingPathComponent("Fixtures/corpus").path, sharedCorpus] {
            let expected = manifest(root)
            guard let walker = FileManager.default.enumerator(atPath: root) else { continue }
            for case let rel as String in walker {
                let path = root + "/" + rel
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                      let data = FileManager.default.contents(atPath: path), seen.insert(data).inserted else { continue }
                inputs.append(SweepInput(path: path, expectOK: expected[rel]))
            }
        }
        return inputs.sorted { $0.path < $1.path }
    }()

    /// Small valid files the mutants start from.
    static let seeds = [
        "png/basn0g01.png", "png/basn2c16.png", "png/basn3p04.png", "png/basn4a08.png", "png/basn6a16.png",
        "png/palette-8-tRNS.png", "jpeg/testimgari.jpg", "jpeg/hopper_gray.jpg", "jpeg/orientation_6.jpg",
        "jpeg/jpg-progressive.jpg", "npy/u2_hw.npy", "npy/v2_f4_chw.npy",
    ]

    /// SplitMix64: the same mutants on every run and machine.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// Truncations at fixed fractions and offsets, and byte flips (1-4 bytes
    /// XORed with non-zero values; half of them in the first 64 bytes, where
    /// the headers are), `flips` per seed.
    static func mutants(of bytes: [UInt8], seed: UInt64, flips: Int) -> [[UInt8]] {
        let n = bytes.count
        var cuts = Set([0, 1, 7, 8, 16, 33, 64, n / 8, n / 4, n / 2, 3 * n / 4, n - 12, n - 1])
        cuts = cuts.filter { $0 >= 0 && $0 < n }
        var out = cuts.sorted().map { Array(bytes.prefix($0)) }
        var random = Random(state: seed)
        for i in 0..<flips {
            var m = bytes
            for _ in 0...random.below(4) {
                let at = i % 2 == 0 ? random.below(min(n, 64)) : random.below(n)
                m[at] ^= UInt8(1 + random.below(255))
            }
            out.append(m)
        }
        return out
    }

    /// How one run ended, judged: nil when it is fine, else what was wrong.
    static func judge(_ child: Spawned, expectOK: Bool?, outputDir: String, rssLimitKiB: Int?) -> String? {
        if child.timedOut || child.signal != nil { return child.summary }
        if let limit = rssLimitKiB, let rss = child.maxRSSKiB, rss > limit { return "peak RSS \(rss) KiB" }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: outputDir)) ?? []
        if left.contains(where: { $0.contains(".tmp-") }) { return "temporary file left: \(left)" }
        switch child.exitCode {
        case 0:
            if expectOK == false { return "succeeded, expected an error" }
        case 1:
            if expectOK == true { return "failed: \(child.stderr)" }
            guard child.stderr.hasPrefix("convkit: error: ") else { return "exit 1 without a clean message: \(child.stderr)" }
            if child.stderr.contains("Fatal error") || child.stderr.contains("Stack dump") { return "trap: \(child.stderr)" }
            if !left.isEmpty { return "output left after a failure: \(left)" }
        default:
            return "\(child.summary): \(child.stderr)"
        }
        return nil
    }

    /// `convkit apply INPUT -o DIR/out.EXT ARGS...` in a fresh directory, judged.
    static func apply(_ input: String, expectOK: Bool?, ext: String = "png", args: [String] = []) throws -> (ok: Bool, problem: String?) {
        let bin = try #require(CLI.binary)
        let dir = try TempDir()
        let child = try Spawned.run([bin.path, "apply", input, "-o", dir.path("out.\(ext)")] + args, timeout: SweepLimits.timeout,
                                    addressSpaceMiB: SweepLimits.addressSpaceMiB)
        return (child.exitCode == 0, judge(child, expectOK: expectOK, outputDir: dir.url.path, rssLimitKiB: SweepLimits.maxRSSKiB))
    }

    /// `convkit info INPUT`, judged (a header can be fine when the pixels are not).
    static func info(_ input: String, expectOK: Bool?) throws -> String? {
        let bin = try #require(CLI.binary)
        let dir = try TempDir()
        let child = try Spawned.run([bin.path, "info", input], timeout: SweepLimits.timeout,
                                    addressSpaceMiB: SweepLimits.addressSpaceMiB)
        return judge(child, expectOK: expectOK == true ? true : nil, outputDir: dir.url.path, rssLimitKiB: SweepLimits.maxRSSKiB)
    }
}

@Suite("Corpus sweep: every corpus file and mutant ends cleanly")
struct CorpusSweepTests {
    @Test("Both corpora are found (the shared one when present)")
    func corpusFound() {
        #expect(Sweep.corpusInputs.count >= 90)
    }

    @Test("Each corpus file ends as its MANIFEST says through apply and info", arguments: Sweep.corpusInputs)
    func corpusFile(_ input: SweepInput) throws {
        // A small pipeline, so decoding and a convolution both run.
        let result = try Sweep.apply(input.path, expectOK: input.expectOK,
                                     args: ["--kernel", "3x3: 1,2,1 2,4,2 1,2,1", "--padding", "same"])
        #expect(result.problem == nil, "apply \(input.testDescription): \(result.problem ?? "")")
        let info = try Sweep.info(input.path, expectOK: input.expectOK)
        #expect(info == nil, "info \(input.testDescription): \(info ?? "")")
    }

    @Test("Several hundred truncated and byte-flipped mutants each end ok or with a clean error")
    func mutants() throws {
        let work = try TempDir()
        var cases: [(path: String, info: Bool)] = []
        for (i, seed) in Sweep.seeds.enumerated() {
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: CLI.fixture(seed))))
            let ext = (seed as NSString).pathExtension
            for (j, m) in Sweep.mutants(of: bytes, seed: 0xC0FFEE + UInt64(i), flips: 14).enumerated() {
                let path = work.path("m\(i)-\(j).\(ext)")
                try Data(m).write(to: URL(fileURLWithPath: path))
                cases.append((path, j % 4 == 0))
            }
        }
        #expect(cases.count >= 250)
        let all = cases
        let tally = Tally()
        // Two at a time: the machine has two cores.
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            for k in stride(from: worker, to: all.count, by: 2) {
                let (path, runInfo) = all[k]
                let name = (path as NSString).lastPathComponent
                var found: [String] = []
                var succeeded = false
                do {
                    let r = try Sweep.apply(path, expectOK: nil, args: ["--max-pixels", "16777216"])
                    succeeded = r.ok
                    if let p = r.problem { found.append("apply \(name): \(p)") }
                    if runInfo, let p = try Sweep.info(path, expectOK: nil) { found.append("info \(name): \(p)") }
                } catch {
                    found.append("\(name): \(error)")
                }
                tally.add(ok: succeeded, problems: found)
            }
        }
        let (ok, clean, problems) = tally.counts
        print("mutant sweep: \(all.count) inputs, \(ok) ok, \(clean) clean errors, \(problems.count) failures")
        #expect(problems.isEmpty, "\(problems.prefix(10).joined(separator: "\n"))")
        #expect(ok + clean + problems.count == all.count)
    }

    @Test("Mutants are the same on every run")
    func mutantsAreFixed() {
        let bytes = [UInt8](0..<200)
        #expect(Sweep.mutants(of: bytes, seed: 7, flips: 5) == Sweep.mutants(of: bytes, seed: 7, flips: 5))
        #expect(Sweep.mutants(of: bytes, seed: 7, flips: 5) != Sweep.mutants(of: bytes, seed: 8, flips: 5))
    }
}

/// Counts shared by the sweep's two workers.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var ok = 0, clean = 0, problems: [String] = []

    func add(ok succeeded: Bool, problems found: [String]) {
        lock.lock()
        defer { lock.unlock() }
        if found.isEmpty { if succeeded { ok += 1 } else { clean += 1 } }
        problems += found
    }

    var counts: (ok: Int, clean: Int, problems: [String]) {
        lock.lock()
        defer { lock.unlock() }
        return (ok, clean, problems)
    }
}
