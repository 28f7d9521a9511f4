import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitReport

extension Colormap: ExpressibleByArgument {}
extension CellScale: ExpressibleByArgument {}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one pipeline under several settings and draw the outputs side by side at their native size.",
        discussion: """
            Each --sweep KEY=V1,V2,... multiplies the cells; keys: stride, padding, padding_mode, dilation \
            (replaced in every conv stage) and kernel (the size of a preset's generator kernel). Separate \
            values with ';' when they hold commas: --sweep 'padding=1,2;same'. Rows follow the first key, \
            columns the others. Example:
              convkit compare photo.png --kernel "3x3: -1,0,1 -2,0,2 -1,0,1" --sweep stride=1,2 \
            --sweep padding=valid,same -o grid.png --html report.html
            """
    )

    @Argument(help: "A PNG, JPEG, TIFF, WebP or .npy file.")
    var input: String

    @Option(name: .shortAndLong, help: "The grid, a .png file.")
    var output: String

    @Option(help: ArgumentHelp("A setting to vary (repeatable).", valueName: "KEY=V1,V2,..."))
    var sweep: [String] = []

    @Option(help: ArgumentHelp("Also write a self-contained HTML report.", valueName: "REPORT.html"))
    var html: String?

    @Option(help: "native (each output at its own size) or fit (scaled to the input, nearest-neighbour).")
    var scale: CellScale = .native

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var decode: DecodeFlags

    @Option(help: "Float to pixel per map: clamp, minmax, abs or signed (default: the preset's, else clamp).")
    var map: PixelMap?

    @Option(help: "gray, viridis, magma or coolwarm (diverging around 0 with --map signed), for single maps and mosaics.")
    var colormap: Colormap?

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    @Flag(help: "Allow an output to replace the input file.")
    var overwrite = false

    @Flag(help: "Print every cell's settings, shapes, padding, density, MACs and time as JSON.")
    var json = false

    @Option(help: ArgumentHelp("Draw each cell as its pad-influence map (the fraction of every output's receptive field that is padding).",
                               valueName: "pad-influence"))
    var overlay: CompareOverlay?

    @Flag(help: ArgumentHelp("""
        Draw the density ladder instead of a sweep: a 3x3 box at stride 2 made denser by each lever (stride, padding, \
        kernel size, dilation, transposed convolution, upsample + conv, atrous rewrite), with density, MACs, time and memory.
        """))
    var ladder = false

    func validate() throws {
        guard output.lowercased().hasSuffix(".png") else { throw ValidationError("the grid (-o) must be a .png file") }
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
    }

    func run() throws {
        try reportingErrors(subject: input) {
            try OverwriteGuard.check(output: output, inputs: [input], overwrite: overwrite)
            if let html { try OverwriteGuard.check(output: html, inputs: [input], overwrite: overwrite) }
            let sweeps = try sweep.map { text throws(ReportError) in try Sweep(parsing: text) }
            let decoded = try ImageDecoder.decode(path: input, options: decode.options)
            decoded.warnings.forEach { warn("\(input): \($0)") }
            if ladder {
                try runLadder(decoded.tensor)
                return
            }
            let (base, defaults) = try pipelineOptions.resolve()
            guard !base.stages.isEmpty else {
                throw ReportError("there is nothing to compare", hint: "give a pipeline: --filter or --kernel", subject: "compare")
            }
            try MemoryBudget.check(try base.plan(for: decoded.tensor.shape), input: decoded.tensor.shape,
                                   maxBytes: decode.maxBytes, subject: input)
            let cells = try Comparison.run(
                input: decoded.tensor, sweeps: sweeps,
                source: { size throws in
                    guard let size else { return base }
                    let resized = try pipelineOptions.pipeline(kernelSize: Size2(square: size))
                    guard resized != base || base.stages.contains(where: { $0.convolution?.kernelSize == Size2(square: size) }) else {
                        throw ReportError("--sweep kernel changes the size of a generator kernel (gaussian, box, laplacian, random), "
                                          + "and the pipeline has none", hint: "use a --filter preset with a generator kernel",
                                          subject: "--sweep kernel")
                    }
                    return resized
                },
                map: map ?? defaults?.map ?? .clamp,
                colormap: colormap ?? defaults?.colormap.flatMap(Colormap.init(rawValue:)) ?? .gray,
                scale: scale, threads: threads)
            let drawn = overlay == nil ? cells : try Comparison.padInfluence(cells, input: decoded.tensor.shape, scale: scale)
            try ComparisonReport.write(cells: drawn, rows: ComparisonGrid.rows(for: sweeps), input: decoded.tensor,
                                       inputName: input, title: overlay == nil ? "convkit compare: \(input)"
                                           : "convkit compare: \(input), pad influence (magma: black 0 % to yellow 100 % padding)",
                                       grid: output, html: html,
                                       pipeline: (try? base.plan(for: decoded.tensor.shape))?.map(\.summary).joined(separator: " | "),
                                       notes: compareNotes(cells, map: map ?? defaults?.map ?? .clamp))
            if json {
                try printJSON(CompareSummary(input: input, grid: output, html: html, cells: cells))
            } else {
                print(Comparison.table(cells))
            }
        }
    }
}

/// What `compare --json` prints.
struct CompareSummary: Encodable {
    struct Cell: Encodable {
        var settings: [String: String]
        /// The ladder rung's name, and why it could not run.
        var label: String?
        var failure: String?
        var accounting: Accounting
    }

    var version = convkitVersion
    var input: String
    var grid: String
    var html: String?
    var cells: [Cell]

    init(input: String, grid: String, html: String?, cells: [ComparisonCell]) {
        self.input = input
        self.grid = grid
        self.html = html
        self.cells = cells.map { c in
            Cell(settings: Dictionary(c.setting.values.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { $1 }),
                 label: c.setting.label, failure: c.failure, accounting: c.accounting)
        }
    }
}
