import ConvKitBatch
import ConvKitIO
import Foundation
import Testing

@Suite("Inputs, output paths and clashes")
struct InputTests {
    @Test("A folder is the root of its image files; subfolders only with --recursive")
    func folderWalk() throws {
        let s = try Scratch()
        try s.copy("png/basn0g08.png", to: "in/a.png")
        try s.copy("jpeg/flower.jpg", to: "in/sub/b.JPG")
        try s.write("notes", to: "in/readme.txt")
        try s.copy("png/basn0g08.png", to: "in/.hidden.png")
        var flat = InputCollector()
        #expect(flat.collect([s.sub("in")]).map(\.relativePath) == ["a.png"])
        #expect(flat.notes.count == 2)
        #expect(flat.notes.contains { $0.contains("1 subfolder left out (add --recursive") })
        var deep = InputCollector(recursive: true)
        let found = deep.collect([s.sub("in")])
        #expect(found.map(\.relativePath) == ["a.png", "sub/b.JPG"])
        #expect(found[1].path == s.sub("in") + "/sub/b.JPG")
    }

    @Test("Named files share their common folder as root, whatever their extension")
    func commonRoot() throws {
        let s = try Scratch()
        let a = try s.copy("png/basn0g08.png", to: "in/x/a.png")
        let b = try s.copy("misc/pngbar_png_named.jpg", to: "in/y/z/b.weird")
        var c = InputCollector()
        #expect(c.collect([b, a]).map(\.relativePath) == ["x/a.png", "y/z/b.weird"])
        var single = InputCollector()
        #expect(single.collect([a]).map(\.relativePath) == ["a.png"])
    }

    @Test("The output folder inside an input folder is not walked; duplicates count once")
    func excludesOutput() throws {
        let s = try Scratch()
        try s.copy("png/basn0g08.png", to: "in/a.png")
        try s.copy("png/basn0g08.png", to: "in/out/a.png")
        var c = InputCollector(recursive: true, excludedDirectories: [s.sub("in/out")])
        #expect(c.collect([s.sub("in"), s.sub("in/a.png")]).map(\.path) == [s.sub("in") + "/a.png"])
    }

    @Test("Input lists: one path per line, blank lines and CR ignored")
    func lists() {
        #expect(InputCollector.readList("a.png\r\n\nb c.jpg\n  \n") == ["a.png", "b c.jpg", "  "])
    }

    @Test("Outputs mirror relative paths with the format's extension")
    func outputPaths() {
        let inputs = [BatchInput(path: "p/2024/a.jpg", relativePath: "2024/a.jpg"),
                      BatchInput(path: "p/noext", relativePath: "noext"),
                      BatchInput(path: "p/.d/x.y.png", relativePath: "d.x/y")]
        let plan = BatchPlan(inputs, outDir: "out/", format: .jpeg)
        #expect(plan.items.map(\.output) == ["out/2024/a.jpg", "out/noext.jpg", "out/d.x/y.jpg"])
        #expect(plan.clashes.isEmpty)
    }

    @Test("a.png and a.jpg both mapping to a.png are a clash, found before anything runs")
    func clashes() {
        let inputs = ["a.png", "a.jpg", "b.png", "a.npy"].map { BatchInput(path: "in/" + $0, relativePath: $0) }
        let plan = BatchPlan(inputs, outDir: "out", format: .png)
        #expect(plan.clashes.count == 1)
        #expect(plan.clashes[0].map(\.input.path) == ["in/a.png", "in/a.jpg", "in/a.npy"])
        #expect(plan.items[0].clashesWith == ["in/a.jpg", "in/a.npy"])
        #expect(plan.items[2].clashesWith.isEmpty)
    }

    @Test("Jobs times threads per job never exceeds the thread budget")
    func parallelism() {
        var o = BatchOptions(outDir: "out")
        for cores in [1, 2, 3, 8, 64] {
            for jobs in [nil, 1, 2, 5, 100] as [Int?] {
                for inputs in [1, 3, 1000] {
                    o.jobs = jobs
                    let (j, t) = o.parallelism(inputs: inputs, cores: cores)
                    #expect(j * t <= cores && j >= 1 && t >= 1 && j <= inputs)
                }
            }
        }
        o.jobs = 2
        #expect(o.parallelism(inputs: 100, cores: 8) == (2, 4))
        o.jobs = nil
        o.threads = 3
        #expect(o.parallelism(inputs: 100, cores: 8) == (3, 1))
    }
}
