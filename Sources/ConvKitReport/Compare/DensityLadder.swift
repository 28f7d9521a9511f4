import ConvKit
import ConvKitIO

/// The density ladder: one sparse starting layer (a 3x3 box at stride 2,
/// valid) made denser by each lever in turn, every cell at its native size
/// with its density, MACs, time and memory, so the cost of each way to a
/// denser output shows side by side. A rung that cannot run on the input
/// (an output with no rows, say) becomes a cell that says why.
///
///     let cells = try DensityLadder.run(input: photo)   // 8 cells, 2 rows of 4
public enum DensityLadder {
    /// Grid rows of the ladder's cells.
    public static let rows = 2

    /// The rungs for a `channels`-channel input: a label and the pipeline.
    public static func rungs(channels: Int) throws(GeometryError) -> [(label: String, pipeline: Pipeline)] {
        func box(_ k: Int, stride: Int = 1, padding: Padding = .valid, dilation: Int = 1) throws(GeometryError) -> Stage {
            var c = Convolution(kernels: [try Kernel2D(size: Size2(square: k), values: [Float](repeating: 1 / Float(k * k), count: k * k))])
            c.stride = Size2(square: stride)
            c.padding = padding
            c.dilation = Size2(square: dilation)
            return .conv(c)
        }
        let start = try box(3, stride: 2)
        // The bilinear upsampling kernel, [1 3 3 1]/4 on each axis, per channel (groups = C): 4x4 stride 2 overlaps evenly.
        let taps: [Float] = [0.25, 0.75, 0.75, 0.25]
        let bilinear = try ConvWeights(outChannels: channels, inChannelsPerGroup: 1, kernel: Size2(square: 4),
                                       values: (0..<channels).flatMap { _ in taps.flatMap { a in taps.map { a * $0 } } })
        var up = TransposedConvolution(weights: bilinear, groups: channels)
        up.stride = Size2(square: 2)
        up.padding = Size2(square: 1)
        var atrous = Pipeline(stages: [start])
        atrous.outputStride = 1
        return [
            ("start: 3x3 stride 2 valid", Pipeline(stages: [start])),
            ("less stride: stride 1", Pipeline(stages: [try box(3)])),
            ("more padding: stride 2 full", Pipeline(stages: [try box(3, stride: 2, padding: .full)])),
            ("smaller kernel: 1x1 stride 2", Pipeline(stages: [try box(1, stride: 2)])),
            ("dilation 2, stride 1, padding 2", Pipeline(stages: [try box(3, padding: .explicit(top: 2, bottom: 2, left: 2, right: 2), dilation: 2)])),
            ("then transposed 4x4 stride 2", Pipeline(stages: [start, .transposed(up)])),
            ("then upsample x2 + 3x3 conv", Pipeline(stages: [start, .upsample(Upsample(factor: Size2(square: 2), mode: .bilinear)),
                                                             try box(3, padding: .same)])),
            ("atrous: --output-stride 1", atrous),
        ]
    }

    /// Runs every rung on `input`; rungs that do not fit become failure cells.
    public static func run(input: Tensor, map: PixelMap = .clamp, colormap: Colormap = .gray, threads: Int? = nil) throws -> [ComparisonCell] {
        let text = try TextRenderer(pixelSize: 10)
        return try rungs(channels: input.channels).map { label, pipeline in
            let setting = Setting(label: label)
            let stages: [StageReport]
            do { stages = try pipeline.plan(for: input.shape) } catch let error as GeometryError {
                return ComparisonCell(setting: setting, pipeline: pipeline, accounting: Accounting(input: input.shape, stages: []),
                                      output: input, picture: Tensor(zeros: Shape(channels: 3, height: 24, width: 24)), failure: error.message)
            } catch {
                throw error
            }
            let (out, ms) = try pipeline.run(input, threads: threads)
            return ComparisonCell(setting: setting, pipeline: pipeline, accounting: Accounting(input: input.shape, stages: stages, milliseconds: ms),
                                  output: out, picture: Comparison.picture(of: out, map: map, colormap: colormap, text: text))
        }
    }
}
