import ConvKit
import ConvKitIO
import Foundation
import Testing

@Suite("convkit compare and demo")
struct CompareDemoTests {
    @Test("demo writes its grid and report into -o DIR from any working directory and prints the Keras numbers")
    func demoAnywhere() throws {
        let tmp = try TempDir()
        let elsewhere = try TempDir()
        let r = try CLI.run(["demo", "-o", tmp.path("out")], in: elsewhere.url)
        #expect(r.status == 0, "\(r.stderr)")
        let grid = try ImageDecoder.decode(path: tmp.path("out/demo-grid.png")).tensor
        #expect(grid.channels == 3 && grid.width > 450 && grid.height > 300)
        let html = try String(contentsOfFile: tmp.path("out/demo-report.html"), encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("data:image/png;base64,"))
        for s in ["26x26x32", "13x13x32", "28x28x32", "kernel 5 · stride 2 · padding same", "50x75x3"] {
            #expect(r.stdout.contains(s), "\(s)")
        }
        #expect(elsewhere.contents.isEmpty, "nothing is written to the working directory")
    }

    @Test("compare sweeps stride and padding; the JSON cells equal the shape calculator's")
    func compareJSON() throws {
        let tmp = try TempDir()
        let input = CLI.fixture("png/basn0g08.png")
        let r = try CLI.run(["compare", input, "--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1", "--sweep", "stride=1,2",
                             "--sweep", "padding=valid,same", "--map", "abs", "-o", tmp.path("g.png"),
                             "--html", tmp.path("r.html"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let cells = try #require(obj["cells"] as? [[String: Any]])
        #expect(cells.count == 4)
        let expected: [[Int]] = [[1, 30, 30], [1, 32, 32], [1, 15, 15], [1, 16, 16]]
        for (cell, shape) in zip(cells, expected) {
            let a = try #require(cell["accounting"] as? [String: Any])
            #expect(a["outputShape"] as? [Int] == shape)
            let settings = try #require(cell["settings"] as? [String: String])
            let s = try CLI.run(["shape", input, "--kernel", "3x3: -1,0,1 -2,0,2 -1,0,1", "--stride", settings["stride"]!,
                                 "--padding", settings["padding"]!, "--json"])
            let stages = try #require(try JSONSerialization.jsonObject(with: Data(s.stdout.utf8)) as? [[String: Any]])
            let mine = try #require(a["stages"] as? [[String: Any]])
            for key in ["output", "padding", "macs", "density", "receptiveField", "outputBytes"] {
                #expect("\(mine[0][key] ?? "")" == "\(stages[0][key] ?? "")", "\(key)")
            }
        }
        let grid = try ImageDecoder.decode(path: tmp.path("g.png")).tensor
        #expect(grid.width > 2 * 32 && grid.height > 2 * 32)
        #expect(FileManager.default.fileExists(atPath: tmp.path("r.html")))
    }

    @Test("compare with a generator preset sweeps the kernel size")
    func compareKernelSweep() throws {
        let tmp = try TempDir()
        let r = try CLI.run(["compare", CLI.fixture("png/basn0g08.png"), "--filter", "gaussian5", "--sweep", "kernel=1,3,5",
                             "--scale", "fit", "-o", tmp.path("k.png"), "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let cells = try #require(obj["cells"] as? [[String: Any]])
        let ops = cells.compactMap { (($0["accounting"] as? [String: Any])?["pipeline"] as? String) }
        #expect(ops.count == 3 && ops[0].hasPrefix("conv 1x1") && ops[1].hasPrefix("conv 3x3") && ops[2].hasPrefix("conv 5x5"))
    }

    @Test("Bad sweeps are errors that say what is expected", arguments: [
        (["--sweep", "strid=1,2"], "unknown key 'strid'"),
        (["--sweep", "stride=0,1"], "--sweep stride"),
        (["--sweep", "kernel=3,5"], "generator kernel"),
    ])
    func badSweeps(args: [String], message: String) throws {
        let tmp = try TempDir()
        let r = try CLI.run(["compare", CLI.fixture("png/basn0g08.png"), "--kernel", "3x3: 0,0,0 0,1,0 0,0,0", "-o", tmp.path("x.png")] + args)
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("convkit: error: ") && r.stderr.contains(message), "\(r.stderr)")
        #expect(tmp.contents.isEmpty, "no partial output")
    }

    @Test("apply --layout mosaic writes one labelled picture; auto tiles 5+ maps")
    func applyMosaic() throws {
        let tmp = try TempDir()
        let bank = "3x3: -1,0,1 -2,0,2 -1,0,1; 3x3: -1,-2,-1 0,0,0 1,2,1"
        let r = try CLI.run(["apply", CLI.fixture("png/basn2c08.png"), "--kernel", bank, "--map", "signed",
                             "--colormap", "coolwarm", "-o", tmp.path("m.png")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(tmp.contents == ["m.png"])
        let m = try ImageDecoder.decode(path: tmp.path("m.png")).tensor
        #expect(m.channels == 3 && m.width >= 3 * 30 + 2 && m.height >= 2 * 30 + 1)
    }
}
