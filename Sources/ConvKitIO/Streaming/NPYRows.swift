import ConvKit

/// Rows of a C-order `.npy` file read in place with pread: row y of channel
/// c is one contiguous run of `width` elements at a computed offset, so any
/// strip can be read in any order without loading (or mapping) the file.
struct NPYRows {
    let header: NPY.Header
    let shape: Shape
    let info: ImageInfo
    let path: String

    /// The largest header read. NumPy writes headers of a few hundred bytes
    /// and its reader refuses more than 10,000 by default; a larger declared
    /// length is an error here (``ImageDecoder``, holding the whole file,
    /// would parse it).
    static let maxHeaderBytes = 1 << 20

    var elementBytes: Int { header.bitDepth / 8 }

    /// Reads and checks the header of the `.npy` open as `fd` (`fileSize`
    /// bytes) with the errors of ``ImageDecoder/decode(path:options:)``:
    /// dtype, Fortran order, rank, max-pixels, an empty array and cut data.
    init(fd: Int32, fileSize: Int, path: String, options: DecodeOptions) throws(CodecError) {
        // Magic (6), version (2), header length (2 in 1.0, 4 in 2.0 and 3.0).
        let lead = try RowFile.bytes(fd, count: min(fileSize, 12), at: 0, path: path)
        var need = lead.count
        if lead.count >= 10, (1...3).contains(lead[6]) {
            // Anything else makes NPY.header throw its own message below.
            let length = lead[6] == 1
                ? Int(lead[8]) | Int(lead[9]) << 8
                : lead.count >= 12 ? Int(lead[8]) | Int(lead[9]) << 8 | Int(lead[10]) << 16 | Int(lead[11]) << 24 : 0
            let start = lead[6] == 1 ? 10 : 12
            guard length <= Self.maxHeaderBytes else {
                throw CodecError(path: path, codec: "NPY", "header of \(length) bytes is larger than \(Self.maxHeaderBytes)",
                                 hint: "NumPy writes headers of a few hundred bytes; the file is damaged")
            }
            need = min(fileSize, start + length)
        }
        let bytes = need > lead.count ? try RowFile.bytes(fd, count: need, at: 0, path: path) : lead
        header = try NPY.header(bytes, path: path)
        info = try ImageDecoder.npyInfo(header, path: path, options: options)
        shape = Shape(channels: info.channels, height: info.height, width: info.width)
        _ = try NPY.elementCount(header, path: path, available: fileSize - header.dataOffset)
        self.path = path
    }

    /// Reads `rows` of every channel into `dst` (planar strip layout), going
    /// through `scratch` (any size of at least one element) in runs.
    func read(_ fd: Int32, rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>,
              scratch: UnsafeMutableRawBufferPointer) throws(CodecError) {
        let width = shape.width, height = shape.height
        let perRun = max(1, scratch.count / elementBytes)
        for c in 0..<shape.channels {
            // The channel's rows are contiguous in the file and in dst.
            let total = rows.count * width
            let first = (c * height + rows.lowerBound) * width
            let out = c * rows.count * width
            var done = 0
            while done < total {
                let n = min(perRun, total - done)
                let run = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<(n * elementBytes)])
                let offset = header.dataOffset + (first + done) * elementBytes
                let got = try RowFile.read(fd, into: run, at: offset, path: path)
                guard got == run.count else {
                    throw CodecError(path: path, codec: "NPY",
                                     "data is cut short: the file ends at byte \(offset + got), rows need \(offset + run.count)",
                                     hint: "the file was truncated after it was opened")
                }
                NPY.convert(UnsafeRawPointer(run.baseAddress!), dtype: header.dtype,
                            into: UnsafeMutableBufferPointer(rebasing: dst[(out + done)..<(out + done + n)]))
                done += n
            }
        }
    }
}
