import Foundation

/// One line of the JSON Lines manifest: what happened to one input.
///
///     {"fingerprint":"3f1c0e6a9b2d4c71","inputShape":[3,512,512],"ms":41.2,
///      "output":"out/a.png","outputShape":[3,512,512],"path":"photos/a.jpg",
///      "relative":"a.jpg","status":"ok","time":"2025-01-02T03:04:05.678Z",...}
public struct ManifestEntry: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Processed and written.
        case ok
        /// Not written; `error` says why.
        case failed
        /// Already done by an earlier run with the same fingerprint (`--resume`).
        case skipped
    }

    /// The input as it was named.
    public var path: String
    /// The input's path under its root; outputs mirror it. Resume matches on it.
    public var relative: String
    /// The output the input maps to (for `--layout channels` the first of `outputs`' stem).
    public var output: String
    /// Every file written for this input.
    public var outputs: [String]?
    public var status: Status
    public var error: String?
    public var warnings: [String]?
    /// `[C, H, W]`.
    public var inputShape: [Int]?
    public var outputShape: [Int]?
    /// Decode + pipeline + encode time, in milliseconds.
    public var ms: Double?
    /// True when the input ran in strips of rows (its whole-image plan was over the memory limit).
    public var streamed: Bool?
    public var fingerprint: String
    /// Size and modification time (`seconds.nanoseconds`) of the input when it was read.
    public var inputBytes: Int?
    public var inputModified: String?
    /// `I/N` when the run was a shard.
    public var shard: String?
    /// When the line was written, UTC, ISO 8601 with milliseconds.
    public var time: String

    public init(path: String, relative: String, output: String, status: Status, fingerprint: String) {
        self.path = path
        self.relative = relative
        self.output = output
        self.status = status
        self.fingerprint = fingerprint
        self.time = Self.now()
    }

    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var t = tm()
        var secs = ts.tv_sec
        gmtime_r(&secs, &t)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T"
            + "\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(ts.tv_nsec / 1_000_000), 3))Z"
    }
}

/// Appends manifest lines: one `write(2)` per line on a file opened with
/// `O_APPEND`, so a line reaches the kernel as soon as the input is done and
/// survives `kill -9`; lines from several threads never interleave.
public final class ManifestWriter: @unchecked Sendable {
    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Opens (creating) `path` for appending. If a killed run left a cut
    /// line at the end, a newline is added so the next line stands alone.
    public init(path: String) throws(BatchError) {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BatchError("cannot open the manifest for appending: \(String(cString: strerror(errno)))", path: path,
                             hint: "choose a writable --manifest or --out-dir")
        }
        var st = stat()
        if fstat(fd, &st) == 0, st.st_size > 0 {
            let rfd = open(path, O_RDONLY | O_CLOEXEC)
            var last: UInt8 = 0
            if rfd >= 0 {
                if pread(rfd, &last, 1, off_t(st.st_size - 1)) == 1, last != UInt8(ascii: "\n") { writeAll([UInt8(ascii: "\n")]) }
                close(rfd)
            }
        }
    }

    deinit { close(fd) }

    /// Writes `entry` as one line.
    public func append(_ entry: ManifestEntry) {
        guard var bytes = try? [UInt8](encoder.encode(entry)) else { return }
        bytes.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        writeAll(bytes)
    }

    /// Forces the lines written so far to disk.
    public func sync() {
        lock.lock()
        defer { lock.unlock() }
        _ = fsync(fd)
    }

    private func writeAll(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            done += n
        }
    }
}

/// What earlier runs recorded: the latest entry for each relative path,
/// read from one or more manifests.
public struct ManifestIndex: Sendable {
    public private(set) var latest: [String: ManifestEntry] = [:]
    /// Lines that could not be read, as errors naming the manifest line.
    public private(set) var problems: [BatchError] = []

    public init() {}

    /// Reads every line of every manifest in `paths` that exists.
    public init(reading paths: [String]) {
        for p in paths {
            guard let data = FileManager.default.contents(atPath: p) else { continue }
            add(String(decoding: data, as: UTF8.self), path: p)
        }
    }

    /// Adds the lines of one manifest; later `time`s win, and within one
    /// time, later lines.
    public mutating func add(_ text: String, path: String) {
        let decoder = JSONDecoder()
        for (i, line) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() where !line.isEmpty {
            guard let entry = try? decoder.decode(ManifestEntry.self, from: Data(line.utf8)) else {
                problems.append(BatchError("not a manifest entry; the line is ignored", path: path, line: i + 1,
                                           hint: "a killed run can cut its last line short; the input is redone"))
                continue
            }
            if let old = latest[entry.relative], old.time > entry.time { continue }
            latest[entry.relative] = entry
        }
    }

    /// Whether `relative` is done: its latest entry is ok (or a skip of an
    /// ok one) with `fingerprint`, made from an input of this size and
    /// modification time, and every output it wrote still exists.
    /// Outputs are looked for next to `output`, the output planned now, so a
    /// run from another directory (or with an absolute `--out-dir`) agrees.
    public func isDone(relative: String, output: String, fingerprint: String,
                       inputBytes: Int?, inputModified: String?) -> [String]? {
        guard let e = latest[relative], e.status != .failed, e.fingerprint == fingerprint else { return nil }
        guard e.inputBytes == inputBytes, e.inputModified == inputModified else { return nil }
        let recorded = e.outputs ?? [e.output]
        let oldStem = Self.stem(e.output), newStem = Self.stem(output)
        let outputs = recorded.map { $0.hasPrefix(oldStem) ? newStem + $0.dropFirst(oldStem.count) : $0 }
        guard !outputs.isEmpty, outputs.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return nil }
        return outputs
    }

    /// `dir/a.png` -> `dir/a`.
    static func stem(_ path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        guard let dot = path[slash...].lastIndex(of: "."), dot != slash else { return path }
        return String(path[..<dot])
    }
}
