import ConvKit
import Foundation

/// Kernels computed from a few numbers: `gaussian`, `box`, `laplacian` and
/// `random` in a preset's conv stage.
public enum KernelGenerator: Hashable, Sendable {
    /// A normalised Gaussian of `size` taps with standard deviation `sigma`
    /// (default OpenCV's `0.3*((k-1)/2 - 1) + 0.8`); sums to 1.
    case gaussian(size: Size2, sigma: Double?)
    /// Every tap `1 / (kh*kw)`.
    case box(size: Size2)
    /// ImageMagick's `Laplacian:0` generalised to an odd `size`: every tap -1,
    /// the centre `size*size - 1`; `neighbours: 4` (size 3 only) gives
    /// `0,-1,0 -1,4,-1 0,-1,0`. Sums to 0; edges come out bright.
    case laplacian(size: Int, neighbours: Int)
    /// `filters` random filters of `size` on `inChannels` channels, drawn as
    /// `init` says from a SplitMix64 stream seeded with `seed` (the same seed
    /// gives the same weights on every machine; Keras' own stream differs).
    case random(filters: Int, size: Size2, inChannels: Int, seed: UInt64, init: WeightInit)

    /// The kernel size, which a comparison may sweep with ``resized(_:)``.
    public var size: Size2 {
        switch self {
        case let .gaussian(s, _), let .box(s): s
        case let .laplacian(n, _): Size2(square: n)
        case let .random(_, s, _, _, _): s
        }
    }

    /// The same generator with another size (a laplacian keeps 8 neighbours
    /// and needs an odd size >= 3).
    public func resized(_ s: Size2) -> KernelGenerator {
        switch self {
        case let .gaussian(_, sigma): .gaussian(size: s, sigma: sigma)
        case .box: .box(size: s)
        case let .laplacian(_, nb): .laplacian(size: s.h, neighbours: s.h == 3 ? nb : 8)
        case let .random(f, _, c, seed, i): .random(filters: f, size: s, inChannels: c, seed: seed, init: i)
        }
    }

    /// The filters this generator makes.
    public func filters() throws(GeometryError) -> Convolution.Filters {
        switch self {
        case let .gaussian(size, sigma):
            let rows = gaussian1D(size.h, sigma: sigma), cols = gaussian1D(size.w, sigma: sigma)
            return .perChannel([try Kernel2D(size: size, values: rows.flatMap { r in cols.map { Float(r * $0) } })])
        case let .box(size):
            let n = size.h * size.w
            return .perChannel([try Kernel2D(size: size, values: [Float](repeating: 1 / Float(n), count: n))])
        case let .laplacian(n, neighbours):
            if neighbours == 4 {
                return .perChannel([try Kernel2D(rows: [[0, -1, 0], [-1, 4, -1], [0, -1, 0]])])
            }
            var v = [Float](repeating: -1, count: n * n)
            v[n * n / 2] = Float(n * n - 1)
            return .perChannel([try Kernel2D(size: Size2(square: n), values: v)])
        case let .random(filters, size, cin, seed, initializer):
            let values = initializer.sample(count: filters * cin * size.h * size.w,
                                            fanIn: cin * size.h * size.w, fanOut: filters * size.h * size.w, seed: seed)
            return .weights(try ConvWeights(outChannels: filters, inChannelsPerGroup: cin, kernel: size, values: values),
                            groups: 1)
        }
    }

    /// Normalised 1-D Gaussian taps (their sum is 1).
    private func gaussian1D(_ k: Int, sigma: Double?) -> [Double] {
        let s = sigma ?? (0.3 * (Double(k - 1) * 0.5 - 1) + 0.8)
        let c = Double(k - 1) / 2
        let taps = (0..<k).map { exp(-(Double($0) - c) * (Double($0) - c) / (2 * s * s)) }
        let sum = taps.reduce(0, +)
        return taps.map { $0 / sum }
    }
}

/// The Keras initializers convkit reproduces (their distributions, not Keras' random stream).
public enum WeightInit: String, Hashable, Sendable, CaseIterable {
    /// Keras `GlorotUniform` (the `Conv2D` default): uniform on `±sqrt(6 / (fan_in + fan_out))`,
    /// `fan_in = Cin*kh*kw`, `fan_out = filters*kh*kw`.
    case glorotUniform = "glorot-uniform"
    /// Keras `HeNormal`: a normal truncated at two standard deviations, scaled
    /// (stddev `sqrt(2 / fan_in) / 0.8796...`) so the variance is `2 / fan_in`.
    case heNormal = "he-normal"

    /// `count` samples, deterministic for `seed`.
    public func sample(count: Int, fanIn: Int, fanOut: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        switch self {
        case .glorotUniform:
            let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
            return (0..<count).map { _ in Float((rng.nextUnit() * 2 - 1) * limit) }
        case .heNormal:
            // 0.87962566103423978 is the stddev of a unit normal truncated to [-2, 2] (Keras' constant).
            let stddev = (2.0 / Double(fanIn)).squareRoot() / 0.87962566103423978
            var out: [Float] = []
            out.reserveCapacity(count)
            while out.count < count {
                // Box-Muller, rejecting samples beyond two standard deviations.
                let u1 = max(rng.nextUnit(), .leastNonzeroMagnitude), u2 = rng.nextUnit()
                let r = (-2 * log(u1)).squareRoot()
                for z in [r * cos(2 * .pi * u2), r * sin(2 * .pi * u2)] where abs(z) <= 2 && out.count < count {
                    out.append(Float(z * stddev))
                }
            }
            return out
        }
    }
}

/// Sebastiano Vigna's SplitMix64: small, fast, and the same on every platform.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in [0, 1), 53 random bits.
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }
}
