import Foundation
import Testing

@Suite("convkit shape")
struct ShapeCommandTests {
    /// The seed article's Keras layer: 28x28x1 input, 32 filters.
    @Test("Reproduces the seed article's Keras shapes", arguments: [
        (["--kernel-size", "3"], "26x26x32"),
        (["--kernel-size", "3", "--stride", "2"], "13x13x32"),
        (["--kernel-size", "3", "--padding", "same"], "28x28x32"),
        (["--kernel-size", "1"], "28x28x32"),
    ])
    func seedShapes(args: [String], expected: String) throws {
        let r = try CLI.run(["shape", "--input", "28x28x1", "--out-channels", "32"] + args)
        #expect(r.status == 0, "\(r.stderr)")
        let stageLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("1 ") })
        #expect(stageLine.contains(expected), "\(r.stdout)")
    }

    @Test("Stride 2 on 28 rows warns that the last row and column go unread")
    func floorWarning() throws {
        let r = try CLI.run(["shape", "--input", "28x28x1", "--out-channels", "32", "--kernel-size", "3", "--stride", "2"])
        #expect(r.stdout.contains("stride 2 leaves the last row unread"))
        #expect(r.stdout.contains("stride 2 leaves the last column unread"))
        let same = try CLI.run(["shape", "--input", "28x28x1", "--out-channels", "32", "--kernel-size", "3"])
        #expect(!same.stdout.contains("warning"))
    }

    @Test("JSON gives shapes, pads, receptive field, MACs, parameters and density per stage")
    func json() throws {
        let r = try CLI.run(["shape", "--input", "28x28x1", "--out-channels", "32", "--kernel-size", "3",
                             "--stride", "2", "--padding", "same", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let stages = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let s = try #require(stages.first)
        #expect(s["output"] as? [Int] == [32, 14, 14])
        #expect(s["padding"] as? [Int] == [0, 1, 0, 1])
        #expect(s["receptiveField"] as? [Int] == [3, 3])
        #expect(s["jump"] as? [Int] == [2, 2])
        #expect(s["macs"] as? Int == 32 * 14 * 14 * 9)
        #expect(s["parameters"] as? Int == 288)
        let density = try #require(s["density"] as? Double)
        #expect(abs(density - Double(32 * 14 * 14) / 784) < 1e-12)
    }

    @Test("A kernel larger than the padded input fails with the numbers")
    func outputBelowOne() throws {
        let r = try CLI.run(["shape", "--input", "4x4x1", "--kernel-size", "5"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: "))
        #expect(r.stderr.contains("floor((4 + 0 + 0 - 1*(5-1) - 1) / 1) + 1 < 1"), "\(r.stderr)")
    }

    @Test("An image's header gives the input size")
    func fromImage() throws {
        let r = try CLI.run(["shape", CLI.fixture("png/basn2c08.png"), "--kernel", "3x3: 1,1,1 1,1,1 1,1,1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("input 32x32x3"))
        #expect(r.stdout.contains("30x30x3"))
    }

    @Test("--input and an image cannot both be given")
    func usageError() throws {
        let r = try CLI.run(["shape", "--input", "8x8", CLI.fixture("png/basn2c08.png")])
        #expect(r.status == 64)
    }
}
