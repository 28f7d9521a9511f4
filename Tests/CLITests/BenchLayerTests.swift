import Foundation
import Testing

@Suite("convkit bench --shape")
struct BenchLayerTests {
    static func lines(_ stdout: String) throws -> [[String: Any]] {
        try stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("JSON of one layer: median, prepare and cold times, path, GFLOP/s, MACs and checksum")
    func fields() throws {
        let r = try CLI.run(["bench", "--shape", "4,9,9", "--weights-shape", "8,4,3,3", "--padding", "same",
                             "--stride", "2", "--threads", "1", "--repeat", "3", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let objects = try Self.lines(r.stdout)
        #expect(objects.count == 1)
        let o = try #require(objects.first)
        let ms = try #require(o["milliseconds"] as? Double)
        let prepare = try #require(o["prepareMilliseconds"] as? Double)
        let first = try #require(o["firstMilliseconds"] as? Double)
        #expect(ms > 0 && prepare >= 0 && first >= prepare)
        #expect(o["macs"] as? Int == 8 * 5 * 5 * 4 * 9)
        #expect(o["output"] as? [Int] == [8, 5, 5])
        #expect(o["runs"] as? Int == 3)
        #expect(o["chosen"] as? Bool == true)
        #expect((o["gflops"] as? Double ?? 0) > 0)
        #expect(o["path"] as? String == "blocked")
        let checksum = try #require(o["checksum"] as? [String: Double])
        #expect((checksum["abs_sum"] ?? 0) > 0)
    }

    @Test("--paths all lists every applicable path once and marks exactly one chosen")
    func allPaths() throws {
        let r = try CLI.run(["bench", "--shape", "16,12,12", "--weights-shape", "16,16,3,3", "--padding", "1",
                             "--paths", "all", "--threads", "1", "--repeat", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let objects = try Self.lines(r.stdout)
        let paths = objects.compactMap { $0["path"] as? String }
        #expect(Set(paths) == ["winograd", "gemm", "blocked", "direct"])
        #expect(paths.count == 4)
        #expect(objects.filter { $0["chosen"] as? Bool == true }.count == 1)
    }

    @Test("Bad layers are errors with a hint, not crashes", arguments: [
        (["--shape", "4,9,9", "--weights-shape", "8,3,3,3"], "expect 3 input channels"),
        (["--shape", "4,9,9", "--weights-shape", "8,4,1,1", "--paths", "winograd"], "cannot run"),
        (["--shape", "4,9", "--weights-shape", "8,4,1,1"], "C,H,W"),
        (["--shape", "4,9,9"], "--weights-shape or --weights"),
    ])
    func errors(args: [String], message: String) throws {
        let r = try CLI.run(["bench"] + args)
        #expect(r.status != 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("bench --workload keeps its JSON Lines for peers.py")
    func workloadFormat() throws {
        let r = try CLI.run(["bench", "--workload", "P1", "--repeat", "1", "--threads", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let o = try #require(try Self.lines(r.stdout).first)
        for key in ["workload", "title", "ms", "minMs", "firstMs", "runs", "gflops", "path", "threads", "checksum"] {
            #expect(o[key] != nil, "\(key) missing")
        }
    }
}

@Suite("convkit apply --json timing")
struct ApplyPrepareTimingTests {
    @Test("apply --json reports each stage's prepareMilliseconds apart from its milliseconds")
    func prepareApart() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture("png/basn2c08.png"), "--kernel", "3x3: 0,-1,0 -1,5,-1 0,-1,0",
                             "--padding", "same", "--filter", "gaussian5", "--json", "-o", tmp.path("s.png")])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let stages = try #require(obj["stages"] as? [[String: Any]])
        #expect(stages.count == 2)
        var sum = 0.0
        for s in stages {
            let prepare = try #require(s["prepareMilliseconds"] as? Double)
            let run = try #require(s["milliseconds"] as? Double)
            #expect(prepare >= 0 && run > 0)
            sum += prepare + run
        }
        // The total counts both.
        #expect(abs((obj["milliseconds"] as? Double ?? 0) - sum) < 1e-6 * max(1, sum))
    }
}
