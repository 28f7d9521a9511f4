import ConvKit
import Foundation

/// NumPy `.npy` files: format 1.0, 2.0 and 3.0, C order.
///
/// Reads `<f4`, `<f8`, `|u1` and `<u2` (integers scaled to [0, 1] by 255
/// and 65535), shape (C, H, W) or (H, W) as (1, H, W). Writes `<f4`, (C, H, W),
/// format 1.0.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// The dtype and shape of an `.npy` header, without reading the data.
    public struct Header: Equatable, Sendable {
        public var version: (major: UInt8, minor: UInt8)
        public var dtype: String
        public var fortranOrder: Bool
        public var shape: [Int]
        /// Offset of the first data byte.
        public var dataOffset: Int

        public static func == (a: Header, b: Header) -> Bool {
            a.version == b.version && a.dtype == b.dtype && a.fortranOrder == b.fortranOrder
                && a.shape == b.shape && a.dataOffset == b.dataOffset
        }

        /// Bits per stored element.
        public var bitDepth: Int {
            switch dtype { case "|u1": 8; case "<u2": 16; case "<f4": 32; case "<f8": 64; default: 0 }
        }
    }

    public static func isNPY(_ bytes: some Collection<UInt8>) -> Bool { bytes.starts(with: magic) }

    /// The largest header dict NumPy reads by default (`max_header_size`,
    /// 10,000 characters); a larger one is refused as `numpy.load` refuses it.
    static let maxHeaderCharacters = 10_000

    /// Parses the header of `bytes` by NumPy's rules (see ``NPYHeaderLiteral``):
    /// versions 1.0, 2.0 and 3.0, a header length inside the file, a dict
    /// with exactly the keys descr, fortran_order and shape, a string descr,
    /// a bool fortran_order, a tuple of sizes. `path` names the file in errors.
    public static func header(_ bytes: [UInt8], path: String) throws(CodecError) -> Header {
        func fail(_ m: String, hint: String? = nil) -> CodecError { CodecError(path: path, codec: "NPY", m, hint: hint) }
        guard bytes.count >= 8, isNPY(bytes) else { throw fail("not a NumPy file (no \\x93NUMPY magic)") }
        let major = bytes[6], minor = bytes[7]
        guard (1...3).contains(major), minor == 0 else {
            throw fail("format version \(major).\(minor) is not supported", hint: "NumPy writes versions 1.0, 2.0 and 3.0")
        }
        let start = major == 1 ? 10 : 12
        guard bytes.count >= start else {
            throw fail("the header length is cut short: the file has \(bytes.count) bytes", hint: "the file is truncated")
        }
        let headerLength = major == 1
            ? Int(bytes[8]) | Int(bytes[9]) << 8
            : Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
        guard start + headerLength <= bytes.count else {
            throw fail("header of \(headerLength) bytes is cut short: the file has \(bytes.count - start) after the length",
                       hint: "the file is truncated or its header length is wrong")
        }
        let encoding: String.Encoding = major == 3 ? .utf8 : .isoLatin1
        guard let text = String(bytes: bytes[start..<(start + headerLength)], encoding: encoding) else {
            throw fail("header is not UTF-8 text", hint: "format 3.0 headers are UTF-8")
        }
        guard text.count <= maxHeaderCharacters else {
            throw fail("header of \(text.count) characters is longer than NumPy's limit of \(maxHeaderCharacters)",
                       hint: "numpy.load refuses it too; the file is damaged")
        }
        let shown = String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120))
        let literal: NPYHeaderLiteral.Value
        do {
            literal = try NPYHeaderLiteral.parse(text, allowLongSuffix: major <= 2)
        } catch {
            throw fail("cannot parse header '\(shown)': \(error.message)", hint: "the header must be a Python dict literal")
        }
        guard case .dict(let entries) = literal else { throw fail("header '\(shown)' is not a dictionary") }
        let keys = entries.map(\.0)
        guard Set(keys) == ["descr", "fortran_order", "shape"] else {
            throw fail("header keys \(keys.sorted()) are not exactly descr, fortran_order and shape")
        }
        let dict = Dictionary(entries, uniquingKeysWith: { _, last in last })
        guard case .tuple(let dims)? = dict["shape"] else {
            throw fail("shape \(dict["shape"]?.description ?? "") is not a tuple")
        }
        var shape: [Int] = []
        for d in dims {
            guard case .int(let n) = d, n >= 0 else { throw fail("shape \(dims.map(\.description)) is not a tuple of sizes") }
            shape.append(n)
        }
        guard case .bool(let fortran)? = dict["fortran_order"] else {
            throw fail("fortran_order \(dict["fortran_order"]?.description ?? "") is not True or False")
        }
        guard case .string(let dtype)? = dict["descr"] else {
            throw fail("descr \(dict["descr"]?.description ?? "") is not a dtype string",
                       hint: "structured dtypes are not read; convert to <f4, <f8, |u1 or <u2")
        }
        return Header(version: (major, minor), dtype: dtype, fortranOrder: fortran,
                      shape: shape, dataOffset: start + headerLength)
    }

    /// Checks a header against what convkit reads and returns its (C, H, W).
    public static func tensorShape(of h: Header, path: String) throws(CodecError) -> Shape {
        func fail(_ m: String, hint: String? = nil) -> CodecError { CodecError(path: path, codec: "NPY", m, hint: hint) }
        guard ["<f4", "<f8", "|u1", "<u2"].contains(h.dtype) else {
            throw fail("dtype '\(h.dtype)' is not supported", hint: "convert to <f4, <f8, |u1 or <u2 little-endian")
        }
        guard !h.fortranOrder else {
            throw fail("the array is in Fortran order", hint: "save it with numpy.ascontiguousarray first")
        }
        switch h.shape.count {
        case 2: return Shape(channels: 1, height: h.shape[0], width: h.shape[1])
        case 3: return Shape(channels: h.shape[0], height: h.shape[1], width: h.shape[2])
        default:
            throw fail("shape \(h.shape) has \(h.shape.count) dimensions", hint: "convkit reads (H, W) or (C, H, W)")
        }
    }

    /// Decodes a whole `.npy` file held in `bytes` into a tensor.
    public static func decode(_ bytes: [UInt8], path: String, maxPixels: Int = Int.max) throws(CodecError) -> Tensor {
        let h = try header(bytes, path: path)
        let shape = try tensorShape(of: h, path: path)
        let (pixels, overflow) = shape.height.multipliedReportingOverflow(by: shape.width)
        guard !overflow, pixels <= maxPixels else {
            throw CodecError(path: path, codec: "NPY", "declared \(shape.width)x\(shape.height) exceeds max-pixels \(maxPixels)",
                             hint: "raise --max-pixels if the file is trusted")
        }
        return Tensor(shape: shape, data: try values(bytes, header: h, path: path))
    }

    /// Decodes an array of any rank (e.g. 4-D convolution weights) as its
    /// shape and its values in C order, integers scaled as for images.
    public static func decodeArray(_ bytes: [UInt8], path: String) throws(CodecError) -> (shape: [Int], values: [Float]) {
        let h = try header(bytes, path: path)
        guard ["<f4", "<f8", "|u1", "<u2"].contains(h.dtype) else {
            throw CodecError(path: path, codec: "NPY", "dtype '\(h.dtype)' is not supported",
                             hint: "convert to <f4, <f8, |u1 or <u2 little-endian")
        }
        guard !h.fortranOrder else {
            throw CodecError(path: path, codec: "NPY", "the array is in Fortran order",
                             hint: "save it with numpy.ascontiguousarray first")
        }
        return (h.shape, try values(bytes, header: h, path: path))
    }

    /// The data of a checked header as Float32 values.
    private static func values(_ bytes: [UInt8], header h: Header, path: String) throws(CodecError) -> [Float] {
        let count = try elementCount(h, path: path, available: bytes.count - h.dataOffset)
        var out = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dst in
                convert(UnsafeRawPointer(raw.baseAddress! + h.dataOffset), dtype: h.dtype, into: dst)
            }
        }
        return out
    }

    /// The element count of a checked header whose data has `available`
    /// bytes: errors for an overflowing or empty shape and for cut data.
    static func elementCount(_ h: Header, path: String, available: Int) throws(CodecError) -> Int {
        var count = 1
        for n in h.shape {
            let (c, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw CodecError(path: path, codec: "NPY", "shape \(h.shape) is too large") }
            count = c
        }
        guard count > 0 else { throw CodecError(path: path, codec: "NPY", "the array of shape \(h.shape) is empty") }
        let size = h.bitDepth / 8
        let (need, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, available >= need else {
            throw CodecError(path: path, codec: "NPY",
                             "data is cut short: shape \(h.shape) needs \(need) bytes, the file has \(available)",
                             hint: "the file is truncated")
        }
        return count
    }

    /// `dst.count` stored elements of `dtype` at `src` as floats (integers
    /// scaled to [0, 1]); any run of elements converts as the whole array does.
    static func convert(_ src: UnsafeRawPointer, dtype: String, into dst: UnsafeMutableBufferPointer<Float>) {
        switch dtype {
        case "<f4":
            for i in 0..<dst.count {
                dst[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
        case "<f8":
            for i in 0..<dst.count {
                dst[i] = Float(Double(bitPattern: UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))))
            }
        case "|u1":
            for i in 0..<dst.count { dst[i] = Float(src.load(fromByteOffset: i, as: UInt8.self)) / 255 }
        default:  // "<u2"
            for i in 0..<dst.count {
                dst[i] = Float(UInt16(littleEndian: src.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) / 65535
            }
        }
    }

    /// The bytes of a format 1.0 `.npy` file holding `tensor` as `<f4` (C, H, W).
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        var bytes = headerBytes(tensor.shape)
        bytes.reserveCapacity(bytes.count + 4 * tensor.data.count)
        for v in tensor.data {
            let b = v.bitPattern.littleEndian
            bytes += [UInt8(b & 0xFF), UInt8((b >> 8) & 0xFF), UInt8((b >> 16) & 0xFF), UInt8(b >> 24)]
        }
        return bytes
    }

    /// The magic, version 1.0, length and padded header dict that ``encode(_:)``
    /// writes before the data of a `<f4` (C, H, W) array of `shape`.
    static func headerBytes(_ shape: Shape) -> [UInt8] {
        var dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.channels), \(shape.height), \(shape.width)), }"
        // Pad with spaces so that magic + length + header + newline is a multiple of 64.
        let unpadded = magic.count + 4 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        return magic + [1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)] + Array(dict.utf8)
    }
}
