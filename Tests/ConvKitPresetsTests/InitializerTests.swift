import ConvKit
import Testing
@testable import ConvKitPresets

@Suite("Keras initializers")
struct InitializerTests {
    /// keras-conv32's layer: Conv2D(32, (3, 3)) on one channel.
    static let fanIn = 1 * 3 * 3, fanOut = 32 * 3 * 3

    @Test("glorot-uniform stays within ±sqrt(6/(fan_in+fan_out)) with the mean and variance of that uniform")
    func glorotUniform() {
        let limit = (6.0 / Double(Self.fanIn + Self.fanOut)).squareRoot()
        let n = 200_000
        let v = WeightInit.glorotUniform.sample(count: n, fanIn: Self.fanIn, fanOut: Self.fanOut, seed: 42).map(Double.init)
        #expect(v.allSatisfy { abs($0) <= limit })
        #expect(v.max()! > limit * 0.999 && v.min()! < -limit * 0.999)
        let mean = v.reduce(0, +) / Double(n)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        // Standard error of the mean: limit / sqrt(3n) ~ 0.0002; allow five of them.
        #expect(abs(mean) < 5 * limit / (3.0 * Double(n)).squareRoot())
        #expect(abs(variance / (limit * limit / 3) - 1) < 0.01)
    }

    @Test("he-normal is a normal truncated at two standard deviations with variance 2/fan_in")
    func heNormal() {
        let n = 200_000
        let v = WeightInit.heNormal.sample(count: n, fanIn: Self.fanIn, fanOut: Self.fanOut, seed: 7).map(Double.init)
        let stddev = (2.0 / Double(Self.fanIn)).squareRoot() / 0.87962566103423978
        #expect(v.allSatisfy { abs($0) <= 2 * stddev + 1e-6 })
        let mean = v.reduce(0, +) / Double(n)
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        #expect(abs(mean) < 0.01)
        #expect(abs(variance / (2.0 / Double(Self.fanIn)) - 1) < 0.02)
    }

    @Test("A seed gives the same weights every time; another seed gives others")
    func deterministic() throws {
        let yaml = "color: gray\nstages:\n  - conv: {random: {filters: 32, size: 3, seed: SEED}}\n"
        let a = try preset(yaml.replacingOccurrences(of: "SEED", with: "42")).pipeline()
        let b = try preset(yaml.replacingOccurrences(of: "SEED", with: "42")).pipeline()
        let c = try preset(yaml.replacingOccurrences(of: "SEED", with: "43")).pipeline()
        #expect(a == b)
        #expect(a != c)
        guard case let .weights(w, _) = a.convolutions[0].filters else { Issue.record("not weights"); return }
        #expect(w.outChannels == 32 && w.inChannelsPerGroup == 1 && w.kernel == Size2(square: 3))
    }
}
