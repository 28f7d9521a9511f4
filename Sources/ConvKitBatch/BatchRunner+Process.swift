import ConvKit
import ConvKitIO
import ConvKitEngine
import Foundation

extension BatchRunner {
    /// Decodes, runs and writes one input. Returns its manifest entry, or nil
    /// when a signal arrived and the input was abandoned before its write.
    func process(_ item: BatchPlan.Item, threads: Int) -> ManifestEntry? {
        let start = ContinuousClock.now
        var e = entry(for: item, status: .failed)
        (e.inputBytes, e.inputModified) = Self.identity(item.input.path)
        do {
            try OverwriteGuard.check(output: item.output, inputs: [item.input.path], overwrite: options.overwrite)
            let dir = (item.output as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var job = Engine.Job(input: item.input.path, output: item.output, pipeline: options.pipeline)
            (job.decode, job.encode, job.layout, job.colormap) = (options.decode, options.encode, options.layout, options.colormap)
            (job.threads, job.memoryLimit, job.stream) = (threads, options.memoryLimit / max(1, jobCount), options.stream)
            (job.maxBytes, job.timesInText, job.reason) = (options.maxBytes, false, "batch")
            let run: Engine.Run
            do {
                run = try Engine.run(job) { [weak self] in self?.isCancelled ?? true }
            } catch let error as GeometryError {
                // A damaged file says so before its plan does (its header may be what is wrong).
                try Engine.decodeAll(item.input.path, options: options.decode)
                throw error
            }
            for w in run.decodeWarnings { progress?.message("convkit: warning: \(item.input.path): \(w)") }
            e.inputShape = run.summary.inputShape
            e.outputShape = run.summary.outputShape
            e.outputs = run.summary.outputs
            let warnings = run.decodeWarnings + run.stageWarnings + [run.note].compactMap { $0 }
            e.warnings = warnings.isEmpty ? nil : warnings
            e.streamed = run.summary.memory.plan == "streamed" ? true : nil
            e.status = .ok
        } catch is CancellationError {
            return nil
        } catch let error as GeometryError {
            var error = error
            if error.subject == nil { error.subject = item.input.path }
            e.error = error.description
        } catch let error as any ConvKitError {
            e.error = error.description
        } catch {
            e.error = "\(item.input.path): \(error)"
        }
        let d = ContinuousClock.now - start
        e.ms = (ProgressReporter.seconds(d) * 1e4).rounded() / 10
        return e
    }

    static func dims(_ s: ConvKit.Shape) -> [Int] { [s.channels, s.height, s.width] }
}
