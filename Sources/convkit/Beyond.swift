import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitPresets
import ConvKitReport
import ConvKitEngine

extension RecipeTarget: ExpressibleByArgument {}

/// What `apply --overlay` draws instead of the output.
enum OverlayKind: String, ExpressibleByArgument, CaseIterable {
    case unread
    case padInfluence = "pad-influence"
    /// Kernel taps landing on each output pixel of the last transposed stage (the checkerboard).
    case overlap
}

extension Analysis {
    /// Draws `kind` for `input` through `stages` and writes it to `path` (a PNG).
    static func writeOverlay(_ kind: OverlayKind, input: Tensor, stages: [StageReport], to path: String) throws {
        let canvas: Canvas
        var text = Accounting(input: input.shape, stages: stages).pngText()
        switch kind {
        case .unread:
            let map = UnreadMap(stages: stages)
            canvas = try Overlay.unread(input: input, map: map)
            text["convkit:overlay"] = "unread: " + map.summary
        case .padInfluence:
            let map = PadInfluence(stages: stages)
            canvas = try Overlay.padInfluence(map)
            text["convkit:overlay"] = "pad-influence: " + map.summary
        case .overlap:
            guard let map = OverlapMap(stages: stages) else {
                throw GeometryError("--overlay overlap draws a transposed stage, and the pipeline has none",
                                    hint: "add --weights W.npy --transpose, or a transposed stage in a preset", subject: "--overlay")
            }
            canvas = try Overlay.overlap(map)
            text["convkit:overlay"] = "overlap: " + map.summary
        }
        var o = EncodeOptions()
        o.text = text
        try ImageEncoder.write(canvas.tensor, to: path, options: o)
    }

    /// The clipping and quantisation of writing `tensor` to `path` with `options`; nil for `.npy`.
    static func quantization(_ tensor: Tensor, path: String, options: EncodeOptions) -> QuantizationReport? {
        let lower = path.lowercased()
        guard !ImageEncoder.keepsValues(path: path, options: options) else { return nil }
        let deep = lower.hasSuffix(".png") || lower.hasSuffix(".tif") || lower.hasSuffix(".tiff")
        return QuantizationReport(tensor, map: options.map, depth: deep ? options.depth : 8)
    }
}

extension Filters.Show {
    /// `filters show NAME --impulse [-o X.png|X.npy]`: the response printed, and drawn or saved.
    func showImpulse(_ preset: Preset) throws {
        let response = try ImpulseResponse(pipeline: try preset.pipeline())
        print("impulse response of \(preset.name): a \(response.input.height)x\(response.input.width) delta image; "
              + "a cross-correlation shows its kernel rotated 180 degrees, flip: true shows it as written")
        print(response.text)
        guard let output else { return }
        if output.lowercased().hasSuffix(".npy") {
            try ImageEncoder.write(response.cropped, to: output, options: EncodeOptions())
        } else {
            let canvas = try Overlay.impulse(response, title: "impulse response of \(preset.name)")
            var o = EncodeOptions()
            o.text = ["Software": "convkit \(convkitVersion)", "convkit:impulse": preset.name]
            try ImageEncoder.write(canvas.tensor, to: output, options: o)
        }
    }
}

/// What `compare --overlay` draws.
enum CompareOverlay: String, ExpressibleByArgument {
    case padInfluence = "pad-influence"
}

extension Compare {
    /// Sections of the HTML report: each cell's clipping and quantisation
    /// (8-bit PNG, as the grid is written), warnings first.
    func compareNotes(_ cells: [ComparisonCell], map: PixelMap) -> [(heading: String, text: String)] {
        let reports = cells.map { QuantizationReport($0.output, map: map, depth: 8) }
        var lines = reports.compactMap(\.warning).isEmpty ? [] : ["WARNING: more than 1 % of the values were clipped in some cells", ""]
        for (c, q) in zip(cells, reports) {
            lines.append("\(c.setting): \(q.summary)" + (q.warning.map { "\n  warning: " + $0 } ?? ""))
        }
        var notes = [(heading: "Clipping and quantisation (8-bit, --map \(map.rawValue))", text: lines.joined(separator: "\n"))]
        if overlay != nil {
            notes.append((heading: "Pad influence", text: cells.map { c in
                "\(c.setting): " + ((try? c.pipeline.plan(for: Shape(channels: c.accounting.inputShape[0], height: c.accounting.inputShape[1],
                                                                      width: c.accounting.inputShape[2])))
                    .map { PadInfluence(stages: $0).summary } ?? "-")
            }.joined(separator: "\n")))
        }
        return notes
    }
}

extension Compare {
    /// `compare --ladder`: the density ladder on the input, as a grid (and HTML report).
    func runLadder(_ input: Tensor) throws {
        let cells = try DensityLadder.run(input: input, map: map ?? .clamp, colormap: colormap ?? .gray, threads: threads)
        try ComparisonReport.write(cells: cells, rows: DensityLadder.rows, input: input, inputName: self.input,
                                   title: "convkit compare: \(self.input), the density ladder", grid: output, html: html,
                                   pipeline: "a 3x3 box at stride 2, made denser by each lever", notes: [("Ladder", Comparison.table(cells))])
        if json {
            try printJSON(CompareSummary(input: self.input, grid: output, html: html, cells: cells))
        } else {
            print(Comparison.table(cells))
        }
    }
}
