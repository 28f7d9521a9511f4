import ConvKit
import ConvKitIO
import ConvKitReport

extension Engine {
    /// `apply --overlay unread` a row at a time: the input's rows are decoded
    /// in bands, tinted where no window reads them (``UnreadPicture``) and
    /// written as they come, so that memory depends on the width only. The
    /// pixels are those of ``Overlay/unread(input:map:text:)`` for an input
    /// too large to magnify (its longer side 256 or more, as here).
    public static func unreadOverlay(input: String, output: String, stages: [StageReport], decode: DecodeOptions,
                                     text: [String: String]) throws {
        let source = try StreamedInput(path: input, options: decode, output: output)
        defer { source.scratch?.remove() }
        let s = source.shape
        precondition(Overlay.magnification(height: s.height, width: s.width) == 1, "small inputs are drawn whole, magnified")
        let picture = try UnreadPicture(picture: Shape(channels: 3, height: s.height, width: s.width), magnification: 1,
                                        map: UnreadMap(stages: stages))
        var options = EncodeOptions()
        options.text = text
        let writer = try ImageRowWriter(path: output, shape: Shape(channels: 3, height: picture.height, width: picture.width),
                                        options: options)
        SignalCleanup.register(writer.temporaryPath)
        defer { SignalCleanup.unregister(writer.temporaryPath) }
        let band = max(1, min(s.height, (1 << 20) / max(1, s.channels * s.width * 4)))
        var rows = [Float](repeating: 0, count: band * s.channels * s.width)
        var rgb = [Float](repeating: 0, count: 3 * s.width)
        var out = [Float](repeating: 0, count: 3 * picture.width)
        func emit(_ y: Int, _ p: UnsafePointer<Float>?) throws {
            out.withUnsafeMutableBufferPointer { picture.row(y, rgb: p, into: $0.baseAddress!) }
            try out.withUnsafeBufferPointer { try writer.write(rows: 1, from: $0) }
        }
        do {
            var y = 0
            while y < picture.top { try emit(y, nil); y += 1 }
            var top = 0
            while top < s.height {
                let part = top..<min(top + band, s.height)
                try rows.withUnsafeMutableBufferPointer { try source.read(rows: part, into: $0) }
                for r in 0..<part.count {
                    rows.withUnsafeBufferPointer { b in
                        rgb.withUnsafeMutableBufferPointer { d in
                            // Overlay's colours: RGB and RGBA's first three planes, any other count its first, repeated.
                            for c in 0..<3 {
                                let plane = s.channels == 3 || s.channels == 4 ? c : 0
                                (d.baseAddress! + c * s.width).update(from: b.baseAddress! + (plane * part.count + r) * s.width, count: s.width)
                            }
                        }
                    }
                    try rgb.withUnsafeBufferPointer { try emit(y, $0.baseAddress!) }
                    y += 1
                }
                top = part.upperBound
            }
            while y < picture.height { try emit(y, nil); y += 1 }
            try writer.finish()
        } catch {
            writer.abort()
            throw error
        }
    }
}
