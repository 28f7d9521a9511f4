import ConvKit
import ConvKitIO
import Foundation
import Testing

/// Inputs of the row-wise tests: the shared corpus (`../shared/corpus` from
/// the package root) and the image files under `Fixtures/`.
enum RowIOFiles {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let sharedCorpus = URL(fileURLWithPath: packageRoot + "/../shared/corpus").standardized.path

    /// Every file MANIFEST.tsv lists (first column), as a path; empty when absent.
    static let shared: [String] = {
        guard let text = try? String(contentsOfFile: sharedCorpus + "/MANIFEST.tsv", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).first.map { sharedCorpus + "/" + $0 }
        }
    }()

    static var sharedAvailable: Bool { !shared.isEmpty }

    /// PNG, JPEG and `.npy` files under Fixtures/. Fixtures/corpus is a
    /// verbatim copy of the shared corpus: it is taken only when that is absent.
    static let fixtures: [String] = {
        let root = packageRoot + "/Fixtures"
        guard let walk = FileManager.default.enumerator(atPath: root) else { return [] }
        var out: [String] = []
        while let name = walk.nextObject() as? String {
            guard ["png", "jpg", "jpeg", "npy"].contains((name as NSString).pathExtension.lowercased()) else { continue }
            if sharedAvailable && name.hasPrefix("corpus/") { continue }
            out.append(root + "/" + name)
        }
        return out.sorted()
    }()

    /// A test name for a path: its last two components.
    static func label(_ path: String) -> String {
        path.split(separator: "/").suffix(2).joined(separator: "/")
    }
}

/// SplitMix64: a small seeded generator, so every run reads the same order.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Reads `rows` through the reader and stores the strip into `whole` (C, H, W).
func readStrip(_ reader: ImageRowReader, _ rows: Range<Int>, into whole: inout [Float]) throws {
    let s = reader.storedShape
    var strip = [Float](repeating: .nan, count: s.channels * rows.count * s.width)
    try strip.withUnsafeMutableBufferPointer { try reader.read(rows: rows, into: $0) }
    for c in 0..<s.channels {
        for y in rows {
            for x in 0..<s.width {
                whole[(c * s.height + y) * s.width + x] = strip[(c * rows.count + y - rows.lowerBound) * s.width + x]
            }
        }
    }
}

/// The whole stored image, read top to bottom in strips of `strip` rows.
func readAll(_ reader: ImageRowReader, strip: Int) throws -> [Float] {
    let s = reader.storedShape
    var whole = [Float](repeating: .nan, count: s.count)
    for top in stride(from: 0, to: s.height, by: strip) {
        try readStrip(reader, top..<min(s.height, top + strip), into: &whole)
    }
    return whole
}

/// The whole stored image, read in strips of random sizes in a random order;
/// also whether some strip started above the one before (a rewind).
func readShuffled(_ reader: ImageRowReader, seed: UInt64) throws -> (data: [Float], rewound: Bool) {
    var rng = SeededGenerator(state: seed)
    let s = reader.storedShape
    var strips: [Range<Int>] = []
    var top = 0
    let most = max(1, s.height / 6)
    while top < s.height {
        let n = Int.random(in: 1...most, using: &rng)
        strips.append(top..<min(s.height, top + n))
        top += n
    }
    strips.shuffle(using: &rng)
    var whole = [Float](repeating: .nan, count: s.count)
    var rewound = false, last = 0
    for rows in strips {
        if rows.lowerBound < last { rewound = true }
        last = rows.upperBound
        try readStrip(reader, rows, into: &whole)
    }
    return (whole, rewound)
}

func bits(_ values: [Float]) -> [UInt32] { values.map(\.bitPattern) }

/// `bytes` with a chunk of `type` and `data` inserted before the chunk at
/// `before` (e.g. IEND), CRC included.
func insertingChunk(_ type: String, _ data: [UInt8], before: String, in bytes: [UInt8]) -> [UInt8] {
    var at = 8
    while at + 8 <= bytes.count {
        let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
        if String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self) == before { break }
        at += 12 + length
    }
    let body = Array(type.utf8) + data
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in body {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    crc ^= 0xFFFF_FFFF
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
    return Array(bytes[..<at]) + be32(UInt32(data.count)) + body + be32(crc) + Array(bytes[at...])
}

@Suite("Row-wise decoding: ImageRowReader")
struct RowIOReaderTests {
    /// Decodes `path` whole and by rows and compares: samples bit for bit,
    /// info, shape, orientation, warnings; a file ImageDecoder refuses must
    /// give the same CodecError here, at open or from a read.
    func check(_ path: String) throws {
        var stored = DecodeOptions()
        stored.autoOrient = false
        let expected: DecodedImage
        do throws(CodecError) {
            expected = try ImageDecoder.decode(path: path, options: stored)
        } catch {
            let wanted = error
            let got = #expect(throws: CodecError.self, "\(path) decodes by rows but not whole") {
                let reader = try ImageRowReader.open(path: path, options: stored)
                _ = try readAll(reader, strip: 7)
            }
            // The same error, whether found in the header or among the rows.
            #expect(got == wanted)
            return
        }
        let reader = try ImageRowReader.open(path: path, options: stored)
        #expect(reader.info == expected.info)
        #expect(reader.storedShape == expected.tensor.shape)
        #expect(reader.orientation == expected.info.orientation)
        #expect(reader.passes == 0)
        let data = try readAll(reader, strip: 7)
        #expect(bits(data) == bits(expected.tensor.data), "\(path): strips of 7 differ from the decode")
        #expect(reader.warnings == expected.warnings)
        #expect(reader.passes == 1)

        // info is probe's under the default options (autoOrient on) too.
        let oriented = try ImageRowReader.open(path: path)
        #expect(oriented.info == (try ImageDecoder.probe(path: path)))
        #expect(oriented.orientation == reader.orientation)

        let shuffled = try ImageRowReader.open(path: path, options: stored)
        let (again, rewound) = try readShuffled(shuffled, seed: UInt64(truncatingIfNeeded: path.utf8.count &* 7919))
        #expect(bits(again) == bits(expected.tensor.data), "\(path): random-order strips differ from the decode")
        #expect(shuffled.warnings == expected.warnings)
        if shuffled.fullDecode || shuffled.format == .npy || !rewound {
            #expect(shuffled.passes == 1)
        } else {
            #expect(shuffled.passes > 1)
        }
    }

    @Test("Shared corpus: strips equal the stored-order decode bit for bit; broken files throw",
          .enabled(if: RowIOFiles.sharedAvailable, "../shared/corpus/MANIFEST.tsv is absent: shared corpus skipped"),
          arguments: RowIOFiles.shared)
    func sharedCorpus(_ path: String) throws {
        try check(path)
    }

    @Test("Fixtures: strips equal the stored-order decode bit for bit; broken files throw",
          arguments: RowIOFiles.fixtures)
    func fixtures(_ path: String) throws {
        try check(path)
    }

    @Test("Interlaced PNG is decoded whole once and served in any order")
    func interlaced() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = RowIOFiles.fixtures.first { $0.hasSuffix("/ibasn2c08.png") }
            ?? RowIOFiles.shared.first { $0.hasSuffix("/ibasn2c08.png") }
        let file = try #require(path, "ibasn2c08.png not found")
        let reader = try ImageRowReader.open(path: file)
        #expect(reader.fullDecode)
        var whole = [Float](repeating: 0, count: reader.storedShape.count)
        try readStrip(reader, 20..<30, into: &whole)
        try readStrip(reader, 0..<5, into: &whole)
        #expect(reader.passes == 1)
    }

    @Test("A strip above the current row rewinds: a second pass")
    func rewindCountsPasses() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/p.png"
        try ImageEncoder.write(pattern(channels: 3, height: 40, width: 9), to: path, options: EncodeOptions())
        let reader = try ImageRowReader.open(path: path)
        #expect(!reader.fullDecode)
        var whole = [Float](repeating: 0, count: reader.storedShape.count)
        try readStrip(reader, 10..<17, into: &whole)
        #expect(reader.passes == 1)
        try readStrip(reader, 17..<20, into: &whole)
        try readStrip(reader, 30..<40, into: &whole)
        #expect(reader.passes == 1)
        try readStrip(reader, 0..<7, into: &whole)
        #expect(reader.passes == 2)
        try readStrip(reader, 0..<3, into: &whole)
        #expect(reader.passes == 3)
    }

    @Test("A PNG eXIf after IDAT is known at open, before any row")
    func lateExifOrientation() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/late.png"
        let t = pattern(channels: 3, height: 12, width: 5)
        let png = try ImageEncoder.encode(t, as: .png, path: path, options: EncodeOptions())
        // Big-endian TIFF, IFD0 with one entry: Orientation (SHORT) = 6.
        let tiff: [UInt8] = [0x4D, 0x4D, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0]
        try Data(insertingChunk("eXIf", tiff, before: "IEND", in: png)).write(to: URL(fileURLWithPath: path))
        let reader = try ImageRowReader.open(path: path)
        #expect(reader.orientation == 6)
        #expect(reader.info == (try ImageDecoder.probe(path: path)))
        #expect(reader.info.width == 12 && reader.info.height == 5)
        #expect(reader.storedShape == t.shape)
        let rows = try readAll(reader, strip: 7)
        #expect(EXIF.orient(Tensor(shape: t.shape, data: rows), 6) == (try ImageDecoder.decode(path: path)).tensor)
    }

    @Test("NPY strips are read in place and equal NPY.decode",
          arguments: ["<f4", "<f8", "|u1", "<u2"], [[7, 5], [3, 11, 4]])
    func npyStrips(dtype: String, shape: [Int]) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = SeededGenerator(state: UInt64(shape.count * 31 + dtype.utf8.count))
        let count = shape.reduce(1, *)
        var data: [UInt8] = []
        for _ in 0..<count {
            switch dtype {
            case "<f4": withUnsafeBytes(of: Float.random(in: -3...3, using: &rng).bitPattern.littleEndian) { data += $0 }
            case "<f8": withUnsafeBytes(of: Double.random(in: -3...3, using: &rng).bitPattern.littleEndian) { data += $0 }
            case "|u1": data.append(UInt8.random(in: 0...255, using: &rng))
            default: withUnsafeBytes(of: UInt16.random(in: 0...65535, using: &rng).littleEndian) { data += $0 }
            }
        }
        let dims = shape.map(String.init).joined(separator: ", ")
        var dict = "{'descr': '\(dtype)', 'fortran_order': False, 'shape': (\(dims)), }"
        dict += String(repeating: " ", count: (64 - (10 + dict.utf8.count + 1) % 64) % 64) + "\n"
        let bytes = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count & 0xFF), UInt8(dict.utf8.count >> 8)]
            + Array(dict.utf8) + data
        let path = dir + "/a.npy"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let expected = try NPY.decode(bytes, path: path)
        let reader = try ImageRowReader.open(path: path)
        #expect(reader.format == .npy && !reader.fullDecode)
        #expect(reader.storedShape == expected.shape)
        #expect(reader.info == (try ImageDecoder.probe(path: path)))
        #expect(bits(try readAll(reader, strip: 3)) == bits(expected.data))
        let (again, _) = try readShuffled(reader, seed: 42)
        #expect(bits(again) == bits(expected.data))
        #expect(reader.passes == 1)
    }

    @Test("Refused files give ImageDecoder's errors at open")
    func openErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = DecodeOptions()
        options.maxPixels = 100
        let big = dir + "/big.png"
        try ImageEncoder.write(pattern(channels: 1, height: 20, width: 20), to: big, options: EncodeOptions())
        let fortran = dir + "/f.npy"
        var dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }"
        dict += String(repeating: " ", count: (64 - (10 + dict.utf8.count + 1) % 64) % 64) + "\n"
        try Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(dict.utf8.count), 0] + Array(dict.utf8) + [UInt8](repeating: 0, count: 24))
            .write(to: URL(fileURLWithPath: fortran))
        let empty = dir + "/empty.png"
        let text = dir + "/text.jpg"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        _ = FileManager.default.createFile(atPath: text, contents: Data("hello, world".utf8))
        let cases: [(String, DecodeOptions)] = [(big, options), (fortran, DecodeOptions()), (empty, DecodeOptions()),
                                                (text, DecodeOptions()), (dir + "/missing.png", DecodeOptions()),
                                                (dir, DecodeOptions())]
        for (path, options) in cases {
            let wanted = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: path, options: options) }
            let got = #expect(throws: CodecError.self) { try ImageRowReader.open(path: path, options: options) }
            #expect(got == wanted)
        }
    }

    @Test("With strict, a header warning throws at open as ImageDecoder does")
    func strictHeaderWarning() throws {
        let name = "/jpeg/jpeg_ff00_header.jpg"
        let path = try #require(RowIOFiles.shared.first { $0.hasSuffix(name) }
            ?? RowIOFiles.fixtures.first { $0.hasSuffix(name) }, "jpeg_ff00_header.jpg not found")
        var strict = DecodeOptions()
        strict.strict = true
        let wanted = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: path, options: strict) }
        let got = #expect(throws: CodecError.self) { try ImageRowReader.open(path: path, options: strict) }
        #expect(got == wanted)
        let lenient = try ImageRowReader.open(path: path)
        #expect(lenient.warnings == (try ImageDecoder.decode(path: path)).warnings)
        #expect(!lenient.warnings.isEmpty)
    }
}

@Suite("Row-wise encoding: ImageRowWriter")
struct RowIOWriterTests {
    /// A random tensor with values around [0, 1], some outside, one NaN.
    func randomTensor(_ shape: Shape, seed: UInt64) -> Tensor {
        var rng = SeededGenerator(state: seed)
        var t = Tensor(zeros: shape)
        for i in t.data.indices { t.data[i] = Float.random(in: -0.25...1.25, using: &rng) }
        if !t.data.isEmpty { t.data[t.data.count / 2] = .nan }
        return t
    }

    /// Writes `t` through the row writer in strips of `strip` rows.
    func writeRows(_ t: Tensor, to path: String, options: EncodeOptions, strip: Int = 3) throws {
        let writer = try ImageRowWriter(path: path, shape: t.shape, options: options)
        let (c, h, w) = (t.channels, t.height, t.width)
        for top in stride(from: 0, to: h, by: strip) {
            let n = min(strip, h - top)
            var part = [Float](repeating: 0, count: c * n * w)
            for ch in 0..<c {
                for y in 0..<n {
                    for x in 0..<w { part[(ch * n + y) * w + x] = t[ch, top + y, x] }
                }
            }
            try part.withUnsafeBufferPointer { try writer.write(rows: n, from: $0) }
        }
        #expect(writer.rowsWritten == h)
        try writer.finish()
    }

    /// The writer's file against ImageEncoder's bytes for the mapped tensor.
    func compare(_ t: Tensor, ext: String, options: EncodeOptions) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out." + ext
        let mapped = ext == "npy" ? t : options.map.apply(t)
        try writeRows(mapped, to: path, options: options)
        var plain = options
        plain.map = .clamp
        let expected = try ImageEncoder.encode(mapped, as: ext == "npy" ? .npy : ext == "png" ? .png : .jpeg,
                                               path: path, options: plain)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == expected, "\(ext) \(t.shape): \(written.count) bytes written, ImageEncoder gives \(expected.count)")
        #expect(listing(dir) == ["out." + ext])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }

    @Test("PNG in strips of 3 rows has ImageEncoder's bytes, text included", arguments: [1, 2, 3, 4], [8, 16])
    func png(channels: Int, depth: Int) throws {
        var options = EncodeOptions()
        options.depth = depth
        options.map = channels % 2 == 0 ? .signed : .clamp
        options.text = ["Software": "convkit", "Comment": "rows \(channels)x\(depth)"]
        try compare(randomTensor(Shape(channels: channels, height: 17, width: 13), seed: UInt64(channels * depth)),
                    ext: "png", options: options)
    }

    @Test("JPEG in strips of 3 rows has ImageEncoder's bytes", arguments: [1, 3])
    func jpeg(channels: Int) throws {
        var options = EncodeOptions()
        options.quality = channels == 1 ? 75 : 93
        options.map = .minmax
        try compare(randomTensor(Shape(channels: channels, height: 29, width: 21), seed: UInt64(channels)),
                    ext: "jpg", options: options)
    }

    @Test("A 5-channel .npy written by pwrite per channel has NPY.encode's bytes")
    func npy() throws {
        try compare(randomTensor(Shape(channels: 5, height: 10, width: 7), seed: 5), ext: "npy", options: EncodeOptions())
    }

    @Test("Wide rows go through the 1 MiB scratch in several batches per strip")
    func batches() throws {
        // 3 channels x 16 bits x 100,000 columns = 600 KB a row: one row per
        // batch, so a strip of 3 rows, written or read, takes three.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = EncodeOptions()
        options.depth = 16
        let t = randomTensor(Shape(channels: 3, height: 3, width: 100_000), seed: 9)
        let path = dir + "/b.png"
        try writeRows(t, to: path, options: options)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written == (try ImageEncoder.encode(t, as: .png, path: path, options: options)))
        let reader = try ImageRowReader.open(path: path)
        #expect(bits(try readAll(reader, strip: 3)) == bits((try ImageDecoder.decode(path: path)).tensor.data))
    }

    @Test("Rows written then read back by rows round-trip")
    func roundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = pattern(channels: 4, height: 23, width: 6)
        var options = EncodeOptions()
        options.depth = 16
        try writeRows(t, to: dir + "/r.png", options: options)
        try writeRows(t, to: dir + "/r.npy", options: options)
        for name in ["r.png", "r.npy"] {
            let reader = try ImageRowReader.open(path: dir + "/" + name)
            let back = try readAll(reader, strip: 4)
            #expect(zip(back, t.data).allSatisfy { abs($0 - $1) <= 1e-6 })
        }
    }

    @Test("The temporary file is .NAME.tmp-XXXXXX next to the target until finish()")
    func temporaryName() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let writer = try ImageRowWriter(path: dir + "/out.jpg", shape: Shape(channels: 1, height: 2, width: 2),
                                        options: EncodeOptions())
        let names = listing(dir)
        #expect(names.count == 1)
        let name = try #require(names.first)
        #expect(name.hasPrefix(".out.jpg.tmp-") && name.count == ".out.jpg.tmp-".count + 6)
        #expect(writer.temporaryPath == dir + "/" + name)
        try [Float](repeating: 0.5, count: 4).withUnsafeBufferPointer { try writer.write(rows: 2, from: $0) }
        try writer.finish()
        #expect(listing(dir) == ["out.jpg"])
        writer.abort()  // after finish: nothing to undo
        #expect(listing(dir) == ["out.jpg"])
    }

    @Test("abort() leaves no file and no temporary file, and keeps an existing target", arguments: ["png", "jpg", "npy"])
    func abortLeavesNothing(ext: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out." + ext
        let shape = Shape(channels: 3, height: 6, width: 4)
        let writer = try ImageRowWriter(path: path, shape: shape, options: EncodeOptions())
        try [Float](repeating: 0.25, count: 3 * 3 * 4).withUnsafeBufferPointer { try writer.write(rows: 3, from: $0) }
        writer.abort()
        writer.abort()
        #expect(listing(dir).isEmpty)
        #expect(throws: CodecError.self) { try writer.finish() }

        // Released unfinished: the same. A target that existed is untouched.
        _ = FileManager.default.createFile(atPath: path, contents: Data("old".utf8))
        do {
            let dropped = try ImageRowWriter(path: path, shape: shape, options: EncodeOptions())
            #expect(listing(dir).count == 2)
            _ = dropped
        }
        #expect(listing(dir) == ["out." + ext])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data("old".utf8))

        // finish() before the last row: an error, and nothing left behind.
        let short = try ImageRowWriter(path: dir + "/short." + ext, shape: shape, options: EncodeOptions())
        try [Float](repeating: 0.25, count: 3 * 3 * 4).withUnsafeBufferPointer { try short.write(rows: 3, from: $0) }
        let error = #expect(throws: CodecError.self) { try short.finish() }
        #expect(error?.message == "only 3 of 6 rows were written")
        #expect(listing(dir) == ["out." + ext])
    }

    @Test("Shapes and options ImageEncoder refuses give its errors, and no file")
    func validation() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var depth12 = EncodeOptions()
        depth12.depth = 12
        var quality0 = EncodeOptions()
        quality0.quality = 0
        var badKey = EncodeOptions()
        badKey.text = ["": "empty key"]
        let cases: [(String, Shape, EncodeOptions)] = [
            ("a.png", Shape(channels: 5, height: 2, width: 2), EncodeOptions()),
            ("b.png", Shape(channels: 3, height: 2, width: 2), depth12),
            ("c.png", Shape(channels: 3, height: 0, width: 2), EncodeOptions()),
            ("d.png", Shape(channels: 1, height: 2, width: 2), badKey),
            ("e.jpg", Shape(channels: 2, height: 2, width: 2), EncodeOptions()),
            ("f.jpeg", Shape(channels: 3, height: 2, width: 2), quality0),
            ("g.jpg", Shape(channels: 1, height: 2, width: 70_000), EncodeOptions()),
            ("h.gif", Shape(channels: 1, height: 2, width: 2), EncodeOptions()),
            ("missing/i.png", Shape(channels: 1, height: 2, width: 2), EncodeOptions()),
        ]
        for (name, shape, options) in cases {
            let path = dir + "/" + name
            let tensor = Tensor(zeros: shape)
            let wanted = #expect(throws: CodecError.self) { try ImageEncoder.write(tensor, to: path, options: options) }
            let got = #expect(throws: CodecError.self) { _ = try ImageRowWriter(path: path, shape: shape, options: options) }
            #expect(got == wanted, "\(name)")
        }
        #expect(listing(dir).isEmpty)
    }
}
