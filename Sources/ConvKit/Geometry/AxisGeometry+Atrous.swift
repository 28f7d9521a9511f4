extension AxisGeometry {
    /// How long a dense (atrous) map must be for the pads of the stage that
    /// reads it: `tight` (`rate*(L-1) + 1` samples, the sampled ones first and
    /// last, as replicate and reflect pads need) or `wrap` (`rate*L`, so that a
    /// circular pad wraps to a sampled position).
    public enum DenseLength: Sendable {
        case tight, wrap
    }

    /// This axis run densely on a map whose samples are `rate` apart
    /// (`denseInput` samples long): stride 1, dilation and pad before times
    /// `rate`, and the pad after that makes the dense output `length` long
    /// for the next stage (nil when even no pad after makes it short enough).
    ///
    /// The dense output at every `rate*stride`-th sample equals this axis's
    /// output: tap `t` of output `o` reads input `o*s + t*d - before`, which
    /// the dense map holds at `rate` times that index.
    ///
    ///     // stride 2, k 3, pads 1,1 on 8 samples -> 4 outputs; rate 1 in, rate 2 out
    ///     a.atrous(rate: 1, denseInput: 8, length: .tight)   // pads 1,0: 7 dense outputs, 0 2 4 6 sampled
    public func atrous(rate: Int, denseInput: Int, length: DenseLength)
        -> (dilation: Int, padBefore: Int, padAfter: Int?, denseOutput: Int, rate: Int) {
        let d = dilation * rate, before = padBefore * rate, extent = d * (kernel - 1) + 1
        let out = rate * stride
        let target = length == .tight ? out * (output - 1) + 1 : out * output
        let after = target - denseInput - before + extent - 1
        let used = max(after, 0)
        return (d, before, after >= 0 ? after : nil, denseInput + before + used - extent + 1, out)
    }
}
