#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard workloads of SPEC §8, as `convkit bench` runs them.
///
/// Data are deterministic but not NumPy's: the input is uniform in [0, 1)
/// and the weights standard normal, from a fixed-seed SplitMix64, so the
/// checksums repeat from run to run and machine to machine.
public struct Workload: Sendable {
    public let name: String
    public let title: String
    /// Images in the batch (W1 has 2000).
    public let batch: Int
    public let input: Shape
    public let convolution: Convolution
    /// A transposed convolution run instead of `convolution` (the T workloads).
    public var transposed: TransposedConvolution? = nil

    /// W1 ... W6 and W3s2 (W3 at stride 2 with TF-same padding).
    public static let all: [Workload] = [
        Workload(name: "W1", title: "keras-mnist", batch: 2000, input: Shape(channels: 1, height: 28, width: 28),
                 convolution: random(out: 32, in: 1, k: 3, stride: 2, padding: .valid)),
        Workload(name: "W2", title: "photo-blur", batch: 1, input: Shape(channels: 3, height: 2160, width: 3840),
                 convolution: gaussian(size: 5, sigma: 1, mode: .replicate)),
        Workload(name: "W3", title: "features", batch: 1, input: Shape(channels: 3, height: 1024, width: 1024),
                 convolution: random(out: 32, in: 3, k: 3, stride: 1, padding: .same)),
        Workload(name: "W3s2", title: "features-s2", batch: 1, input: Shape(channels: 3, height: 1024, width: 1024),
                 convolution: random(out: 32, in: 3, k: 3, stride: 2, padding: .same)),
        Workload(name: "W4", title: "deep-layer", batch: 1, input: Shape(channels: 64, height: 256, width: 256),
                 convolution: random(out: 64, in: 64, k: 3, stride: 1, padding: .same)),
        Workload(name: "W5", title: "large-kernel", batch: 1, input: Shape(channels: 1, height: 2048, width: 2048),
                 convolution: gaussian(size: 15, sigma: 3, mode: .zeros)),
        Workload(name: "W6", title: "pointwise", batch: 1, input: Shape(channels: 64, height: 512, width: 512),
                 convolution: random(out: 128, in: 64, k: 1, stride: 1, padding: .valid)),
    ]

    /// Workloads beyond SPEC §8 (not in `all`; run by name): paths the standard set does not reach.
    /// D1 is W2's image under a 5x5 kernel of full rank (a sharpen), which no separable pass can run;
    /// P1 is W6's layer on a 128x128 image, whose 4 MiB in and 8 MiB out stay in cache: the
    /// pointwise micro-kernel's own speed, without W6's trips to memory; P9 the same with 256 input channels;
    /// S1 is W5's filter on a 512x512 image, in cache.
    public static let extras: [Workload] = layers + [
        Workload(name: "D1", title: "sharpen-5x5", batch: 1, input: Shape(channels: 3, height: 2160, width: 3840),
                 convolution: sharpen(size: 5, mode: .replicate)),
        Workload(name: "S1", title: "sep-512", batch: 1, input: Shape(channels: 1, height: 512, width: 512),
                 convolution: gaussian(size: 15, sigma: 3, mode: .zeros)),
        Workload(name: "P9", title: "pw-k256", batch: 1, input: Shape(channels: 256, height: 64, width: 64),
                 convolution: random(out: 128, in: 256, k: 1, stride: 1, padding: .valid)),
        Workload(name: "P1", title: "pw-128", batch: 1, input: Shape(channels: 64, height: 128, width: 128),
                 convolution: random(out: 128, in: 64, k: 1, stride: 1, padding: .valid)),
        // T1: a decoder's upsampling layer (DCGAN, U-Net), ConvTranspose2d(64, 32, 4, stride 2, padding 1):
        // 64x128x128 -> 32x256x256. T3 the checkerboard's 3x3 with output_padding 1, same sizes.
        Workload(name: "T1", title: "transpose-4x4-s2", batch: 1, input: Shape(channels: 64, height: 128, width: 128),
                 convolution: random(out: 1, in: 64, k: 1, stride: 1, padding: .valid),
                 transposed: randomTransposed(in: 64, out: 32, k: 4, stride: 2, padding: 1, outputPadding: 0)),
        Workload(name: "T3", title: "transpose-3x3-s2", batch: 1, input: Shape(channels: 64, height: 128, width: 128),
                 convolution: random(out: 1, in: 64, k: 1, stride: 1, padding: .valid),
                 transposed: randomTransposed(in: 64, out: 32, k: 3, stride: 2, padding: 1, outputPadding: 1)),
    ]

    /// Transposed weights (Cin, Cout, k, k), standard normal from a fixed seed.
    private static func randomTransposed(in cin: Int, out: Int, k: Int, stride: Int, padding: Int, outputPadding: Int) -> TransposedConvolution? {
        var rng = SplitMix64(seed: 0)
        let values = (0..<(cin * out * k * k)).map { _ in rng.nextNormal() }
        guard let w = try? ConvWeights(outChannels: cin, inChannelsPerGroup: out, kernel: Size2(square: k), values: values) else { return nil }
        var t = TransposedConvolution(weights: w)
        t.stride = Size2(square: stride)
        t.padding = Size2(square: padding)
        t.outputPadding = Size2(square: outputPadding)
        return t
    }

    /// Floating-point operations of one run: `2 * N * Cout * Hout * Wout * Cin/groups * kh * kw`.
    public var flops: Int {
        if let t = transposed { return batch * ((try? t.geometry(for: input))?.flops ?? 0) }
        guard let g = try? convolution.geometry(for: input) else { return 0 }
        return batch * g.flops
    }

    /// The input images, uniform in [0, 1).
    public func makeInputs() -> [Tensor] {
        var rng = SplitMix64(seed: 1)
        return (0..<batch).map { _ in
            Tensor(shape: input, data: (0..<input.count).map { _ in rng.nextUniform() })
        }
    }

    private static func random(out: Int, in cin: Int, k: Int, stride: Int, padding: Padding) -> Convolution {
        var rng = SplitMix64(seed: 0)
        let values = (0..<(out * cin * k * k)).map { _ in rng.nextNormal() }
        // The counts match by construction.
        let w = (try? ConvWeights(outChannels: out, inChannelsPerGroup: cin, kernel: Size2(square: k), values: values))
        var conv = Convolution(filters: w.map { .weights($0, groups: 1) } ?? .perChannel([]))
        conv.stride = Size2(square: stride)
        conv.padding = padding
        return conv
    }

    /// Unsharp masking as one kernel: 2 x identity - box, of full rank.
    private static func sharpen(size: Int, mode: PadMode) -> Convolution {
        let n = size * size
        let values = (0..<n).map { i in (i == n / 2 ? 2 : 0) - 1 / Float(n) }
        let kernel = (try? Kernel2D(size: Size2(square: size), values: values))
        var conv = Convolution(kernels: kernel.map { [$0] } ?? [])
        conv.padding = .same
        conv.padMode = mode
        return conv
    }

    /// A normalised Gaussian, outer product of the 1-D one, applied per channel with `same` padding.
    private static func gaussian(size: Int, sigma: Double, mode: PadMode) -> Convolution {
        let g1 = (0..<size).map { i -> Double in
            let x = Double(i - size / 2)
            return exp(-(x * x) / (2 * sigma * sigma))
        }
        let sum = g1.reduce(0, +)
        let g = g1.map { Float($0 / sum) }
        let values = g.flatMap { a in g.map { a * $0 } }
        let kernel = (try? Kernel2D(size: Size2(square: size), values: values))
        var conv = Convolution(kernels: kernel.map { [$0] } ?? [])
        conv.padding = .same
        conv.padMode = mode
        return conv
    }
}

/// SplitMix64: a small, fast, well-mixed generator for reproducible test data.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float { Float(next() >> 40) / Float(1 << 24) }

    /// Standard normal (Box-Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300)
        let u2 = Double(next() >> 11) / Double(1 << 53)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}
