/// The shape of a planar image tensor: channels, rows, columns (PyTorch's CHW).
///
///     let shape = Shape(channels: 3, height: 480, width: 640)
///     shape.count   // 921_600
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Number of elements, `channels * height * width`.
    public var count: Int { channels * height * width }

    /// Elements in one channel plane.
    public var planeCount: Int { height * width }

    /// `CxHxW`, the order of the `.npy` files convkit reads and writes.
    public var description: String { "\(channels)x\(height)x\(width)" }
}

/// A Float32 image tensor, planar and contiguous in (C, H, W) order.
///
/// This is the layout of PyTorch tensors and of the `.npy` files convkit
/// writes: element (c, y, x) sits at `data[(c * height + y) * width + x]`.
///
///     var t = Tensor(zeros: Shape(channels: 1, height: 2, width: 3))
///     t[0, 1, 2] = 1
public struct Tensor: Equatable, Sendable {
    public let shape: Shape
    public var data: [Float]

    /// A tensor over `data`, which must hold exactly `shape.count` values.
    public init(shape: Shape, data: [Float]) {
        precondition(data.count == shape.count, "Tensor data has \(data.count) values, shape \(shape) needs \(shape.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: Shape) {
        self.init(shape: shape, data: [Float](repeating: 0, count: shape.count))
    }

    public var channels: Int { shape.channels }
    public var height: Int { shape.height }
    public var width: Int { shape.width }

    @inline(__always)
    public subscript(c: Int, y: Int, x: Int) -> Float {
        get { data[(c * shape.height + y) * shape.width + x] }
        set { data[(c * shape.height + y) * shape.width + x] = newValue }
    }

    /// The single-channel tensor of channel `c`.
    public func channel(_ c: Int) -> Tensor {
        let n = shape.planeCount
        return Tensor(shape: Shape(channels: 1, height: shape.height, width: shape.width),
                      data: Array(data[(c * n)..<((c + 1) * n)]))
    }

    /// Stacks tensors of equal height and width along the channel axis.
    public static func stacking(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: Shape(channels: 0, height: 0, width: 0)) }
        var data: [Float] = []
        data.reserveCapacity(parts.reduce(0) { $0 + $1.data.count })
        for p in parts {
            precondition(p.height == first.height && p.width == first.width, "stacked tensors differ in size")
            data.append(contentsOf: p.data)
        }
        let c = parts.reduce(0) { $0 + $1.channels }
        return Tensor(shape: Shape(channels: c, height: first.height, width: first.width), data: data)
    }
}
