import ConvKit
import ConvKitIO
import ConvKitReport
import Foundation

/// A file of raw Float32 samples next to the output (`.NAME.scratch-XXXXXX`),
/// for what a streamed run cannot do in one pass: EXIF rotations, per-map
/// min-max and signed maps. Read and written with pread/pwrite at element
/// offsets, so it never counts in the process's resident memory. It is
/// removed when released, on error, and on SIGINT/SIGTERM (``SignalCleanup``).
/// Floats addressed by element offset, written once and read back: where a
/// two-pass map keeps the output between its passes.
protocol FloatStore: AnyObject {
    func write(_ src: UnsafePointer<Float>, count: Int, at offset: Int) throws(CodecError)
    func read(into dst: UnsafeMutablePointer<Float>, count: Int, at offset: Int) throws(CodecError)
    /// Frees the storage now (idempotent).
    func remove()
}

/// A ``FloatStore`` in memory, for a run that holds the image whole anyway.
final class MemoryStore: FloatStore {
    private var data: [Float]

    init(count: Int) { data = [Float](repeating: 0, count: count) }

    func write(_ src: UnsafePointer<Float>, count: Int, at offset: Int) {
        data.withUnsafeMutableBufferPointer { ($0.baseAddress! + offset).update(from: src, count: count) }
    }

    func read(into dst: UnsafeMutablePointer<Float>, count: Int, at offset: Int) {
        data.withUnsafeBufferPointer { dst.update(from: $0.baseAddress! + offset, count: count) }
    }

    func remove() { data = [] }
}

final class ScratchFile: FloatStore {
    let path: String
    private let fd: Int32
    /// What the file holds, for `--json`.
    let purpose: String
    private(set) var bytesWritten = 0

    init(near output: String, purpose: String) throws(CodecError) {
        let slash = output.lastIndex(of: "/")
        let dir = slash.map { String(output[..<$0]) } ?? ""
        let name = slash.map { String(output[output.index(after: $0)...]) } ?? output
        let prefix = slash == nil ? "" : (dir.isEmpty ? "/" : dir + "/")
        var template = Array((prefix + "." + name + ".scratch-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw CodecError(path: output, "cannot create a scratch file: " + String(cString: strerror(errno)),
                             hint: "the streamed run needs a scratch file in the output's directory")
        }
        self.fd = fd
        self.path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.purpose = purpose
        SignalCleanup.register(path)
    }

    private var removed = false

    deinit { remove() }

    /// Closes and deletes the file now (it is deleted on release otherwise); idempotent.
    func remove() {
        guard !removed else { return }
        removed = true
        close(fd)
        unlink(path)
        SignalCleanup.unregister(path)
    }

    /// Writes `count` floats from `src` at element `offset`.
    func write(_ src: UnsafePointer<Float>, count: Int, at offset: Int) throws(CodecError) {
        var done = 0
        let bytes = count * 4
        while done < bytes {
            let n = pwrite(fd, UnsafeRawPointer(src) + done, bytes - done, off_t(offset * 4 + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw CodecError(path: path, "cannot write the scratch file: " + String(cString: strerror(errno)),
                                 hint: "the streamed run needs room for a scratch file in the output's directory")
            }
            done += n
        }
        bytesWritten = max(bytesWritten, (offset + count) * 4)
    }

    /// Reads `count` floats at element `offset` into `dst`.
    func read(into dst: UnsafeMutablePointer<Float>, count: Int, at offset: Int) throws(CodecError) {
        var done = 0
        let bytes = count * 4
        while done < bytes {
            let n = pread(fd, UnsafeMutableRawPointer(dst) + done, bytes - done, off_t(offset * 4 + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw CodecError(path: path, "cannot read the scratch file back: " + String(cString: strerror(errno)))
            }
            done += n
        }
    }
}

/// Paths to remove if the process is interrupted: scratch files and the
/// temporary files of streamed outputs. SIGINT, SIGTERM and SIGHUP unlink
/// them and exit with 128 + the signal, as a shell reports it.
public enum SignalCleanup {
    private static let capacity = 64
    /// C strings the handler reads; slots are set before the path is used and cleared after.
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let p = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        p.initialize(repeating: nil, count: capacity)
        return p
    }()
    private static let lock = NSLock()
    nonisolated(unsafe) private static var installed = false

    /// Makes SIGINT, SIGTERM and SIGHUP remove the registered paths and exit
    /// with 128 + the signal. `apply` calls it; `batch` keeps its own handlers
    /// (it stops streamed inputs through their cancellation check instead).
    public static func installHandlers() {
        lock.lock()
        defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig) { sig in
                for i in 0..<SignalCleanup.capacity {
                    if let p = SignalCleanup.slots[i] { unlink(p) }
                }
                _exit(128 + sig)
            }
        }
    }

    static func register(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        for i in 0..<capacity where slots[i] == nil {
            slots[i] = strdup(path)
            return
        }
    }

    static func unregister(_ path: String) {
        lock.lock()
        defer { lock.unlock() }
        for i in 0..<capacity {
            guard let p = slots[i], String(cString: p) == path else { continue }
            slots[i] = nil
            free(p)
            return
        }
    }
}
