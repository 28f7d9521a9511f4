import ConvKit

/// A cap on the tensors a pipeline holds at once, decided from its plan
/// before the input is decoded or any stage allocates: a 1x1 bank of 4096
/// filters on a 12-megapixel photo asks for about 200 GB and must fail with
/// a message, not swap.
///
///     let stages = try pipeline.plan(for: info.shape)
///     try MemoryBudget.check(stages, input: shape, maxBytes: MemoryBudget.defaultMaxBytes, subject: "photo.jpg")
public enum MemoryBudget {
    /// 4 GiB: every standard workload fits many times over (the largest, W6, holds 200 MB).
    public static let defaultMaxBytes = 4 << 30

    /// The bytes a stage holds while it runs: its Float32 input and output.
    public static func bytes(of stage: StageReport) -> Int {
        let (input, o1) = stage.geometry.input.count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        let (output, o2) = stage.geometry.output.count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        let (sum, o3) = input.addingReportingOverflow(output)
        return o1 || o2 || o3 ? Int.max : sum
    }

    /// Throws when the decoded input, or any stage's input plus output,
    /// exceeds `maxBytes`; the message names the stage, its shapes and the flag.
    ///
    /// A `streamed` run never holds the input or a stage's tensors whole, so
    /// it is refused only for a stage whose output outgrows both `maxBytes`
    /// and the input (a bank of thousands of maps, not a large photo).
    public static func check(_ stages: [StageReport], input: Shape, maxBytes: Int,
                             subject: String?, streamed: Bool = false) throws(GeometryError) {
        let (inputBytes, overflow) = input.count.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        if streamed {
            let growing = stages.filter { $0.geometry.output.count > input.count }
            guard let largest = growing.max(by: { bytes(of: $0) < bytes(of: $1) }), bytes(of: largest) > maxBytes else { return }
            try check([largest], input: Shape(channels: 0, height: 0, width: 0), maxBytes: maxBytes, subject: subject)
            return
        }
        if overflow || inputBytes > maxBytes {
            throw GeometryError("the decoded input \(describe(input)) needs \(format(overflow ? Int.max : inputBytes)), over --max-bytes \(format(maxBytes))",
                                hint: "raise --max-bytes if the machine has the memory", subject: subject)
        }
        guard let largest = stages.max(by: { bytes(of: $0) < bytes(of: $1) }) else { return }
        let need = bytes(of: largest)
        guard need > maxBytes else { return }
        throw GeometryError(
            "stage \(largest.index) (\(largest.summary)) needs \(format(need)) of tensors "
                + "(input \(describe(largest.geometry.input)), output \(describe(largest.geometry.output))), "
                + "over --max-bytes \(format(maxBytes))",
            hint: "raise --max-bytes if the machine has the memory, or use fewer filters, a stride or a smaller input",
            subject: subject)
    }

    static func describe(_ s: Shape) -> String { "\(s.channels)x\(s.height)x\(s.width)" }

    /// `187.5 GiB`, `12.0 MiB`, `512 bytes`.
    public static func format(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return "\((value * 10).rounded() / 10) \(units[unit])"
    }
}
