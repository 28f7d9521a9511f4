import ConvKit
import ConvKitIO
import Foundation
import Testing

@Suite("convkit apply")
struct ApplyCommandTests {
    @Test("With no kernel, apply dumps the decoded tensor to .npy")
    func convertToNPY() throws {
        let tmp = try TempDir()
        let out = tmp.path("a.npy")
        let r = try CLI.run(["apply", CLI.fixture("png/basn2c08.png"), "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let written = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))), path: out)
        let decoded = try ImageDecoder.decode(path: CLI.fixture("png/basn2c08.png")).tensor
        #expect(written == decoded)
    }

    @Test("A kernel from the command line gives what the library computes")
    func kernelMatchesLibrary() throws {
        let tmp = try TempDir()
        let out = tmp.path("edges.npy")
        let input = CLI.fixture("png/basn0g08.png")
        let r = try CLI.run(["apply", input, "--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1", "--stride", "2",
                             "--padding", "same", "--padding-mode", "reflect", "--pad-value", "-0.5", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        var conv = Convolution(kernels: try KernelString.parse("3x3: -1,0,1 -2,0,2 -1,0,1"))
        conv.stride = Size2(square: 2)
        conv.padding = .same
        conv.padMode = .reflect
        let expected = try conv.run(try ImageDecoder.decode(path: input).tensor)
        let got = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))), path: out)
        #expect(got == expected)
        #expect(got.shape == ConvKit.Shape(channels: 1, height: 16, width: 16))
    }

    @Test("A negative pad value is read as a number, not an option")
    func negativePadValue() throws {
        let tmp = try TempDir()
        let out = tmp.path("p.npy")
        let r = try CLI.run(["apply", CLI.fixture("png/basn0g08.png"), "--kernel", "1", "--padding", "1",
                             "--pad-value", "-0.5", "-o", out])
        #expect(r.status == 0, "\(r.stderr)")
        let got = try NPY.decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))), path: out)
        #expect(got[0, 0, 0] == -0.5)
        #expect(got.shape == ConvKit.Shape(channels: 1, height: 34, width: 34))
    }

    @Test("JSON summary reports shapes, padding, MACs, density and time")
    func jsonSummary() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture("png/basn2c08.png"), "--kernel", "3x3: 1,2,1 2,4,2 1,2,1",
                             "--padding", "same", "--json", "-o", tmp.path("b.png")])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["inputShape"] as? [Int] == [3, 32, 32])
        #expect(obj["outputShape"] as? [Int] == [3, 32, 32])
        #expect(obj["macs"] as? Int == 3 * 32 * 32 * 9)
        let stages = try #require(obj["stages"] as? [[String: Any]])
        #expect(stages.first?["padding"] as? [Int] == [1, 1, 1, 1])
        #expect(stages.first?["milliseconds"] as? Double != nil)
        #expect(FileManager.default.fileExists(atPath: tmp.path("b.png")))
    }

    @Test("A bank of 5 kernels on one channel: auto writes a mosaic and says so, --layout channels one file per map")
    func perChannelFiles() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture("png/basn0g08.png"), "--kernel", "1;2;3;4;5", "-o", tmp.path("m.png")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(tmp.contents == ["m.png"])
        #expect(r.stderr.contains("warning: 5 maps written as a 3x2 mosaic"), "\(r.stderr)")
        let c = try CLI.run(["apply", CLI.fixture("png/basn0g08.png"), "--kernel", "1;2;3;4;5", "--layout", "channels",
                             "-o", tmp.path("c.png")])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(tmp.contents.filter { $0.hasPrefix("c-") && $0.hasSuffix(".png") }.count == 5)
    }
}

@Suite("convkit errors")
struct CLIErrorTests {
    @Test("Corrupt and missing inputs fail with a clean message, exit 1 and no output", arguments: [
        "misc/empty.png", "misc/text_named.png", "png/bad/does-not-exist.png", "png",
    ])
    func badInput(path: String) throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture(path), "-o", tmp.path("o.png")])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: \(CLI.fixture(path))"), "\(r.stderr)")
        #expect(!r.stderr.contains("Fatal error"))
        #expect(tmp.contents.isEmpty)
    }

    @Test("Every corrupt corpus file fails cleanly with no partial output")
    func corruptCorpus() throws {
        let tmp = try TempDir()
        let bad = try FileManager.default.contentsOfDirectory(atPath: CLI.fixture("png/bad"))
            .map { "png/bad/\($0)" }
            + (try FileManager.default.contentsOfDirectory(atPath: CLI.fixture("jpeg/bad")).map { "jpeg/bad/\($0)" })
        #expect(bad.count >= 10)
        for f in bad {
            let r = try CLI.run(["apply", CLI.fixture(f), "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "-o", tmp.path("o.png")])
            #expect(r.status == 1, "\(f): \(r.stderr)")
            #expect(r.stderr.hasPrefix("convkit: error: "), "\(f): \(r.stderr)")
        }
        #expect(tmp.contents.isEmpty, "\(tmp.contents)")
    }

    @Test("An output never replaces its input without --overwrite")
    func noOverwrite() throws {
        let tmp = try TempDir()
        let copy = tmp.path("in.png")
        try FileManager.default.copyItem(atPath: CLI.fixture("png/basn0g08.png"), toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let r = try CLI.run(["apply", copy, "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "-o", copy])
        #expect(r.status == 1)
        #expect(r.stderr.contains("--overwrite"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        let ok = try CLI.run(["apply", copy, "--kernel", "3x3: 1,1,1 1,1,1 1,1,1", "--padding", "same", "-o", copy, "--overwrite"])
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test("Bad option values are usage errors", arguments: [
        ["--padding", "sideways"], ["--stride", "0"], ["--padding-mode", "mirror-ish"], ["--depth", "12"],
    ])
    func usage(args: [String]) throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture("png/basn0g08.png"), "--kernel", "1", "-o", tmp.path("o.png")] + args)
        #expect(r.status == 64, "\(r.stderr)")
        #expect(tmp.contents.isEmpty)
    }

    @Test("A malformed kernel string names what is wrong")
    func badKernel() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["apply", CLI.fixture("png/basn0g08.png"), "--kernel", "3x3: 1,2", "-o", tmp.path("o.png")])
        #expect(r.status == 1)
        #expect(r.stderr.contains("a 3x3 kernel needs 9 values, got 2"), "\(r.stderr)")
    }

    @Test("Help states the padding-mode equivalences")
    func helpText() throws {
        let r = try CLI.run(["apply", "--help"])
        #expect(r.stdout.contains("BORDER_REFLECT_101"))
        #expect(r.stdout.contains("SciPy mirror"))
    }
}

@Suite("convkit info")
struct InfoCommandTests {
    @Test("Info prints format, size, channels, depth and orientation")
    func info() throws {
        let r = try CLI.run(["info", CLI.fixture("jpeg/orientation_6.jpg")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("JPEG"))
        #expect(r.stdout.contains("orientation 6"))
    }
}
