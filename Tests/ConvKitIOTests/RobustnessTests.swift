import ConvKit
import ConvKitIO
import Foundation
import Testing

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Robustness against damaged input")
struct RobustnessTests {
    @Test("Mutated and cut corpus files decode or throw, never crash", arguments: [
        "png/basn0g01.png", "png/basn3p04.png", "png/ibasn6a16.png", "png/pngtest.png", "png/ftbbn3p08.png",
        "jpeg/testorig.jpg", "jpeg/jpg-progressive.jpg", "jpeg/orientation_6.jpg", "jpeg/pil_sample_cmyk.jpg",
        "jpeg/hopper_gray.jpg", "npy/u1_chw.npy", "npy/v2_f4_chw.npy",
    ])
    func mutations(_ file: String) throws {
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Corpus.path(file))))
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + (file as NSString).lastPathComponent
        var rng = SplitMix(state: UInt64(truncatingIfNeeded: file.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
        var options = DecodeOptions()
        options.maxPixels = 1 << 22
        for round in 0..<60 {
            var bytes = original
            if round % 4 == 3 {
                bytes = Array(bytes.prefix(Int.random(in: 1..<bytes.count, using: &rng)))
            } else {
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let image = try ImageDecoder.decode(path: path, options: options)
                #expect(image.tensor.shape.count == image.tensor.data.count)
                #expect(image.tensor.width == image.info.width && image.tensor.height == image.info.height)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }
}
