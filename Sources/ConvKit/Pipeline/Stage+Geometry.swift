extension Stage {
    /// The stage's geometry on `input`.
    ///
    /// - conv: the convolution's geometry.
    /// - pool: a depthwise geometry (channels unchanged, one tap per window sample).
    /// - transposed, upsample: a denser geometry (see `AxisGeometry+Denser.swift`).
    /// - magnitude: a 1x1 grouped geometry, N = K*C channels in, C out, K
    ///   inputs per output (so MACs count K squares per output sample).
    /// - activation, color: a 1x1 geometry, no padding, stride 1: the shapes
    ///   (color may change the channel count), receptive field and jump pass
    ///   through unchanged. These stages count no MACs (see ``StageReport/macs``).
    ///
    /// `magnitudeGroups` is K for a magnitude stage (see ``Magnitude``).
    public func geometry(for input: Shape, magnitudeGroups: Int? = nil) throws(GeometryError) -> ConvGeometry {
        let one = Size2(square: 1)
        switch operation {
        case let .conv(c):
            return try c.geometry(for: input)
        case let .pool(p):
            return try p.geometry(for: input)
        case let .transposed(t):
            return try t.geometry(for: input)
        case let .upsample(u):
            return try u.geometry(for: input)
        case .activation:
            return try ConvGeometry(input: input, outChannels: input.channels, kernel: one, padding: .valid,
                                    groups: input.channels)
        case let .color(mode):
            return try ConvGeometry(input: input, outChannels: try mode.outputChannels(for: input.channels),
                                    kernel: one, padding: .valid)
        case .magnitude:
            guard let k = magnitudeGroups else {
                throw GeometryError("magnitude does not know how many maps to combine",
                                    hint: "put it after a kernel bank, or give magnitude {groups: K}")
            }
            guard k >= 1, input.channels % k == 0 else {
                throw GeometryError("magnitude over \(k) groups needs a channel count divisible by \(k), the input has \(input.channels)",
                                    hint: "a bank of K kernels on C channels gives K*C maps")
            }
            let c = input.channels / k
            return try ConvGeometry(input: input, outChannels: c, kernel: one, padding: .valid, groups: c)
        }
    }
}
