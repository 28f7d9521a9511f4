import ConvKit
import Foundation
import Testing

@testable import ConvKitIO

/// The fuzzers' crashers, kept as inputs (Fixtures/regressions/<target>/).
enum Regressions {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/regressions").path
    }()

    /// Every regression input of the image decoders (PNG, JPEG and NPY targets).
    static let decoderInputs: [String] = {
        ["FuzzPNG", "FuzzJPEG", "FuzzNPY", "FuzzTIFF", "FuzzWebP"].flatMap { target in
            listing(root + "/" + target).map { "\(target)/\($0)" }
        }
    }()
}

@Suite("Hardening: strict decoding, in-memory input, output directories, memory budget")
struct HardeningTests {
    @Test("A libjpeg corrupt-data warning is reported, and is an error with strict")
    func strictJPEG() throws {
        let path = Corpus.path("jpeg/jpeg_ff00_header.jpg")
        let lenient = try ImageDecoder.decode(path: path)
        #expect(lenient.warnings.contains { $0.contains("Corrupt JPEG data") })
        var options = DecodeOptions()
        options.strict = true
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: path, options: options) }
        #expect(error?.message.contains("Corrupt JPEG data: 4 extraneous bytes before marker 0xdb") == true)
        #expect(error?.hint?.contains("--strict") == true)
    }

    @Test("Strict decoding accepts clean files")
    func strictClean() throws {
        var options = DecodeOptions()
        options.strict = true
        for file in ["jpeg/testorig.jpg", "png/basn2c08.png", "npy/u1_chw.npy"] {
            _ = try ImageDecoder.decode(path: Corpus.path(file), options: options)
        }
    }

    @Test("Decoding bytes in memory equals decoding the file")
    func inMemory() throws {
        for file in ["png/basn6a16.png", "jpeg/orientation_6.jpg", "npy/f8_chw.npy"] {
            let path = Corpus.path(file)
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            let a = try ImageDecoder.decode(path: path)
            let b = try ImageDecoder.decode(bytes: bytes, name: path)
            #expect(a.tensor.shape == b.tensor.shape)
            #expect(a.tensor.data == b.tensor.data)
            #expect(try ImageDecoder.probe(bytes: bytes, name: path) == a.info)
        }
        #expect(throws: CodecError.self) { try ImageDecoder.decode(bytes: [], name: "empty.png") }
    }

    @Test("Fuzzer crashers decode to a clean error or an image", arguments: Regressions.decoderInputs)
    func regression(_ file: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Regressions.root + "/" + file)))
        var options = DecodeOptions()
        options.maxPixels = 1 << 22
        do {
            _ = try ImageDecoder.decode(bytes: bytes, name: file, options: options)
        } catch {
            #expect(!error.message.isEmpty)
        }
    }

    @Test("A PNG chunk declaring 1.8 GB in a 282-byte file is refused", arguments: ["itxt-declares-1.8GB.png",
                                                                                   "itxt-declares-1.9GB.png"])
    func hugeChunk(_ file: String) throws {
        let path = Regressions.root + "/FuzzPNG/" + file
        let error = #expect(throws: CodecError.self) { try ImageDecoder.decode(path: path) }
        #expect(error?.codec == "PNG")
    }

    @Test("Kernel-string crashers are clean errors", arguments: listing(Regressions.root + "/FuzzKernelString"))
    func kernelStringRegression(_ file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Regressions.root + "/FuzzKernelString/" + file))
        #expect(throws: GeometryError.self) { try KernelString.parse(String(decoding: data, as: UTF8.self)) }
    }

    @Test("A kernel size whose cell count overflows is an error, not a trap")
    func kernelSizeOverflow() {
        let error = #expect(throws: GeometryError.self) { try KernelString.parse("8888888888888888:") }
        #expect(error?.message.contains("a 8888888888888888x8888888888888888 kernel needs") == true)
        #expect(throws: GeometryError.self) { try KernelString.parse("4611686018427387904x2: 1") }
    }

    @Test("An output in a missing directory is refused, or made with create")
    func outputDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/a/b/out.png"
        let error = #expect(throws: CodecError.self) { try OutputDirectory.prepare(for: target, create: false) }
        #expect(error?.description == "\(target): directory \(dir)/a/b does not exist (create it first, or pass --mkdir)")
        try OutputDirectory.prepare(for: target, create: true)
        var isDir: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: dir + "/a/b", isDirectory: &isDir) && isDir.boolValue)
        try OutputDirectory.prepare(for: "plain.png", create: false)
        FileManager.default.createFile(atPath: dir + "/file", contents: Data())
        #expect(throws: CodecError.self) { try OutputDirectory.prepare(for: dir + "/file/out.png", create: true) }
    }

    @Test("The atomic writer names a missing directory and leaves nothing")
    func atomicMissingDirectory() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = #expect(throws: CodecError.self) { try AtomicFile.write([1, 2, 3], to: dir + "/none/x.npy") }
        #expect(error?.message == "directory \(dir)/none does not exist")
        #expect(listing(dir).isEmpty)
    }

    @Test("Write errors carry a hint for a full disk and the file size limit", arguments: [ENOSPC, EFBIG, EDQUOT])
    func writeHints(_ code: Int32) {
        errno = code
        let error = AtomicFile.writeError("out.npy", "cannot write: ")
        #expect(error.message == "cannot write: " + String(cString: strerror(code)))
        #expect(error.hint?.contains("no partial file") == true)
    }

    @Test("A 1x1 bank of 4096 filters on a 12-megapixel photo exceeds the default budget before decoding")
    func memoryBudget() throws {
        let kernels = try (0..<4096).map { _ in try Kernel2D(rows: [[1]]) }
        let pipeline = Pipeline(stages: [Convolution(kernels: kernels)])
        let input = Shape(channels: 3, height: 3000, width: 4000)
        let stages = try pipeline.plan(for: input)
        let error = #expect(throws: GeometryError.self) {
            try MemoryBudget.check(stages, input: input, maxBytes: MemoryBudget.defaultMaxBytes, subject: "photo.jpg")
        }
        #expect(error?.message.contains("stage 1") == true)
        #expect(error?.message.contains("output 12288x3000x4000") == true)
        #expect(error?.message.contains("--max-bytes 4.0 GiB") == true)
        #expect(error?.hint?.contains("raise --max-bytes") == true)
        #expect(error?.subject == "photo.jpg")
        // The same bank on a thumbnail fits.
        let small = Shape(channels: 3, height: 28, width: 28)
        try MemoryBudget.check(try pipeline.plan(for: small), input: small, maxBytes: MemoryBudget.defaultMaxBytes,
                               subject: nil)
    }

    @Test("The decoded input alone can exceed the budget")
    func inputBudget() throws {
        let input = Shape(channels: 3, height: 1000, width: 1000)
        #expect(throws: GeometryError.self) { try MemoryBudget.check([], input: input, maxBytes: 1 << 20, subject: nil) }
        #expect(MemoryBudget.format(12 << 20) == "12.0 MiB")
        #expect(MemoryBudget.format(512) == "512 bytes")
    }
}
