import ArgumentParser
import ConvKit
import ConvKitBatch
import ConvKitIO
import ConvKitReport
import Foundation

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one pipeline over many images; resumable, shardable, stops cleanly on Ctrl-C.",
        discussion: """
            Outputs mirror the inputs' paths under --out-dir: a folder argument is the root of its files \
            (photos/2024/a.jpg -> OUT/2024/a.png with --recursive), files named directly share their common \
            folder. Folders contribute .png, .jpg, .jpeg, .tif, .tiff, .webp and .npy files; named or listed files are always \
            tried (the content decides the format). A bad input is reported and passed over; the exit status \
            is 1 at the end if any failed, 130 after SIGINT, 143 after SIGTERM. Each input gets a JSON line in \
            the manifest (path, output, status ok|failed|skipped, error, shapes, ms, pipeline fingerprint).
            """
    )

    @Argument(help: "Images and folders.")
    var inputs: [String] = []

    @Option(help: ArgumentHelp("Where outputs go (created if missing).", valueName: "DIR"))
    var outDir: String

    @OptionGroup var pipelineOptions: PipelineOptions
    @OptionGroup var decode: DecodeFlags
    @OptionGroup var outputOptions: OutputOptions
    @OptionGroup var streamFlags: StreamFlags

    @Option(help: "Output format: png, jpg, tiff, webp or npy.")
    var format: OutputFormat = .png

    @Option(help: "Images in flight at once (default: one per core); the kernel threads are divided among them.")
    var jobs: Int?

    @Option(help: "Threads in all, shared by the jobs (default: one per core).")
    var threads: Int?

    @Flag(help: "Descend into subfolders of folder arguments.")
    var recursive = false

    @Option(help: ArgumentHelp("Read input paths from FILE, one per line; - reads standard input.", valueName: "FILE|-"))
    var fromList: String?

    @Flag(help: "Skip inputs the manifest records as done with the same pipeline fingerprint and an unchanged input.")
    var resume = false

    @Option(help: ArgumentHelp("The JSON Lines manifest (default: DIR/convkit-manifest.jsonl, per shard DIR/convkit-manifest-shard-I-of-N.jsonl).",
                               valueName: "FILE"))
    var manifest: String?

    @Option(help: ArgumentHelp("""
        Take only shard I of N (0-based): the inputs whose FNV-1a hash of relative path mod N is I. \
        auto reads a Slurm array (SLURM_ARRAY_TASK_ID/COUNT/MIN) or a Kubernetes Indexed Job \
        (JOB_COMPLETION_INDEX with CONVKIT_SHARD_COUNT).
        """, valueName: "I/N|auto"))
    var shard: String?

    @Flag(help: "Stop starting new inputs after the first failure.")
    var failFast = false

    @Option(help: "auto (a bar on a terminal, plain lines otherwise), always or never.")
    var progress: ProgressMode = .auto

    func validate() throws {
        if inputs.isEmpty && fromList == nil { throw ValidationError("give input files or folders, or --from-list FILE|-") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be >= 1") }
        if let threads, threads < 1 { throw ValidationError("--threads must be >= 1") }
        if let shard, shard != "auto" {
            do { _ = try Shard.parse(shard) } catch { throw ValidationError(error.message + " (" + (error.hint ?? "") + ")") }
        }
    }

    func run() throws {
        var status: Int32 = 0
        try reportingErrors {
            var options = BatchOptions(outDir: outDir)
            options.shard = try shard.map { $0 == "auto" ? try Shard.fromEnvironment(ProcessInfo.processInfo.environment)
                                                         : try Shard.parse($0) } ?? .all
            let (pipeline, defaults) = try pipelineOptions.resolve()
            options.pipeline = pipeline
            options.format = format.imageFormat
            options.decode = decode.options
            options.encode = outputOptions.encodeOptions(text: [:], defaults: defaults)
            options.layout = outputOptions.layout(defaults: defaults)
            options.overwrite = outputOptions.overwrite
            options.colormap = outputOptions.colormap ?? defaults?.colormap.flatMap(Colormap.init(rawValue:)) ?? .gray
            (options.jobs, options.threads) = (jobs, threads)
            (options.memoryLimit, options.stream, options.maxBytes) = (streamFlags.limit, streamFlags.stream, decode.maxBytes)
            (options.resume, options.manifest, options.failFast, options.progress) = (resume, manifest, failFast, progress)
            var collector = InputCollector(recursive: recursive, excludedDirectories: [outDir])
            let found = collector.collect(inputs + (try listedInputs()))
            collector.notes.forEach { warn($0) }
            guard !found.isEmpty else {
                throw BatchError("no inputs found", hint: "name image files or folders; folders contribute .png, .jpg, .jpeg, .tif, .tiff, .webp and .npy files")
            }
            let summary = try BatchRunner(inputs: found, options: options).run()
            print("convkit batch: " + summary.line)
            status = summary.exitStatus
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func listedInputs() throws -> [String] {
        guard let fromList else { return [] }
        let data: Data
        if fromList == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let d = FileManager.default.contents(atPath: fromList) else {
                throw BatchError("cannot read the input list", path: fromList, hint: "give a readable file, or - for standard input")
            }
            data = d
        }
        return InputCollector.readList(String(decoding: data, as: UTF8.self))
    }
}

/// `--format`: the output format of `batch`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case png, jpg, jpeg, npy, tiff, tif, webp

    var imageFormat: ImageFormat {
        switch self {
        case .png: .png
        case .jpg, .jpeg: .jpeg
        case .npy: .npy
        case .tiff, .tif: .tiff
        case .webp: .webp
        }
    }
}

extension ProgressMode: ExpressibleByArgument {}
