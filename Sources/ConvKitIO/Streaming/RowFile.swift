import Foundation

/// pread/pwrite on a descriptor, looping over EINTR and partial transfers:
/// the row reader and writer address the file by offset, so neither keeps a
/// file position and `.npy` rows can be read or written in any order.
enum RowFile {
    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of
    /// the file. Errors carry the errno text.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int,
                     path: String) throws(CodecError) -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw FileBytes.errnoError(path)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    static func bytes(_ fd: Int32, count: Int, at offset: Int, path: String) throws(CodecError) -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 1)
        defer { buffer.deallocate() }
        let n = try read(fd, into: buffer, at: offset, path: path)
        return Array(buffer[0..<n])
    }

    /// Writes all of `buffer` at `offset`; errors as ``AtomicFile``'s
    /// (with the hints for a full disk and the file-size limit).
    static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer, at offset: Int,
                      path: String) throws(CodecError) {
        var done = 0
        while done < buffer.count {
            let n = pwrite(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw AtomicFile.writeError(path, "cannot write: ")
            }
            done += n
        }
    }

    /// Rows per batch when a strip goes through a scratch buffer: about
    /// 1 MiB, so the scratch never grows with the strip or the image.
    static func batchRows(rowBytes: Int) -> Int { max(1, (1 << 20) / max(1, rowBytes)) }
}
