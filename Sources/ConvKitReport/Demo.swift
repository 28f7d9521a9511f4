import ConvKit
import Foundation

/// `convkit demo`: the seed question ("how do stride, padding and kernel
/// size change a convolution's output?") answered on a photo embedded in the
/// binary, scikit-image's coffee.png (CC0, Rachel Michetti) at 150x100.
///
///     let result = try Demo.run(outputDirectory: "demo-out")
///     print(result.table)
public enum Demo {
    public struct Result: Sendable {
        public var grid: String
        public var report: String
        /// The settings table of the photo and the seed's Keras numbers.
        public var table: String
        /// The density ladder's grid (`demo-ladder.png`), see ``DensityLadder``.
        public var ladder: String = ""
    }

    /// Rows: kernel 1, 3, 5; columns: stride 1, 2 x padding valid, same.
    public static let sweeps = [
        Sweep(key: .kernel, values: ["1", "3", "5"]),
        Sweep(key: .stride, values: ["1", "2"]),
        Sweep(key: .padding, values: ["valid", "same"]),
    ]

    /// The embedded photo as a 3x100x150 tensor, samples x/255.
    public static func photo() -> Tensor {
        let bytes = [UInt8](Data(base64Encoded: DemoPhoto.base64, options: .ignoreUnknownCharacters) ?? Data())
        let h = 100, w = 150, n = h * w
        precondition(bytes.count == 3 * n, "the embedded photo is damaged")
        var data = [Float](repeating: 0, count: 3 * n)
        for i in 0..<n {
            for c in 0..<3 { data[c * n + i] = Float(bytes[3 * i + c]) / 255 }
        }
        return Tensor(shape: Shape(channels: 3, height: h, width: w), data: data)
    }

    /// A k x k box (mean) filter on every channel.
    public static func boxPipeline(size k: Int) throws -> Pipeline {
        let box = try Kernel2D(size: Size2(square: k), values: [Float](repeating: 1 / Float(k * k), count: k * k))
        return Pipeline(stages: [Convolution(kernels: [box])])
    }

    /// The seed article's numbers: 28x28x1 through 32 filters 3x3 (valid,
    /// stride 2, same) and 1x1, as `convkit shape` prints them.
    public static func kerasTables() throws -> String {
        let input = Shape(channels: 1, height: 28, width: 28)
        let cases: [(String, Int, Int, Padding)] = [
            ("--kernel-size 3", 3, 1, .valid), ("--kernel-size 3 --stride 2", 3, 2, .valid),
            ("--kernel-size 3 --padding same", 3, 1, .same), ("--kernel-size 1", 1, 1, .valid),
        ]
        return try cases.map { args, k, s, pad in
            var conv = Convolution(weights: try ConvWeights.zeros(outChannels: 32, inChannels: 1, groups: 1, kernel: Size2(square: k)))
            conv.stride = Size2(square: s)
            conv.padding = pad
            let stages = try Pipeline(stages: [conv]).plan(for: input)
            let warnings = stages.flatMap(\.warnings).map { "warning: \($0)" }
            return (["$ convkit shape --input 28x28x1 --out-channels 32 \(args)", ShapeTable(input: input, stages: stages).text]
                + warnings).joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// Runs the twelve settings and writes `demo-grid.png` and
    /// `demo-report.html` into `dir` (created if missing).
    public static func run(outputDirectory dir: String, threads: Int? = nil) throws -> Result {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let input = photo()
        let cells = try Comparison.run(input: input, sweeps: sweeps, source: { k in try boxPipeline(size: k ?? 3) },
                                       map: .clamp, colormap: .gray, scale: .native, threads: threads)
        let table = "input \(Format.hwc(input.shape)) (the embedded photo), a box filter on every channel\n"
            + Comparison.table(cells) + "\n\nThe seed's Keras layer, 28x28x1 with 32 filters:\n\n"
            + (try kerasTables())
        let grid = (dir as NSString).appendingPathComponent("demo-grid.png")
        let report = (dir as NSString).appendingPathComponent("demo-report.html")
        try ComparisonReport.write(cells: cells, rows: ComparisonGrid.rows(for: sweeps), input: input,
                                   inputName: "coffee.png (embedded, 150x100)",
                                   title: "convkit demo: kernel 1/3/5 (rows) x stride 1/2 x padding valid/same",
                                   grid: grid, html: report,
                                   pipeline: "a k x k box (mean) filter on every channel, k = 1, 3, 5", notes: [("Shapes", table)])
        let ladderCells = try DensityLadder.run(input: input, threads: threads)
        let ladder = (dir as NSString).appendingPathComponent("demo-ladder.png")
        let ladderTable = Comparison.table(ladderCells)
        try ComparisonReport.write(cells: ladderCells, rows: DensityLadder.rows, input: input,
                                   inputName: "coffee.png (embedded, 150x100)",
                                   title: "convkit demo: the density ladder, every lever from a 3x3 stride-2 box",
                                   grid: ladder, html: (dir as NSString).appendingPathComponent("demo-ladder.html"),
                                   pipeline: "a 3x3 box at stride 2, made denser by each lever", notes: [("Ladder", ladderTable)])
        return Result(grid: grid, report: report, table: table + "\n\nThe density ladder (demo-ladder.png):\n\n" + ladderTable,
                      ladder: ladder)
    }
}

enum DemoPhoto {}
