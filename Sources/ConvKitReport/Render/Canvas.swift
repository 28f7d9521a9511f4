import ConvKit

/// An RGB colour, components in [0, 1].
public struct Color: Sendable, Hashable {
    public var r, g, b: Float
    public init(_ r: Float, _ g: Float, _ b: Float) { self.r = r; self.g = g; self.b = b }
    public init(gray: Float) { self.init(gray, gray, gray) }

    public static let background = Color(gray: 0.96)
    public static let ink = Color(gray: 0.12)
    public static let gutter = Color(gray: 0.75)
}

/// An integer rectangle in canvas pixels.
public struct Rect: Sendable, Hashable, CustomStringConvertible {
    public var x, y, width, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }
    public var description: String { "\(width)x\(height)+\(x)+\(y)" }
}

/// A planar RGB picture in [0, 1] that images and text are drawn onto.
///
///     var c = Canvas(width: 200, height: 100)
///     c.draw(image, at: 10, 10)
///     try ImageEncoder.write(c.tensor, to: "grid.png", options: EncodeOptions())
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// 3 planes of `width * height` samples: R, G, B.
    public private(set) var data: [Float]

    public init(width: Int, height: Int, background: Color = .background) {
        precondition(width >= 0 && height >= 0)
        self.width = width
        self.height = height
        let n = width * height
        data = [Float](repeating: background.r, count: n) + [Float](repeating: background.g, count: n)
            + [Float](repeating: background.b, count: n)
    }

    /// The picture as a 3-channel (C, H, W) tensor.
    public var tensor: Tensor { Tensor(shape: Shape(channels: 3, height: height, width: width), data: data) }

    public func pixel(_ x: Int, _ y: Int) -> Color {
        let n = width * height, i = y * width + x
        return Color(data[i], data[n + i], data[2 * n + i])
    }

    public mutating func fill(_ r: Rect, _ color: Color) {
        let n = width * height
        for y in max(0, r.y)..<min(height, r.maxY) {
            for x in max(0, r.x)..<min(width, r.maxX) {
                let i = y * width + x
                data[i] = color.r; data[n + i] = color.g; data[2 * n + i] = color.b
            }
        }
    }

    /// Draws a [0, 1] image of 1 channel (gray) or 3-4 channels (RGB; a
    /// fourth is ignored) with its top-left corner at (x, y), clipped.
    public mutating func draw(_ image: Tensor, at x0: Int, _ y0: Int) {
        precondition([1, 3, 4].contains(image.channels), "draw takes gray or RGB images")
        let n = width * height, m = image.height * image.width
        let planes = image.channels == 1 ? [0, 0, 0] : [0, 1, 2]
        for y in 0..<image.height where (0..<height).contains(y0 + y) {
            for x in 0..<image.width where (0..<width).contains(x0 + x) {
                let i = (y0 + y) * width + x0 + x, j = y * image.width + x
                for c in 0..<3 { data[c * n + i] = PixelMapUnit.unit(image.data[planes[c] * m + j]) }
            }
        }
    }

    /// Blends `color` over pixel (x, y) with coverage `alpha` in [0, 1].
    public mutating func blend(_ x: Int, _ y: Int, _ color: Color, alpha: Float) {
        guard (0..<width).contains(x), (0..<height).contains(y), alpha > 0 else { return }
        let n = width * height, i = y * width + x, a = min(1, alpha)
        data[i] += (color.r - data[i]) * a
        data[n + i] += (color.g - data[n + i]) * a
        data[2 * n + i] += (color.b - data[2 * n + i]) * a
    }
}

enum PixelMapUnit {
    @inline(__always) static func unit(_ x: Float) -> Float { x.isNaN ? 0 : min(1, max(0, x)) }
}

extension Tensor {
    /// Nearest-neighbour resampling to `height` x `width`, every channel.
    public func resizedNearest(height h: Int, width w: Int) -> Tensor {
        guard h != height || w != width else { return self }
        var out = [Float](repeating: 0, count: channels * h * w)
        for c in 0..<channels {
            for y in 0..<h {
                let sy = min(height - 1, y * height / max(h, 1))
                for x in 0..<w {
                    let sx = min(width - 1, x * width / max(w, 1))
                    out[(c * h + y) * w + x] = data[(c * height + sy) * width + sx]
                }
            }
        }
        return Tensor(shape: Shape(channels: channels, height: h, width: w), data: out)
    }
}
