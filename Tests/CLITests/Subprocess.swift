import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A child process with a wall-clock limit (then it is killed), an optional
/// address-space limit, and its own peak RSS (getrusage(RUSAGE_CHILDREN) would
/// mix in every other test's children).
struct Spawned {
    /// Exit status, or nil when a signal ended it.
    var exitCode: Int32?
    /// The signal that ended it, or nil.
    var signal: Int32?
    var timedOut: Bool
    /// Peak resident set of the command, in KiB (ru_maxrss), when measured.
    var maxRSSKiB: Int?
    var stdout: String
    var stderr: String

    /// Runs `argv` (argv[0] is a path) with stdin from /dev/null, in its own
    /// process group (killed whole at the timeout), with the address space
    /// capped at `addressSpaceMiB` when given.
    ///
    /// glibc's posix_spawn shares the test process's memory until exec (vfork),
    /// and Linux carries that high-water mark into the child's ru_maxrss, so
    /// wait4 on a direct child reports the test runner's RSS. A small python3
    /// wrapper forks (a fresh mm), applies the limit, execs, and reports the
    /// child's own wait4 status and peak RSS. Without python3 the command runs
    /// directly and `maxRSSKiB` is nil.
    static func run(_ argv: [String], timeout: Double, addressSpaceMiB: Int? = nil) throws -> Spawned {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convkit-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outPath = dir.appendingPathComponent("stdout").path
        let errPath = dir.appendingPathComponent("stderr").path
        let reportPath = dir.appendingPathComponent("report").path
        let wrapped = python.map { [$0, "-c", wrapper, reportPath, String(addressSpaceMiB ?? 0)] + argv } ?? argv

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attr, 0)

        let cArgs = wrapped.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, wrapped[0], &actions, &attr, cArgs, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }

        var status: Int32 = 0
        var timedOut = false
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { break }
            if r < 0 && errno != EINTR { throw POSIXError(.ECHILD) }
            if Date() > deadline && !timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(2_000)
        }
        var rss: Int?
        if python != nil, !timedOut, let report = try? String(contentsOfFile: reportPath, encoding: .utf8) {
            // "STATUS MAXRSS": the wrapped command's raw wait status and its peak RSS in KiB.
            let fields = report.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if fields.count == 2 {
                status = fields[0]
                rss = Int(fields[1])
            }
        }
        let termSignal = status & 0x7f
        let read = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
        return Spawned(exitCode: termSignal == 0 ? (status >> 8) & 0xff : nil,
                     signal: termSignal == 0 ? nil : termSignal, timedOut: timedOut,
                     maxRSSKiB: rss, stdout: read(outPath), stderr: read(errPath))
    }

    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// argv: report-file, address-space MiB (0: none), command...
    static let wrapper = """
        import os, resource, sys
        report, limit, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
        pid = os.fork()
        if pid == 0:
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit << 20, limit << 20))
            os.execv(argv[0], argv)
        _, status, usage = os.wait4(pid, 0)
        with open(report, "w") as f:
            f.write("%d %d" % (status, usage.ru_maxrss))
        """

    /// "exit 1", "signal 11", "timed out".
    var summary: String {
        if timedOut { return "timed out" }
        if let signal { return "signal \(signal)" }
        return "exit \(exitCode ?? -1)"
    }
}

/// Test settings that differ in sanitizer builds (Scripts/sanitize.sh sets
/// CONVKIT_SANITIZER): the shadow memory of ASan/TSan inflates RSS, and
/// instrumented code runs several times slower.
enum SweepLimits {
    static let sanitized = ProcessInfo.processInfo.environment["CONVKIT_SANITIZER"] != nil
    /// Seconds one convkit run may take.
    static var timeout: Double { sanitized ? 120 : 30 }
    /// Peak RSS one run on a corpus file or mutant may reach, KiB (nil: not checked).
    static var maxRSSKiB: Int? { sanitized ? nil : 1 << 20 }
    /// Address space one run may map, MiB: a runaway allocation fails instead of
    /// swapping (nil under sanitizers, whose shadow memory maps terabytes).
    static var addressSpaceMiB: Int? { sanitized ? nil : 4096 }
}
