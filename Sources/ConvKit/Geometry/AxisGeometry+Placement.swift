extension AxisGeometry {
    /// Where a same-size filter must be sampled to give this axis's outputs.
    ///
    /// Libraries without stride or explicit padding (OpenCV `filter2D`, SciPy
    /// `ndimage.correlate`, ImageMagick `-morphology`) compute one output per
    /// input sample `p`, reading samples `p - anchor + t` for the `extent`
    /// taps `t` of the (dilated) kernel. Output `o` of this axis is then sample
    /// `first + o * stride` of that result, where `first = anchor - padBefore`.
    ///
    /// Returns the anchor (the preferred one when it works, else the one that
    /// puts output 0 at sample 0) and `first`, or nil when no anchor in
    /// `0..<extent` keeps every output inside `0..<input` (e.g. `full`
    /// padding): then the input must be padded explicitly first.
    ///
    ///     // 3 taps, same, stride 2 on 8 samples: pads 0,1
    ///     a.samePlacement(preferredAnchor: 1)   // (anchor 1, first 1): outputs at 1, 3, 5, 7
    public func samePlacement(preferredAnchor: Int) -> (anchor: Int, first: Int)? {
        for anchor in [preferredAnchor, padBefore] where anchor >= 0 && anchor < extent {
            let first = anchor - padBefore
            if first >= 0 && first + (output - 1) * stride <= input - 1 { return (anchor, first) }
        }
        return nil
    }

    /// True when the pads are equal on both sides.
    public var isSymmetric: Bool { padBefore == padAfter }
}
