/// The atrous rewrite of a pipeline ("algorithme à trous", DeepLab's
/// `output_stride`): from the first conv or pool stage at which the running
/// stride would exceed N, strides become 1 and every later stage's dilation
/// and pads are multiplied by the stride removed before it. The rewritten
/// pipeline's output is dense; sampled every ``step`` rows and columns it is
/// the original output (``isExact``; where it is not, ``inexact`` says why).
///
///     var p = Pipeline(stages: [.conv(c1), .pool(Pooling(.max, size: Size2(square: 2))), .conv(c2)])
///     let r = try p.atrous(outputStride: 1, input: Shape(channels: 1, height: 64, width: 64))
///     r.step        // 2: the pool's stride, now the later conv's dilation
///     r.isExact     // true for zeros, reflect, replicate and circular pads
public struct AtrousRewrite: Sendable {
    /// The rewritten pipeline (its own ``Pipeline/outputStride`` is nil).
    public var pipeline: Pipeline
    /// The dense output at rows and columns `0, step, 2*step, ...` is the original output.
    public var step: Size2
    /// 1-based indices of the stages whose stride, dilation or pads changed.
    public var rewritten: [Int]
    /// Sentences saying where the sampled output differs from the original; empty when exact.
    public var inexact: [String]

    public var isExact: Bool { inexact.isEmpty }
}

extension Pipeline {
    /// The atrous rewrite of this pipeline on an input of `shape`, for a
    /// total stride of at most `n` (see ``AtrousRewrite``). Pads are resolved
    /// on `shape` first (`same` becomes explicit), and the pad after a
    /// rewritten stage is chosen so that the next stage's pad mode reads the
    /// sampled positions: replicate and reflect need the dense map to end on
    /// a sample, circular to end a step after one. Symmetric pads read
    /// samples between the original ones, so they are not exact.
    public func atrous(outputStride n: Int, input shape: Shape) throws(GeometryError) -> AtrousRewrite {
        guard n >= 1 else {
            throw GeometryError("output stride \(n) is not >= 1", hint: "e.g. --output-stride 8", subject: "--output-stride")
        }
        var base = self
        base.outputStride = nil
        let reports = try base.plan(for: shape)
        var out = base
        var rate = [1, 1], running = [1, 1], started = [false, false]
        var dense = [reports.first?.geometry.input.height ?? shape.height, reports.first?.geometry.input.width ?? shape.width]
        var rewritten: [Int] = [], inexact: [String] = []
        for (i, r) in reports.enumerated() {
            let g = r.geometry
            let mode: PadMode
            switch r.stage.operation {
            case .activation, .color, .magnitude: continue
            case .transposed, .upsample:
                throw GeometryError("stage \(r.index) is \(r.stage.kind): the atrous rewrite handles conv and pool stages only",
                                    hint: "drop --output-stride, or the \(r.stage.kind) stage", subject: "--output-stride")
            case let .conv(c): mode = c.padMode
            case .pool: mode = .zeros
            }
            var dilation = [g.dilation.h, g.dilation.w], stride = [g.stride.h, g.stride.w]
            var pads = [(g.rows.padBefore, g.rows.padAfter), (g.cols.padBefore, g.cols.padAfter)]
            var changed = false
            for (a, axis) in [g.rows, g.cols].enumerated() {
                if !started[a] && running[a] * axis.stride <= n {
                    running[a] *= axis.stride
                    dense[a] = axis.output
                    continue
                }
                started[a] = true
                changed = true
                let noun = a == 0 ? "rows" : "columns"
                let next = Self.padModeRead(after: i, reports, axis: a)
                let d = axis.atrous(rate: rate[a], denseInput: dense[a], length: next == .circular ? .wrap : .tight)
                if rate[a] > 1 && mode == .symmetric && axis.padBefore + axis.padAfter > 0 {
                    inexact.append("stage \(r.index): symmetric pads along \(noun), dilated by \(rate[a]), read pixels between "
                                   + "the original samples (b a | a b c d: the mirror's first copy is a dense neighbour)")
                }
                if d.padAfter == nil, let next, next != .zeros {
                    inexact.append("stage \(r.index): its dense \(noun) cannot end where the next stage's \(next.rawValue) pad "
                                   + "expects (it would need a negative pad); that pad reads other pixels")
                }
                (dilation[a], stride[a], pads[a], rate[a], dense[a]) = (d.dilation, 1, (d.padBefore, d.padAfter ?? 0), d.rate, d.denseOutput)
            }
            guard changed else { continue }
            rewritten.append(r.index)
            let padding = Padding.explicit(top: pads[0].0, bottom: pads[0].1, left: pads[1].0, right: pads[1].1)
            switch r.stage.operation {
            case var .conv(c):
                (c.stride, c.dilation, c.padding) = (Size2(stride[0], stride[1]), Size2(dilation[0], dilation[1]), padding)
                out.stages[i].operation = .conv(c)
            case var .pool(p):
                (p.stride, p.dilation, p.padding) = (Size2(stride[0], stride[1]), Size2(dilation[0], dilation[1]), padding)
                p.allowsWidePads = true
                out.stages[i].operation = .pool(p)
            default: break
            }
        }
        return AtrousRewrite(pipeline: out, step: Size2(rate[0], rate[1]), rewritten: rewritten, inexact: inexact)
    }

    /// The pad mode of the next conv stage after `index` that pads `axis`, nil when none does.
    private static func padModeRead(after index: Int, _ reports: [StageReport], axis: Int) -> PadMode? {
        for r in reports[(index + 1)...] {
            switch r.stage.operation {
            case .activation, .color, .magnitude: continue
            case let .conv(c):
                let a = axis == 0 ? r.geometry.rows : r.geometry.cols
                return a.padBefore + a.padAfter > 0 ? c.padMode : nil
            default: return nil
            }
        }
        return nil
    }
}
