import ConvKit
import ConvKitIO
import Foundation

/// Runs one pipeline over many inputs: `jobs` images in flight, one
/// manifest line per input, bad inputs reported and passed over, and a clean
/// stop on SIGINT/SIGTERM.
///
///     let inputs = InputCollector(recursive: true).collect(["photos"])
///     let summary = try BatchRunner(inputs: inputs, options: options).run()
///     print(summary.line)   // "198 ok, 2 failed, 0 skipped (...)"
///
/// Guarantees:
/// - outputs are written atomically, so no partial file is ever visible;
/// - a line is appended to the manifest (one `write(2)`) as soon as each
///   input is done, so after `kill -9` a `--resume` run redoes only the
///   inputs that were in flight, and its outputs are byte-identical;
/// - on the first SIGINT/SIGTERM nothing new starts, in-flight inputs are
///   abandoned at their next step (an encode already under way finishes its
///   atomic write), the manifest is synced, and ``BatchSummary/signal`` is
///   set; a second signal exits at once after removing temporary files.
public final class BatchRunner: @unchecked Sendable {
    public let options: BatchOptions
    public let plan: BatchPlan
    private let fingerprint: Fingerprint
    private let lock = NSLock()
    private var queue: [BatchPlan.Item] = []
    private var next = 0
    private var inFlight: [Int: BatchPlan.Item] = [:]
    private var cancelled: Int32?
    private var stopByFailure = false
    private var summary = BatchSummary()
    /// Jobs running at once: each streams when its input's whole-image plan exceeds its share of the memory limit.
    private(set) var jobCount = 1
    private(set) var progress: ProgressReporter?
    private var manifest: ManifestWriter?

    public init(inputs: [BatchInput], options: BatchOptions) {
        self.options = options
        plan = BatchPlan(inputs, outDir: options.outDir, format: options.format)
        fingerprint = options.fingerprint
    }

    /// Runs the batch and returns what happened. Throws only when the batch
    /// cannot start (output directory or manifest unusable, or a name clash
    /// with `--fail-fast`); a bad input is a failed entry, not a throw.
    public func run() throws(BatchError) -> BatchSummary {
        let start = ContinuousClock.now
        let clashes = plan.clashes
        if options.failFast, let first = clashes.first {
            throw BatchError(Self.clashMessage(first), path: first[0].output, hint: "rename one input or use another --out-dir")
        }
        do {
            try FileManager.default.createDirectory(atPath: options.outDir, withIntermediateDirectories: true)
        } catch {
            throw BatchError("cannot create the output directory: \(error.localizedDescription)", path: options.outDir)
        }
        let mine = plan.items.filter { options.shard.contains(relativePath: $0.input.relativePath) }
        let writer = try ManifestWriter(path: options.manifestPath)
        manifest = writer
        let reporter = ProgressReporter(mode: options.progress, total: mine.count)
        progress = reporter
        summary.total = mine.count
        summary.manifest = options.manifestPath
        for group in clashes { reporter.message("convkit: error: \(group[0].output): \(Self.clashMessage(group))") }

        let index = options.resume ? ManifestIndex(reading: options.resumeManifests) : ManifestIndex()
        for problem in index.problems { reporter.message("convkit: warning: \(problem.description)") }
        TempFiles.remove(for: mine.map(\.output))

        for item in mine {
            if !item.clashesWith.isEmpty {
                var e = entry(for: item, status: .failed)
                e.error = "\(item.output): also the output of \(item.clashesWith.joined(separator: ", ")) (rename one input or use another --out-dir)"
                record(e)
            } else if options.resume, case let (bytes, modified) = Self.identity(item.input.path),
                      let outputs = index.isDone(relative: item.input.relativePath, output: item.output,
                                                 fingerprint: fingerprint.value, inputBytes: bytes, inputModified: modified) {
                var e = entry(for: item, status: .skipped)
                e.outputs = outputs
                (e.inputBytes, e.inputModified) = (bytes, modified)
                record(e)
            } else {
                queue.append(item)
            }
        }
        if options.failFast && summary.failed > 0 { stopByFailure = true }

        let (jobs, threadsPerJob) = options.parallelism(inputs: queue.count)
        jobCount = jobs
        summary.jobs = jobs
        summary.threadsPerJob = threadsPerJob
        let trap = options.trapSignals ? SignalTrap { [weak self] sig in self?.interrupt(sig) } : nil
        let group = DispatchGroup()
        for _ in 0..<jobs {
            group.enter()
            let worker = Thread { [self] in
                work(threads: threadsPerJob)
                group.leave()
            }
            // Decoders and kernels keep their buffers on the heap; 8 MiB matches the main thread.
            worker.stackSize = 8 << 20
            worker.start()
        }
        group.wait()
        trap?.cancel()
        writer.sync()
        reporter.close()
        lock.lock()
        defer { lock.unlock() }
        summary.signal = cancelled
        summary.stoppedByFailure = stopByFailure
        summary.notRun = summary.total - summary.ok - summary.failed - summary.skipped
        summary.seconds = ProgressReporter.seconds(ContinuousClock.now - start)
        return summary
    }

    private func work(threads: Int) {
        while let (slot, item) = take() {
            let result = process(item, threads: threads)
            lock.lock()
            inFlight[slot] = nil
            lock.unlock()
            if let result { record(result) }
        }
    }

    private func take() -> (Int, BatchPlan.Item)? {
        lock.lock()
        defer { lock.unlock() }
        guard cancelled == nil, !stopByFailure, next < queue.count else { return nil }
        let slot = next
        next += 1
        inFlight[slot] = queue[slot]
        return (slot, queue[slot])
    }

    /// Whether the run was told to stop (a signal); checked between the steps of an input.
    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled != nil
    }

    private func record(_ e: ManifestEntry) {
        manifest?.append(e)
        lock.lock()
        switch e.status {
        case .ok: summary.ok += 1
        case .failed:
            summary.failed += 1
            if options.failFast { stopByFailure = true }
        case .skipped: summary.skipped += 1
        }
        lock.unlock()
        if e.status == .failed, let error = e.error { progress?.message("convkit: error: \(error)") }
        progress?.finished(ok: e.status != .failed, skipped: e.status == .skipped)
    }

    private func interrupt(_ sig: Int32) {
        lock.lock()
        let first = cancelled == nil
        if first { cancelled = sig }
        let running = Array(inFlight.values)
        lock.unlock()
        let name = sig == SIGINT ? "SIGINT" : "SIGTERM"
        if first {
            progress?.message("convkit: \(name): stopping; \(running.count) input\(running.count == 1 ? "" : "s") in flight "
                + "abandoned, manifest kept (run again with --resume to finish; \(name) again to quit at once)")
            return
        }
        // A second signal: leave now, without partial files.
        TempFiles.remove(for: running.map(\.output))
        manifest?.sync()
        progress?.close()
        _exit(128 + sig)
    }

    func entry(for item: BatchPlan.Item, status: ManifestEntry.Status) -> ManifestEntry {
        var e = ManifestEntry(path: item.input.path, relative: item.input.relativePath, output: item.output,
                              status: status, fingerprint: fingerprint.value)
        if options.shard.count > 1 { e.shard = options.shard.description }
        return e
    }

    static func clashMessage(_ group: [BatchPlan.Item]) -> String {
        "\(group.count) inputs map to this output: " + group.map(\.input.path).joined(separator: ", ")
    }

    /// Size and modification time of `path`, as the manifest records them.
    static func identity(_ path: String) -> (Int?, String?) {
        var st = stat()
        guard stat(path, &st) == 0 else { return (nil, nil) }
        let ns = String(st.st_mtim.tv_nsec)
        return (Int(st.st_size), "\(st.st_mtim.tv_sec).\(String(repeating: "0", count: 9 - ns.count))\(ns)")
    }
}
