import Foundation

/// Reading a whole input file, with errors that name the file and the errno text.
enum FileBytes {
    /// The bytes of the regular file at `path`.
    ///
    /// Errors: the errno text for a missing or unreadable file, "is a
    /// directory", and "empty file" for 0 bytes.
    static func read(_ path: String) throws(CodecError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw errnoError(path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw errnoError(path) }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            throw CodecError(path: path, "is a directory", hint: "give an image file")
        }
        var bytes: [UInt8] = []
        if st.st_size > 0 { bytes.reserveCapacity(Int(st.st_size)) }
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

    /// A CodecError with the current errno's text, e.g. "No such file or directory".
    static func errnoError(_ path: String, _ prefix: String = "") -> CodecError {
        let code = errno
        return CodecError(path: path, prefix + String(cString: strerror(code)))
    }
}
