import ConvKit
import ConvKitIO
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
            // The plan and its memory from the header, before any pixel is decoded. A plan that
            // does not fit is reported after decoding, as before: a damaged file says so first.
            let info = try ImageRowReader.open(path: item.input.path, options: options.decode).info
            let declared = Shape(channels: info.channels, height: info.height, width: info.width)
            var streamed = false
            if let planned = try? options.pipeline.plan(for: declared) {
                let memory = ApplyMemory(input: declared, stages: planned, fileBytes: FileSize.of(item.input.path),
                                         sampleBytes: max(1, (info.bitDepth + 7) / 8))
                let share = options.memoryLimit / max(1, jobCount)
                streamed = options.streamer != nil && (options.stream || memory.wholeImageBytes > share)
                try MemoryBudget.check(planned, input: declared, maxBytes: options.maxBytes, subject: item.input.path,
                                       streamed: streamed)
            }
            if streamed, let streamer = options.streamer {
                let dir = (item.output as NSString).deletingLastPathComponent
                if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
                e.inputShape = Self.dims(declared)
                let share = options.memoryLimit / max(1, jobCount)
                let r = try streamer.run(item.input.path, item.output, threads, share) { [weak self] in self?.isCancelled ?? true }
                for w in r.warnings { progress?.message("convkit: warning: \(item.input.path): \(w)") }
                e.outputShape = Self.dims(r.output)
                e.outputs = r.paths
                let stageWarnings = (try? options.pipeline.plan(for: declared))?.flatMap(\.warnings) ?? []
                let warnings = r.warnings + stageWarnings + [r.note].compactMap { $0 }
                e.warnings = warnings.isEmpty ? nil : warnings
                e.streamed = true
                e.status = .ok
                let d = ContinuousClock.now - start
                e.ms = (ProgressReporter.seconds(d) * 1e4).rounded() / 10
                return e
            }
            let decoded = try ImageDecoder.decode(path: item.input.path, options: options.decode)
            var warnings = decoded.warnings
            for w in decoded.warnings { progress?.message("convkit: warning: \(item.input.path): \(w)") }
            e.inputShape = Self.dims(decoded.tensor.shape)
            if isCancelled { return nil }
            let stages = try options.pipeline.plan(for: decoded.tensor.shape)
            warnings += stages.flatMap(\.warnings)
            let (result, _) = try options.pipeline.run(decoded.tensor, threads: threads)
            e.outputShape = Self.dims(result.shape)
            if isCancelled { return nil }
            // The same text for every run of the same pipeline on the same input (no
            // times), so that a resumed batch writes byte-identical files.
            var encode = options.encode
            encode.text = [
                "Software": "convkit \(convkitVersion)",
                "convkit:pipeline": stages.isEmpty ? "none" : stages.map(\.summary).joined(separator: " | "),
                "convkit:input-shape": decoded.tensor.shape.description,
                "convkit:output-shape": result.shape.description,
            ]
            let dir = (item.output as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            let context = OutputWriting.Context(input: decoded.tensor.shape, stages: stages, encode: encode, layout: options.layout)
            let written = try options.writer.write(result, item.output, context)
            if let note = written.note { warnings.append(note) }
            e.outputs = written.paths
            e.warnings = warnings.isEmpty ? nil : warnings
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
