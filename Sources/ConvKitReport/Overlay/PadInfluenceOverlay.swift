import ConvKit

extension Overlay {
    /// The pad-influence map coloured on an absolute scale (0 = no padding,
    /// 1 = all padding), at the output's own size.
    public static func padInfluencePicture(_ m: PadInfluence, colormap: Colormap = .magma) -> Tensor {
        let t = m.tensor
        return colormap == .gray ? Tensor.stacking([t, t, t]) : colormap.apply(t)
    }

    /// The heat map (magnified when small) with a colour bar from 0 % to
    /// 100 % padding and the summary line.
    public static func padInfluence(_ m: PadInfluence, colormap: Colormap = .magma, title: String? = nil,
                                    text: TextRenderer? = nil) throws(ReportError) -> Canvas {
        let text = try renderer(text, 12)
        let f = magnification(height: m.height, width: m.width)
        let picture = padInfluencePicture(m, colormap: colormap).resizedNearest(height: m.height * f, width: m.width * f)
        let heading = title ?? "fraction of each output's receptive field (through all stages) that is padding"
        let lines = [heading] + m.summary.split(separator: "; ").map(String.init)
        let barWidth = 200, barHeight = 12
        let textWidth = lines.map(text.width(of:)).max() ?? 0
        let labels = ["0 %", "50 %", "100 % padding"]
        let width = max(picture.width, textWidth, barWidth + text.width(of: labels[2]) / 2 + 4) + 2 * margin
        let height = picture.height + 2 * margin + lines.count * text.lineHeight + 6 + barHeight + text.lineHeight + 8
        var canvas = Canvas(width: width, height: height)
        canvas.draw(picture, at: margin, margin)
        var y = picture.height + margin + 6
        for (i, line) in lines.enumerated() {
            _ = text.draw(line, on: &canvas, x: margin, y: y + i * text.lineHeight, color: .ink)
        }
        y += lines.count * text.lineHeight + 4
        canvas.fill(Rect(x: margin - 1, y: y - 1, width: barWidth + 2, height: barHeight + 2), .gutter)
        for x in 0..<barWidth {
            let (r, g, b) = colormap.rgb(Float(x) / Float(barWidth - 1))
            canvas.fill(Rect(x: margin + x, y: y, width: 1, height: barHeight), Color(r, g, b))
        }
        for (i, label) in labels.enumerated() {
            let cx = margin + i * (barWidth - 1) / 2
            let w = text.width(of: label)
            let x = i == 0 ? cx : (i == 1 ? cx - w / 2 : cx - min(w, text.width(of: "100 %") / 2))
            _ = text.draw(label, on: &canvas, x: x, y: y + barHeight + 2, color: .ink)
        }
        return canvas
    }
}

extension Comparison {
    /// The cells with their pictures replaced by pad-influence maps (each at
    /// its output's size, or the input's with `scale: .fit`), so a sweep over
    /// padding and stride shows where each setting reads padding. Small maps
    /// are magnified, all by the same integer factor, so sizes still compare.
    public static func padInfluence(_ cells: [ComparisonCell], input: Shape, scale: CellScale = .native,
                                    colormap: Colormap = .magma) throws -> [ComparisonCell] {
        let f = Overlay.magnification(height: max(input.height, cells.map { $0.accounting.outputShape[1] }.max() ?? 1),
                                      width: max(input.width, cells.map { $0.accounting.outputShape[2] }.max() ?? 1))
        return try cells.map { c in
            let reports: [StageReport]
            do { reports = try c.pipeline.plan(for: input) } catch let error as GeometryError {
                throw ReportError(error.message, hint: error.hint, subject: "setting \(c.setting)")
            }
            var picture = Overlay.padInfluencePicture(PadInfluence(stages: reports), colormap: colormap)
            let h = scale == .fit ? input.height : picture.height, w = scale == .fit ? input.width : picture.width
            picture = picture.resizedNearest(height: h * f, width: w * f)
            return ComparisonCell(setting: c.setting, pipeline: c.pipeline, accounting: c.accounting, output: c.output, picture: picture)
        }
    }
}
