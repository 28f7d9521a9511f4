import ConvKit
import ConvKitIO

/// How `compare` sizes its cells: `native` shows each output at its own
/// size on a common canvas (a denser output is visibly larger); `fit`
/// scales every output to the input's size, nearest-neighbour.
public enum CellScale: String, Sendable, CaseIterable {
    case native, fit
}

/// One cell of a comparison: the setting, the pipeline it ran, what it
/// cost, the output and the picture drawn for it.
public struct ComparisonCell: Sendable {
    public let setting: Setting
    public let pipeline: Pipeline
    public let accounting: Accounting
    public let output: Tensor
    /// The output mapped to [0, 1] (1 or 3 channels, or a mosaic when the
    /// output has another channel count), scaled as the run's ``CellScale``.
    public let picture: Tensor
    /// Why the setting could not run (its output would have no rows, say); then `output` and `picture` are placeholders.
    public var failure: String? = nil
}

/// Runs a pipeline once per combination of swept settings.
///
///     let cells = try Comparison.run(input: image, sweeps: [try Sweep(parsing: "stride=1,2")],
///                                    source: { _ in pipeline })
public enum Comparison {
    /// Makes the pipeline of a cell; the argument is the kernel size when the
    /// sweep has a `kernel` key (a generator preset re-made at that size),
    /// nil otherwise. Throw when the pipeline cannot change its kernel size.
    public typealias PipelineSource = (_ kernelSize: Int?) throws -> Pipeline

    public static func run(input: Tensor, sweeps: [Sweep], source: PipelineSource, map: PixelMap = .minmax,
                           colormap: Colormap = .gray, scale: CellScale = .native, threads: Int? = nil) throws -> [ComparisonCell] {
        let text = try TextRenderer(pixelSize: 10)
        return try sweeps.settings.map { setting in
            let pipeline = try setting.applied(to: try source(setting.kernelSize))
            let stages: [StageReport]
            do { stages = try pipeline.plan(for: input.shape) } catch let error as GeometryError {
                throw ReportError(error.message, hint: error.hint, subject: "setting \(setting)")
            }
            let (out, ms) = try pipeline.run(input, threads: threads)
            var picture = Comparison.picture(of: out, map: map, colormap: colormap, text: text)
            if scale == .fit { picture = picture.resizedNearest(height: input.height, width: input.width) }
            return ComparisonCell(setting: setting, pipeline: pipeline,
                                  accounting: Accounting(input: input.shape, stages: stages, milliseconds: ms),
                                  output: out, picture: picture)
        }
    }

    /// One line per cell: setting, output (HxWxC), padding, density, MACs, time.
    public static func table(_ cells: [ComparisonCell]) -> String {
        var rows = [["setting", "output", "pad t,b,l,r", "density", "MACs", "ms"]]
        for c in cells {
            let a = c.accounting
            if let failure = c.failure {
                rows.append([c.setting.description, "cannot run: \(failure)", "", "", "", ""])
                continue
            }
            rows.append([c.setting.description,
                         Format.hwc(Shape(channels: a.outputShape[0], height: a.outputShape[1], width: a.outputShape[2])),
                         a.padding, Format.density(a.density), String(a.macs), a.milliseconds.map(Format.milliseconds) ?? "-"])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        return rows.map { r in
            var line = r.enumerated().map { i, v in v + String(repeating: " ", count: widths[i] - v.count) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// `tensor` as a [0, 1] picture: 1 map through `colormap`, 3 or 4 as
    /// RGB, any other count as a labelled mosaic.
    public static func picture(of tensor: Tensor, map: PixelMap, colormap: Colormap, text: TextRenderer?) -> Tensor {
        switch tensor.channels {
        case 1: return colormap.apply(map.apply(tensor))
        case 3: return map.apply(tensor)
        case 4: return map.apply(Tensor.stacking((0..<3).map { tensor.channel($0) }))
        default: return Mosaic.render(tensor, map: map, colormap: colormap, text: text).tensor
        }
    }
}
