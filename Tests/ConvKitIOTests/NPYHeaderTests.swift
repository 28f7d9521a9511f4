import ConvKit
import Foundation
import Testing

@testable import ConvKitIO

/// `.npy` headers that `numpy.load` refuses are refused here too, with the
/// file named. Each case was checked against NumPy 2.4 (`np.load` on the
/// same bytes): the "accepted" ones load there, the "refused" ones raise.
@Suite("NPY header: NumPy's own rules")
struct NPYHeaderTests {
    static let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n"

    /// An `.npy` file: magic, version, header length (`length` overrides the
    /// true one), the header text and `dataBytes` zero bytes.
    static func file(_ header: String, version: (UInt8, UInt8) = (1, 0), length: Int? = nil,
                     dataBytes: Int = 24) -> [UInt8] {
        let text = Array(header.utf8)
        let n = length ?? text.count
        let lengthBytes: [UInt8] = version.0 == 1
            ? [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF)]
            : [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24 & 0xFF)]
        return NPY.magic + [version.0, version.1] + lengthBytes + text + [UInt8](repeating: 0, count: dataBytes)
    }

    static func dict(descr: String = "'<f4'", fortran: String = "False", shape: String = "(2, 3)") -> String {
        "{'descr': \(descr), 'fortran_order': \(fortran), 'shape': \(shape)}\n"
    }

    struct Refused: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var says: String
        var testDescription: String { name }
    }

    static let refused: [Refused] = [
        Refused(name: "unclosed dict", bytes: file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)\n"),
                says: "cannot parse header"),
        Refused(name: "text after the dict", bytes: file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} x\n"),
                says: "text follows the literal"),
        Refused(name: "unknown key", bytes: file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}\n"),
                says: "header keys [\"descr\", \"fortran_order\", \"shape\", \"x\"]"),
        Refused(name: "missing key", bytes: file("{'descr': '<f4', 'shape': (2, 3)}\n"), says: "are not exactly"),
        Refused(name: "not a dict", bytes: file("[1, 2]\n"), says: "is not a dictionary"),
        Refused(name: "shape a list", bytes: file(dict(shape: "[2, 3]")), says: "is not a tuple"),
        Refused(name: "shape of floats", bytes: file(dict(shape: "(2.0, 3)")), says: "not an integer literal"),
        Refused(name: "shape a bare int", bytes: file(dict(shape: "(6)")), says: "shape 6 is not a tuple"),
        Refused(name: "negative size", bytes: file(dict(shape: "(-2, 3)")), says: "not a tuple of sizes"),
        Refused(name: "fortran_order an int", bytes: file(dict(fortran: "0")), says: "fortran_order 0 is not True or False"),
        Refused(name: "descr an int", bytes: file(dict(descr: "4")), says: "descr 4 is not a dtype string"),
        Refused(name: "descr a list", bytes: file(dict(descr: "[('a', '<f4')]")), says: "is not a dtype string"),
        Refused(name: "header length past the end", bytes: file(dict(), length: 5000), says: "header of 5000 bytes is cut short"),
        Refused(name: "header length too short", bytes: file(dict(), length: 20), says: "cannot parse header"),
        Refused(name: "version 1.1", bytes: file(dict(), version: (1, 1)), says: "format version 1.1"),
        Refused(name: "version 4.0", bytes: file(dict(), version: (4, 0)), says: "format version 4.0"),
        Refused(name: "Python 2 long in 3.0", bytes: file(dict(shape: "(2L, 3L)"), version: (3, 0)), says: "not an integer literal"),
        Refused(name: "leading zero", bytes: file(dict(shape: "(02, 3)")), says: "leading zero"),
        Refused(name: "header over 10,000 characters",
                bytes: file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}" + String(repeating: " ", count: 10_001) + "\n"),
                says: "longer than NumPy's limit"),
        Refused(name: "unterminated string", bytes: file(dict(descr: "'<f4")), says: "cannot parse header"),
        Refused(name: "length cut inside", bytes: Array(file(dict(), version: (2, 0)).prefix(10)), says: "header length is cut short"),
    ]

    @Test("A header numpy.load refuses is a CodecError naming the file", arguments: refused)
    func refusedHeader(_ c: Refused) throws {
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(bytes: c.bytes, name: "crafted.npy") }
        #expect(error?.path == "crafted.npy")
        #expect(error?.codec == "NPY")
        #expect(error?.description.contains(c.says) == true, "\(error?.description ?? "no error")")
    }

    @Test("Data shorter than the shape needs is refused; trailing bytes are ignored as NumPy does")
    func dataLength() throws {
        let short = #expect(throws: CodecError.self) {
            try ImageDecoder.decode(bytes: Self.file(Self.good, dataBytes: 20), name: "short.npy")
        }
        #expect(short?.message.contains("needs 24 bytes, the file has 20") == true)
        let long = try ImageDecoder.decode(bytes: Self.file(Self.good, dataBytes: 28), name: "long.npy")
        #expect(long.tensor.shape == Shape(channels: 1, height: 2, width: 3))
    }

    @Test("fortran_order True and unsupported dtypes are refused with a hint")
    func unsupported() throws {
        let fortran = #expect(throws: CodecError.self) {
            try ImageDecoder.decode(bytes: Self.file(Self.dict(fortran: "True")), name: "f.npy")
        }
        #expect(fortran?.hint?.contains("ascontiguousarray") == true)
        let dtype = #expect(throws: CodecError.self) {
            try ImageDecoder.decode(bytes: Self.file(Self.dict(descr: "'>f4'")), name: "be.npy")
        }
        #expect(dtype?.message == "dtype '>f4' is not supported")
    }

    @Test("Headers NumPy accepts parse: double quotes, Python 2 longs in 1.0/2.0, trailing comma, u prefix, repeated key")
    func accepted() throws {
        let headers: [([UInt8], [Int])] = [
            (Self.file(Self.good), [2, 3]),
            (Self.file("{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}\n"), [2, 3]),
            (Self.file(Self.dict(shape: "(2L, 3L)")), [2, 3]),
            (Self.file(Self.dict(shape: "(2L, 3L)"), version: (2, 0)), [2, 3]),
            (Self.file(Self.dict(descr: "u'<f4'")), [2, 3]),
            (Self.file(Self.dict(shape: "(1, 2, 3,)"), version: (3, 0)), [1, 2, 3]),
            (Self.file("{'shape': (9, 9), 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}\n"), [6]),
            (Self.file("  {'descr':'<f4','fortran_order':False,'shape':(00, 3)}   \n", dataBytes: 0), [0, 3]),
        ]
        for (bytes, shape) in headers {
            let h = try NPY.header(bytes, path: "ok.npy")
            #expect(h.shape == shape)
            #expect(h.dtype == "<f4")
            #expect(!h.fortranOrder)
        }
    }
}
