/// What `--color` does to a decoded tensor before the first stage.
public enum ColorMode: String, Sendable, CaseIterable {
    /// Every channel, alpha included, as plain data.
    case keep
    /// ITU-R BT.601 luma, `0.299 R + 0.587 G + 0.114 B`; alpha dropped.
    case gray
    /// Three channels: alpha dropped, gray expanded.
    case rgb
}

extension Tensor {
    /// The tensor converted as `--color` says. Gray means one channel,
    /// gray+alpha two, RGB three and RGBA four; any other channel count is
    /// kept by `.keep` and rejected by the others.
    public func converted(to mode: ColorMode) throws(GeometryError) -> Tensor {
        switch mode {
        case .keep:
            return self
        case .gray:
            switch channels {
            case 1: return self
            case 2: return channel(0)
            case 3, 4:
                let n = shape.planeCount
                var out = [Float](repeating: 0, count: n)
                data.withUnsafeBufferPointer { src in
                    for i in 0..<n {
                        out[i] = 0.299 * src[i] + 0.587 * src[n + i] + 0.114 * src[2 * n + i]
                    }
                }
                return Tensor(shape: Shape(channels: 1, height: height, width: width), data: out)
            default:
                throw GeometryError("--color gray needs 1 to 4 channels, the input has \(channels)",
                                    hint: "use --color keep for arbitrary channel counts")
            }
        case .rgb:
            switch channels {
            case 1, 2:
                let g = channel(0)
                return Tensor.stacking([g, g, g])
            case 3: return self
            case 4:
                let n = shape.planeCount
                return Tensor(shape: Shape(channels: 3, height: height, width: width), data: Array(data[0..<(3 * n)]))
            default:
                throw GeometryError("--color rgb needs 1 to 4 channels, the input has \(channels)",
                                    hint: "use --color keep for arbitrary channel counts")
            }
        }
    }
}
