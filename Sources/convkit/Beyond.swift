import ArgumentParser
import ConvKit
import ConvKitIO
import ConvKitPresets
import ConvKitReport

extension RecipeTarget: ExpressibleByArgument {}

/// What `apply --overlay` draws instead of the output.
enum OverlayKind: String, ExpressibleByArgument, CaseIterable {
    case unread
    case padInfluence = "pad-influence"
}

/// The analyses of SPEC section 10 as `apply` reports them.
struct Analysis: Encodable {
    var unread: UnreadMap
    var padInfluence: PadInfluenceSummary

    struct PadInfluenceSummary: Encodable {
        var outputs: Int
        var touched: Int
        var maximum: Float
        var mean: Double
        /// Mean fraction along the top row, bottom row, left and right column.
        var sides: [Double]
        var summary: String
    }

    /// `profiles`: from per-axis profiles (``PadInfluenceProfile``), without an
    /// output-sized map, as streamed runs of large images need.
    init(stages: [StageReport], profiles: Bool = false) {
        unread = UnreadMap(stages: stages)
        if profiles {
            let p = PadInfluenceProfile(stages: stages)
            let s = p.sides
            padInfluence = PadInfluenceSummary(outputs: p.rows.count * p.cols.count, touched: p.touched, maximum: Float(p.maximum),
                                               mean: p.mean, sides: [s.top, s.bottom, s.left, s.right], summary: p.summary)
            return
        }
        let p = PadInfluence(stages: stages)
        let s = p.sides
        padInfluence = PadInfluenceSummary(outputs: p.values.count, touched: p.touched, maximum: p.maximum, mean: p.mean,
                                           sides: [s.top, s.bottom, s.left, s.right], summary: p.summary)
    }

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

extension Analysis {
    /// What `apply --overlay` prints: the unread and pad-influence summaries.
    var lines: [String] { [unread.summary, padInfluence.summary] }
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
