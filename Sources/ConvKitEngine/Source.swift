import ConvKit
import ConvKitIO
import ConvKitReport

/// The rows of an input file in display order, for a streamed run.
///
/// Rows come straight from the decoder when the file needs no EXIF turn or
/// only a left-right mirror (2). Turns that reorder rows (3 and 4) or swap
/// rows and columns (5-8) need the whole image: the stored rows are decoded
/// once, in bands, into a scratch file in display order, and rows are then
/// read from it.
final class StreamedInput {
    let reader: ImageRowReader
    /// Display-order shape.
    let shape: Shape
    let orientation: Int?
    private(set) var scratch: ScratchFile?

    init(path: String, options: DecodeOptions, output: String) throws(CodecError) {
        reader = try ImageRowReader.open(path: path, options: options)
        let stored = reader.storedShape
        let o = options.autoOrient ? reader.orientation.flatMap { (2...8).contains($0) ? $0 : nil } : nil
        orientation = o
        shape = EXIF.swapsSides(o) ? Shape(channels: stored.channels, height: stored.width, width: stored.height) : stored
        if let o, o != 2 {
            let file = try ScratchFile(near: output, purpose: "EXIF orientation \(o): the input in display order")
            try Self.turn(reader, orientation: o, into: file, display: shape)
            scratch = file
        }
    }

    /// Rows `rows` of every channel, in ``RowReading``'s layout.
    func read(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>) throws(CodecError) {
        let w = shape.width
        if let scratch {
            for c in 0..<shape.channels {
                try scratch.read(into: dst.baseAddress! + c * rows.count * w, count: rows.count * w,
                                 at: (c * shape.height + rows.lowerBound) * w)
            }
            return
        }
        try reader.read(rows: rows, into: dst)
        if orientation == 2 {
            for r in 0..<(rows.count * shape.channels) {
                var row = UnsafeMutableBufferPointer(start: dst.baseAddress! + r * w, count: w)
                row.reverse()
            }
        }
    }

    /// Writes the stored image into `file` in display order (``EXIF/orient(_:_:)``'s
    /// mapping), decoding bands of stored rows.
    private static func turn(_ reader: ImageRowReader, orientation o: Int, into file: ScratchFile,
                             display: Shape) throws(CodecError) {
        let s = reader.storedShape
        let (h, w, channels) = (s.height, s.width, s.channels)
        let (oh, ow) = (display.height, display.width)
        let band = max(1, min(h, (16 << 20) / max(1, w * channels * 4)))
        var buffer = [Float](repeating: 0, count: band * w * channels)
        var column = [Float](repeating: 0, count: max(band, w))
        var top = 0
        while top < h {
            let rows = top..<min(top + band, h)
            try buffer.withUnsafeMutableBufferPointer { (b) throws(CodecError) in
                try reader.read(rows: rows, into: UnsafeMutableBufferPointer(rebasing: b[0..<(rows.count * w * channels)]))
                try column.withUnsafeMutableBufferPointer { (col) throws(CodecError) in
                    let t = col.baseAddress!
                    for c in 0..<channels {
                        let plane = b.baseAddress! + c * rows.count * w
                        switch o {
                        case 3, 4:
                            // Stored row sy is display row h-1-sy, mirrored left-right for 3.
                            for sy in rows {
                                let src = plane + (sy - rows.lowerBound) * w
                                if o == 3 {
                                    for x in 0..<w { t[x] = src[w - 1 - x] }
                                } else {
                                    t.update(from: src, count: w)
                                }
                                try file.write(t, count: w, at: (c * oh + h - 1 - sy) * ow)
                            }
                        default:
                            // 5-8: stored column sx is display row y (sx, or w-1-sx for 7 and 8); stored
                            // row sy is display column x (sy for 5 and 8, h-1-sy for 6 and 7).
                            let reversed = o == 6 || o == 7
                            let x0 = reversed ? h - rows.upperBound : rows.lowerBound
                            for sx in 0..<w {
                                let y = o == 7 || o == 8 ? w - 1 - sx : sx
                                for (i, sy) in rows.enumerated() {
                                    let v = plane[(sy - rows.lowerBound) * w + sx]
                                    t[reversed ? rows.count - 1 - i : i] = v
                                }
                                try file.write(t, count: rows.count, at: (c * oh + y) * ow + x0)
                            }
                        }
                    }
                }
            }
            top = rows.upperBound
        }
    }
}

extension Engine {
    /// Decodes every row of `path` in bands and drops them: throws the
    /// decoder's error for a damaged file, in memory independent of its height.
    public static func decodeAll(_ path: String, options: DecodeOptions) throws(CodecError) {
        let reader = try ImageRowReader.open(path: path, options: options)
        let s = reader.storedShape
        let band = max(1, min(s.height, (1 << 20) / max(1, s.channels * s.width * 4)))
        var buffer = [Float](repeating: 0, count: max(1, band * s.channels * s.width))
        var top = 0
        while top < s.height {
            let rows = top..<min(top + band, s.height)
            try buffer.withUnsafeMutableBufferPointer { (b) throws(CodecError) in try reader.read(rows: rows, into: b) }
            top = rows.upperBound
        }
    }
}
