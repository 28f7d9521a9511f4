/// The table `convkit shape` prints: one row per stage, shapes as H x W x C.
///
///     input 28x28x1
///     stage  operation           output    pad t,b,l,r  RF   jump  MACs    params  bytes   density
///     1      conv 3x3 stride 2   13x13x32  0,0,0,0      3x3  2x2   48672   320     21632   6.897
public struct ShapeTable {
    public let input: Shape
    public let stages: [StageReport]

    public init(input: Shape, stages: [StageReport]) {
        self.input = input
        self.stages = stages
    }

    public var text: String {
        func hwc(_ s: Shape) -> String { "\(s.height)x\(s.width)x\(s.channels)" }
        func pair(_ p: Size2) -> String { "\(p.h)x\(p.w)" }
        var rows = [["stage", "operation", "output", "pad t,b,l,r", "RF", "jump", "MACs", "params", "bytes", "density"]]
        for r in stages {
            let g = r.geometry
            rows.append([
                "\(r.index)", r.summary, hwc(g.output),
                "\(g.rows.padBefore),\(g.rows.padAfter),\(g.cols.padBefore),\(g.cols.padAfter)",
                pair(r.receptiveField.size), pair(r.receptiveField.jump),
                "\(r.macs)", "\(r.parameters)", "\(g.outputBytes)", formatDensity(g.density),
            ])
        }
        if let last = stages.last {
            let total = stages.reduce(0) { $0 + $1.macs }
            let params = stages.reduce(0) { $0 + $1.parameters }
            rows.append(["total", "", hwc(last.geometry.output), "", "", "", "\(total)", "\(params)",
                         "\(last.geometry.outputBytes)", formatDensity(Double(last.geometry.output.count) / Double(input.count))])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        let lines = rows.map { row in
            row.enumerated().map { i, cell in cell.padding(toLength: widths[i]) }.joined(separator: "  ")
        }
        let header = "input \(hwc(input)) (H x W x C)" + (stages.isEmpty ? ", no stages" : "")
        return ([header] + (stages.isEmpty ? [] : lines.map { $0.trimmingTrailingSpaces() })).joined(separator: "\n")
    }
}

/// Density with enough digits to compare settings: 6.897, 0.25, 32.
func formatDensity(_ d: Double) -> String {
    let r = (d * 1000).rounded() / 1000
    return r == r.rounded() ? String(Int(r)) : String(r)
}

extension String {
    fileprivate func padding(toLength n: Int) -> String {
        count >= n ? self : self + String(repeating: " ", count: n - count)
    }

    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

extension Shape {
    /// Parses `HxWxC` (or `HxW`, C = 1), the order `convkit shape --input` takes.
    public init(parsingHWC text: String) throws(GeometryError) {
        let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        let v = parts.compactMap { Int($0) }
        guard v.count == parts.count, v.count == 2 || v.count == 3, v.allSatisfy({ $0 >= 1 }) else {
            throw GeometryError("input size '\(text)' is not H x W x C", hint: "e.g. --input 28x28x1", subject: "--input")
        }
        self.init(channels: v.count == 3 ? v[2] : 1, height: v[0], width: v[1])
    }
}
