import ConvKit

/// The EXIF Orientation tag and what it asks for.
///
/// Only the Orientation tag (0x0112) of IFD0 is read. Any inconsistency (bad
/// byte order mark, offsets past the end, a wrong type, a value outside 1-8)
/// means "no orientation": a broken EXIF block is ignored, never fatal.
public enum EXIF {
    /// The Orientation (1-8) in a TIFF structure (`II*\0` or `MM\0*`), the
    /// payload of a JPEG APP1 "Exif\0\0" segment or of a PNG eXIf chunk. A
    /// leading "Exif\0\0" is skipped.
    ///
    ///     EXIF.orientation(in: [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1,
    ///                           0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]) // 6
    public static func orientation(in tiff: [UInt8]) -> Int? {
        var base = 0
        if tiff.count >= 6 && Array(tiff[0..<6]) == Array("Exif\0\0".utf8) { base = 6 }
        let n = tiff.count
        guard n - base >= 8 else { return nil }
        let little: Bool
        switch (tiff[base], tiff[base + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= n else { return nil }
            let a = Int(tiff[at]), b = Int(tiff[at + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ at: Int) -> Int? {
            guard let lo = u16(little ? at : at + 2), let hi = u16(little ? at + 2 : at) else { return nil }
            return hi << 16 | lo
        }
        guard u16(base + 2) == 42, let ifd = u32(base + 4), let entries = u16(base + ifd) else { return nil }
        for i in 0..<entries {
            let entry = base + ifd + 2 + 12 * i
            guard let tag = u16(entry) else { return nil }
            guard tag == 0x0112 else { continue }
            guard let type = u16(entry + 2) else { return nil }
            let value: Int?
            switch type {
            case 3: value = u16(entry + 8)  // SHORT, the type the standard gives
            case 4: value = u32(entry + 8)  // LONG, seen in the wild
            default: value = nil
            }
            guard let value, (1...8).contains(value) else { return nil }
            return value
        }
        return nil
    }

    /// The data of the first eXIf chunk of a PNG file, found by walking the
    /// chunk list (no decoding); nil when absent or when the list is broken.
    static func pngChunk(in bytes: [UInt8]) -> [UInt8]? {
        var at = 8
        while at + 8 <= bytes.count {
            let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
            let type = bytes[(at + 4)..<(at + 8)]
            let start = at + 8
            guard length <= bytes.count - start else { return nil }
            if type.elementsEqual("eXIf".utf8) { return Array(bytes[start..<(start + length)]) }
            if type.elementsEqual("IEND".utf8) { return nil }
            at = start + length + 4
        }
        return nil
    }

    /// Whether `orientation` swaps width and height (5-8: a quarter turn).
    public static func swapsSides(_ orientation: Int?) -> Bool {
        guard let orientation else { return false }
        return (5...8).contains(orientation)
    }

    /// `tensor` turned into display order for `orientation`, the same
    /// transposes as Pillow's `ImageOps.exif_transpose`:
    ///
    ///     2 mirror left-right   3 rotate 180      4 mirror top-bottom
    ///     5 transpose           6 rotate 90 CW    7 transverse      8 rotate 90 CCW
    ///
    /// 1, nil and anything else return `tensor` unchanged.
    public static func orient(_ tensor: Tensor, _ orientation: Int?) -> Tensor {
        guard let o = orientation, (2...8).contains(o) else { return tensor }
        let h = tensor.height, w = tensor.width, plane = h * w
        let (oh, ow) = swapsSides(o) ? (w, h) : (h, w)
        var data = [Float](repeating: 0, count: tensor.data.count)
        tensor.data.withUnsafeBufferPointer { src in
            data.withUnsafeMutableBufferPointer { dst in
                for c in 0..<tensor.channels {
                    let s = c * plane
                    for y in 0..<oh {
                        for x in 0..<ow {
                            let (sy, sx): (Int, Int)
                            switch o {
                            case 2: (sy, sx) = (y, w - 1 - x)
                            case 3: (sy, sx) = (h - 1 - y, w - 1 - x)
                            case 4: (sy, sx) = (h - 1 - y, x)
                            case 5: (sy, sx) = (x, y)
                            case 6: (sy, sx) = (h - 1 - x, y)
                            case 7: (sy, sx) = (h - 1 - x, w - 1 - y)
                            default: (sy, sx) = (x, w - 1 - y)  // 8
                            }
                            dst[s + y * ow + x] = src[s + sy * w + sx]
                        }
                    }
                }
            }
        }
        return Tensor(shape: Shape(channels: tensor.channels, height: oh, width: ow), data: data)
    }
}
