import Foundation

/// Writing a file so that readers see either the old file or the complete
/// new one, never a partial one: the bytes go to a temporary file in the same
/// directory (`.name.tmp-XXXXXX`, from mkstemp), which is then renamed over
/// the target (rename(2) is atomic within a file system). On any failure the
/// temporary file is removed.
///
///     try AtomicFile.write(Array(html.utf8), to: "report.html")
///
/// Errors name the file and the errno text, with a hint for a missing
/// directory (`--mkdir`), a full disk (ENOSPC, EDQUOT) and a file-size limit (EFBIG).
public enum AtomicFile {
    public static func write(_ bytes: [UInt8], to path: String) throws(CodecError) {
        let (fd, temp) = try createTemporary(for: path)
        var closed = false
        func abandon(_ error: CodecError) -> CodecError {
            if !closed { close(fd) }
            unlink(temp)
            return error
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw abandon(writeError(path, "cannot write: "))
            }
            done += n
        }
        // mkstemp creates 0600; outputs are ordinary files.
        _ = fchmod(fd, 0o644)
        closed = true
        guard close(fd) == 0 else { throw abandon(writeError(path, "cannot write: ")) }
        guard rename(temp, path) == 0 else { throw abandon(FileBytes.errnoError(path, "cannot rename the temporary file into place: ")) }
    }

    /// A new temporary file `.NAME.tmp-XXXXXX` (mkstemp, mode 0600) next to
    /// `path`, open for writing, and its path; errors for a missing directory
    /// and an unwritable one.
    static func createTemporary(for path: String) throws(CodecError) -> (fd: Int32, path: String) {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !name.isEmpty else { throw CodecError(path: path, "is not a file name", hint: "end the path with a file name") }
        let prefix = slash == nil ? "" : (dir.isEmpty ? "/" : dir + "/")
        var template = Array((prefix + "." + name + ".tmp-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            let code = errno
            let shown = slash == nil ? "." : (dir.isEmpty ? "/" : dir)
            if code == ENOENT || code == ENOTDIR {
                throw CodecError(path: path, "directory \(shown) does not exist",
                                 hint: "create it first, or pass --mkdir")
            }
            errno = code
            throw writeError(path, "cannot create a temporary file in \(shown): ")
        }
        return (fd, template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    }

    /// The errno text of a failed write, with a hint for the causes a user can fix.
    static func writeError(_ path: String, _ prefix: String) -> CodecError {
        let code = errno
        var error = FileBytes.errnoError(path, prefix)
        switch code {
        case ENOSPC, EDQUOT:
            error.hint = "the disk or quota is full; free space or write elsewhere; no partial file was left"
        case EFBIG:
            error.hint = "the file size limit (ulimit -f) or the file system's largest file was reached; no partial file was left"
        case EACCES, EPERM, EROFS:
            error.hint = "the directory is not writable; choose another output path"
        default:
            break
        }
        return error
    }
}
