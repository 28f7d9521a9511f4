import ConvKit
import ConvKitIO
import Foundation
import Testing

/// A deterministic test pattern in [0, 1].
func pattern(channels: Int, height: Int, width: Int) -> Tensor {
    var t = Tensor(zeros: Shape(channels: channels, height: height, width: width))
    for c in 0..<channels {
        for y in 0..<height {
            for x in 0..<width { t[c, y, x] = Float((x * 7 + y * 13 + c * 29) % 256) / 255 }
        }
    }
    return t
}

/// The tEXt chunks of a PNG file, found by walking its chunks.
func textChunks(_ bytes: [UInt8]) -> [String: String] {
    var out: [String: String] = [:]
    var at = 8
    while at + 8 <= bytes.count {
        let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }
        let type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
        let data = Array(bytes[(at + 8)..<min(bytes.count, at + 8 + length)])
        if type == "tEXt", let nul = data.firstIndex(of: 0) {
            out[String(decoding: data[..<nul], as: UTF8.self)] = String(decoding: data[(nul + 1)...], as: UTF8.self)
        }
        at += 12 + length
    }
    return out
}

@Suite("Encoding and round trips")
struct EncodeTests {
    @Test("PNG round trips are exact at 8 and 16 bits for 1-4 channels",
          arguments: [8, 16], [1, 2, 3, 4])
    func pngRoundTrip(depth: Int, channels: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = pattern(channels: channels, height: 9, width: 11)
        var options = EncodeOptions()
        options.depth = depth
        let path = dir + "/out.png"
        try ImageEncoder.write(t, to: path, options: options)
        let back = try ImageDecoder.decode(path: path)
        #expect(back.info.bitDepth == depth)
        #expect(back.tensor.shape == t.shape)
        // The pattern holds multiples of 1/255, which 16 bits (x 257) also represent exactly.
        let worst = zip(back.tensor.data, t.data).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 1e-6)
        #expect(listing(dir) == ["out.png"])
    }

    @Test("16-bit PNG keeps finer steps than 8-bit")
    func png16Precision() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var t = Tensor(zeros: Shape(channels: 1, height: 1, width: 3))
        t.data = [0.1234, 0.5, 0.9999]
        var options = EncodeOptions()
        options.depth = 16
        try ImageEncoder.write(t, to: dir + "/x.png", options: options)
        let back = try ImageDecoder.decode(path: dir + "/x.png").tensor
        for (a, b) in zip(back.data, t.data) { #expect(abs(a - b) <= 0.5 / 65535 + 1e-7) }
    }

    @Test("JPEG round trips stay close for gray and RGB", arguments: [1, 3])
    func jpegRoundTrip(channels: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let reference = try ImageDecoder.decode(path: Corpus.path(channels == 1 ? "jpeg/hopper_gray.jpg" : "jpeg/testorig.jpg")).tensor
        var options = EncodeOptions()
        options.quality = 95
        try ImageEncoder.write(reference, to: dir + "/out.jpg", options: options)
        let back = try ImageDecoder.decode(path: dir + "/out.jpg")
        #expect(back.info.format == .jpeg)
        #expect(back.tensor.shape == reference.shape)
        let mean = zip(back.tensor.data, reference.data).map { abs($0 - $1) }.reduce(0, +) / Float(reference.data.count)
        #expect(mean < 0.02)
    }

    @Test("NPY round trips are bit-exact, without any mapping")
    func npyRoundTrip() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var t = pattern(channels: 5, height: 4, width: 3)
        t.data[0] = -3.5
        t.data[1] = 1e6
        var options = EncodeOptions()
        options.map = .minmax  // ignored for .npy
        try ImageEncoder.write(t, to: dir + "/out.npy", options: options)
        let back = try ImageDecoder.decode(path: dir + "/out.npy")
        #expect(back.tensor == t)
        #expect(back.info.format == .npy && back.info.bitDepth == 32)
    }

    @Test("PNG outputs carry the given tEXt chunks")
    func pngText() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = EncodeOptions()
        options.text = ["Software": "convkit 0.1", "convkit:pipeline": "sobel-x | abs", "Comment": ""]
        try ImageEncoder.write(pattern(channels: 3, height: 4, width: 4), to: dir + "/t.png", options: options)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir + "/t.png")))
        #expect(textChunks(bytes) == options.text)
    }

    @Test("Pixel maps send values where documented")
    func pixelMaps() {
        var t = Tensor(zeros: Shape(channels: 2, height: 1, width: 3))
        t.data = [-2, 0, 1, 5, 5, 5]
        #expect(PixelMap.clamp.apply(t).data == [0, 0, 1, 1, 1, 1])
        #expect(PixelMap.abs.apply(t).data == [1, 0, 1, 1, 1, 1])
        #expect(PixelMap.minmax.apply(t).data == [0, 2.0 / 3, 1, 0, 0, 0])
        #expect(PixelMap.signed.apply(t).data == [0, 0.5, 0.75, 1, 1, 1])
        var zeros = Tensor(zeros: Shape(channels: 1, height: 1, width: 2))
        #expect(PixelMap.signed.apply(zeros).data == [0.5, 0.5])
        zeros.data = [.nan, 2]
        #expect(PixelMap.clamp.apply(zeros).data == [0, 1])
    }

    @Test("A failed write leaves nothing behind")
    func failedWriteLeavesNothing() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let missing = dir + "/no-such-dir/out.png"
        let error = #expect(throws: CodecError.self) {
            try ImageEncoder.write(pattern(channels: 3, height: 4, width: 4), to: missing, options: EncodeOptions())
        }
        #expect(error?.message == "directory \(dir)/no-such-dir does not exist")
        #expect(error?.hint == "create it first, or pass --mkdir")
        #expect(listing(dir).isEmpty)
        // An encode failure (5 channels in one PNG) also creates nothing.
        #expect(throws: CodecError.self) {
            try ImageEncoder.write(pattern(channels: 5, height: 4, width: 4), to: dir + "/five.png", options: EncodeOptions())
        }
        #expect(listing(dir).isEmpty)
    }

    @Test("A write replaces an existing file whole and leaves no temporary file")
    func atomicReplace() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("old".utf8).write(to: URL(fileURLWithPath: dir + "/a.npy"))
        try ImageEncoder.write(pattern(channels: 1, height: 2, width: 2), to: dir + "/a.npy", options: EncodeOptions())
        #expect(listing(dir) == ["a.npy"])
        #expect(try ImageDecoder.decode(path: dir + "/a.npy").tensor.shape == Shape(channels: 1, height: 2, width: 2))
    }

    @Test("Unknown extensions and bad channel counts are refused with a hint", arguments: [
        ("out.gif", 3), ("out", 3), ("out.jpg", 2), ("out.jpg", 4), ("out.png", 6),
    ])
    func refusedOutputs(_ name: String, _ channels: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = #expect(throws: CodecError.self) {
            try ImageEncoder.write(pattern(channels: channels, height: 2, width: 2), to: dir + "/" + name, options: EncodeOptions())
        }
        #expect(error?.hint != nil)
        #expect(listing(dir).isEmpty)
    }

    @Test("Auto layout writes 5 channels as 5 files, with a note")
    func autoLayoutFiveChannels() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let t = pattern(channels: 5, height: 6, width: 7)
        let result = try ImageEncoder.writeOutputs(t, to: dir + "/maps.png", layout: .auto, options: EncodeOptions())
        #expect(result.paths == (0..<5).map { dir + "/maps-00\($0).png" })
        #expect(result.note != nil)
        #expect(listing(dir) == (0..<5).map { "maps-00\($0).png" })
        for (c, p) in result.paths.enumerated() {
            #expect(try ImageDecoder.decode(path: p).tensor == t.channel(c))
        }
    }

    @Test("Auto layout writes a fitting tensor as one file", arguments: [
        ("one.png", 4), ("one.jpg", 3), ("one.npy", 7),
    ])
    func autoLayoutSingleFile(_ name: String, _ channels: Int) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try ImageEncoder.writeOutputs(pattern(channels: channels, height: 3, width: 3), to: dir + "/" + name,
                                                   layout: .auto, options: EncodeOptions())
        #expect(result.paths == [dir + "/" + name])
        #expect(result.note == nil)
        #expect(listing(dir) == [name])
    }

    @Test("Channels layout always writes one file per channel")
    func channelsLayout() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try ImageEncoder.writeOutputs(pattern(channels: 3, height: 3, width: 3), to: dir + "/rgb.jpg",
                                                   layout: .channels, options: EncodeOptions())
        #expect(listing(dir) == ["rgb-000.jpg", "rgb-001.jpg", "rgb-002.jpg"])
        #expect(result.paths.count == 3 && result.note == nil)
    }
}
