import Foundation

/// Reading a whole input file, with errors that name the file and the errno text.
enum FileBytes {
    /// The bytes of the regular file at `path`.
    ///
    /// Errors: the errno text for a missing or unreadable file, "is a
    /// directory", and "empty file" for 0 bytes.
    static func read(_ path: String) throws(CodecError) -> [UInt8] {
        let (fd, size) = try openForReading(path)
        defer { close(fd) }
        var bytes: [UInt8] = []
        if size > 0 { bytes.reserveCapacity(size) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw errnoError(path)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        guard !bytes.isEmpty else { throw CodecError(path: path, "empty file", hint: "the file has 0 bytes") }
        return bytes
    }

    /// An open descriptor of the file at `path` and its size, with the errors
    /// of ``read(_:)`` for a missing or unreadable file and a directory. The
    /// caller closes the descriptor.
    static func openForReading(_ path: String) throws(CodecError) -> (fd: Int32, size: Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errnoError(path) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let error = errnoError(path)
            close(fd)
            throw error
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw CodecError(path: path, "is a directory", hint: "give an image file")
        }
        return (fd, Int(max(0, st.st_size)))
    }

    /// A CodecError with the current errno's text, e.g. "No such file or directory".
    static func errnoError(_ path: String, _ prefix: String = "") -> CodecError {
        let code = errno
        return CodecError(path: path, prefix + String(cString: strerror(code)))
    }
}
