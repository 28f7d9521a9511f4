extension StageReport {
    /// The size rule of a transposed stage with its numbers, per axis:
    /// `rows (7-1)*2 - 2*1 + 1*(4-1) + 0 + 1 = 14`; nil for other stages.
    public var sizeRule: String? {
        guard case .transposed = stage.operation else { return nil }
        func rule(_ a: AxisGeometry, _ noun: String) -> String {
            "\(noun) (\(a.input)-1)*\(a.stride) - 2*\(a.padBefore) + \(a.dilation)*(\(a.kernel)-1) + \(a.outputPadding) + 1 = \(a.output)"
        }
        return "stage \(index): transposed size (in-1)*stride - 2*padding + dilation*(k-1) + output_padding + 1: "
            + rule(geometry.rows, "rows") + "; " + rule(geometry.cols, "columns")
    }
}

extension AtrousRewrite {
    /// What `convkit shape --output-stride N` prints beside the two tables:
    /// output size, density, MACs and memory before and after, and whether
    /// the sampled dense output is exactly the original.
    public func comparison(original: [StageReport], rewritten: [StageReport]) -> [String] {
        guard let a = original.last?.geometry, let b = rewritten.last?.geometry else { return ["no stages"] }
        func hwc(_ s: Shape) -> String { "\(s.height)x\(s.width)x\(s.channels)" }
        let macs = (original.reduce(0) { $0 + $1.macs }, rewritten.reduce(0) { $0 + $1.macs })
        let bytes = (original.map(\.geometry.outputBytes).max() ?? 0, rewritten.map(\.geometry.outputBytes).max() ?? 0)
        let input = Double(original.first?.geometry.input.count ?? 1)
        var lines = [
            "atrous rewrite of stages \(self.rewritten.map(String.init).joined(separator: ", ")): strides removed from the first at which "
                + "the running stride would exceed the output stride, later stages dilated and padded by the strides removed before them",
            "output \(hwc(a.output)) -> \(hwc(b.output)); density \(formatDensity(Double(a.output.count) / input)) -> "
                + "\(formatDensity(Double(b.output.count) / input)); MACs \(macs.0) -> \(macs.1) "
                + "(x\(formatDensity(Double(macs.1) / Double(max(macs.0, 1))))); largest stage output \(bytes.0) -> \(bytes.1) bytes",
        ]
        if isExact {
            lines.append("exact: the dense output at every \(step.h == step.w ? "\(step.h)" : "\(step.h),\(step.w)") rows and columns "
                         + "(starting at 0) is the original output")
        } else {
            lines += inexact.map { "not exact: " + $0 }
        }
        return lines
    }
}
