import ConvKit
import ConvKitEngine
import ConvKitIO
import ConvKitReport
import Foundation
import Testing

/// The engine run as one strip and in strips of 40 rows (a 1 KB memory limit):
/// the same pixels, the same accounting, no file left on failure.
@Suite("Engine")
struct EngineTests {
    static let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-engine-\(UUID().uuidString)")

    /// A 3x97x131 RGB PNG (three 40-row strips of 64 KiB under a 1 KB limit) with values of every sign after a signed kernel.
    static func input() throws -> String {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("in.png").path
        let t = Tensor(shape: Shape(channels: 3, height: 97, width: 131),
                       data: (0..<(3 * 97 * 131)).map { Float(($0 &* 7919) % 256) / 255 })
        try ImageEncoder.write(t, to: path, options: EncodeOptions())
        return path
    }

    static func pipeline() throws -> Pipeline {
        var c = Convolution(filters: .perChannel(try KernelString.parse("3x3: 4,0,-4 8,0,-8 4,0,-4")))
        c.padding = .same
        c.padMode = .reflect
        return Pipeline(stages: [.conv(c)])
    }

    @Test("One strip and strips of 40 rows write the same pixels and report the same clipping", arguments: ["clamp", "minmax", "signed", "abs"])
    func sameOutput(map: String) throws {
        let input = try Self.input()
        var outputs: [Tensor] = [], reports: [QuantizationReport?] = [], plans: [String] = []
        for (i, limit) in [ApplyMemory.defaultLimit, 1024].enumerated() {
            var job = Engine.Job(input: input, output: Self.dir.appendingPathComponent("out-\(map)-\(i).png").path, pipeline: try Self.pipeline())
            job.encode.map = PixelMap(rawValue: map) ?? .clamp
            job.memoryLimit = limit
            let run = try Engine.run(job)
            outputs.append(try ImageDecoder.decode(path: job.output).tensor)
            reports.append(run.summary.quantization)
            plans.append(run.summary.memory.plan)
            #expect(run.summary.stages.allSatisfy { $0.milliseconds != nil })
        }
        #expect(plans == ["whole", "streamed"])
        #expect(outputs[0] == outputs[1])
        let (a, b) = (try #require(reports[0]), try #require(reports[1]))
        #expect(a.values == b.values && a.clippedLow == b.clippedLow && a.clippedHigh == b.clippedHigh && a.nonFinite == b.nonFinite)
        #expect(abs(a.error8.mean - b.error8.mean) < 1e-9 && a.error8.max == b.error8.max)
        if map == "clamp" { #expect(a.clippedLow > 0 && a.clippedHigh > 0, "the signed kernel clips both ways") }
    }

    @Test("A run cancelled between strips leaves no output and no temporary file")
    func cancelled() throws {
        let input = try Self.input()
        let sub = Self.dir.appendingPathComponent("cancel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        var job = Engine.Job(input: input, output: sub.appendingPathComponent("out.png").path, pipeline: try Self.pipeline())
        job.memoryLimit = 1024
        job.encode.map = .minmax
        var strips = 0
        #expect(throws: CancellationError.self) {
            _ = try Engine.run(job) {
                strips += 1
                return strips > 2
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sub.path).isEmpty)
    }

    @Test("A pipeline that does not fit is refused before any file exists")
    func refusedFirst() throws {
        let input = try Self.input()
        let sub = Self.dir.appendingPathComponent("refused-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let k = Convolution(filters: .perChannel(try KernelString.parse("99x99: " + Array(repeating: "1", count: 99 * 99).joined(separator: ","))))
        let job = Engine.Job(input: input, output: sub.appendingPathComponent("out.png").path, pipeline: Pipeline(stages: [.conv(k)]))
        #expect(throws: GeometryError.self) { _ = try Engine.run(job) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: sub.path).isEmpty)
    }
}

@Suite("Streamed overlays")
struct StreamedOverlayTests {
    @Test("The unread overlay drawn a row at a time has the pixels of the whole-image drawing")
    func unread() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-overlay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for channels in [1, 3, 4] {
            let input = dir.appendingPathComponent("in\(channels).png").path
            // 300 columns: too wide to magnify; stride 2 and a 4-tap valid window leave rows and columns unread.
            let shape = Shape(channels: channels, height: 41, width: 300)
            let t = Tensor(shape: shape, data: (0..<shape.count).map { Float(($0 &* 2654435761) % 256) / 255 })
            try ImageEncoder.write(t, to: input, options: EncodeOptions())
            var c = Convolution(filters: .perChannel(try KernelString.parse("4x4: " + Array(repeating: "1", count: 16).joined(separator: ","))))
            c.stride = Size2(square: 3)
            let stages = try Pipeline(stages: [.conv(c)]).plan(for: shape)
            #expect(!UnreadMap(stages: stages).isEmpty)
            let out = dir.appendingPathComponent("u\(channels).png").path
            try Engine.unreadOverlay(input: input, output: out, stages: stages, decode: DecodeOptions(), text: [:])
            let decoded = try ImageDecoder.decode(path: input).tensor
            let whole = try Overlay.unread(input: decoded, map: UnreadMap(stages: stages))
            let reference = dir.appendingPathComponent("w\(channels).png").path
            try ImageEncoder.write(whole.tensor, to: reference, options: EncodeOptions())
            #expect(try ImageDecoder.decode(path: out).tensor == ImageDecoder.decode(path: reference).tensor, "\(channels) channels")
        }
    }
}
