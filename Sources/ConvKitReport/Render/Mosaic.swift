import ConvKit
import ConvKitIO

/// Where the tiles of a mosaic go: one tile per map in a near-square grid
/// (`columns = ceil(sqrt(n))`, `rows = ceil(n / columns)`), 1-px gutters
/// between cells, each cell a label strip above the map at its native size.
///
///     let m = MosaicLayout(count: 32, mapHeight: 13, mapWidth: 13, labelHeight: 12, labelWidth: 14)
///     m.columns, m.rows   // 6, 6
///     m.tile(7)           // 13x13+16+27: row 1, column 1
public struct MosaicLayout: Sendable, Hashable {
    public let count: Int
    public let columns: Int
    public let rows: Int
    public let mapHeight: Int
    public let mapWidth: Int
    /// Height of the label strip above each map (0: no labels).
    public let labelHeight: Int
    /// A cell is as wide as its map or its widest label, whichever is wider.
    public let cellWidth: Int
    public static let gutter = 1

    public init(count: Int, mapHeight: Int, mapWidth: Int, labelHeight: Int = 0, labelWidth: Int = 0) {
        precondition(count >= 1 && mapHeight >= 1 && mapWidth >= 1)
        self.count = count
        var c = 1
        while c * c < count { c += 1 }
        columns = c
        rows = (count + c - 1) / c
        self.mapHeight = mapHeight
        self.mapWidth = mapWidth
        self.labelHeight = labelHeight
        cellWidth = max(mapWidth, labelWidth)
    }

    public var cellHeight: Int { labelHeight + mapHeight }
    public var width: Int { columns * cellWidth + (columns - 1) * Self.gutter }
    public var height: Int { rows * cellHeight + (rows - 1) * Self.gutter }

    /// The cell of map `i`, row-major: label strip and map.
    public func cell(_ i: Int) -> Rect {
        precondition((0..<count).contains(i))
        return Rect(x: (i % columns) * (cellWidth + Self.gutter), y: (i / columns) * (cellHeight + Self.gutter),
                    width: cellWidth, height: cellHeight)
    }

    /// The map's pixels inside cell `i`, centred across, below the label strip.
    public func tile(_ i: Int) -> Rect {
        let c = cell(i)
        return Rect(x: c.x + (cellWidth - mapWidth) / 2, y: c.y + labelHeight, width: mapWidth, height: mapHeight)
    }

    /// The label strip of cell `i`.
    public func label(_ i: Int) -> Rect {
        let c = cell(i)
        return Rect(x: c.x, y: c.y, width: cellWidth, height: labelHeight)
    }
}

/// Draws every map of a tensor as a labelled tile (see ``MosaicLayout``).
///
///     let text = try TextRenderer(pixelSize: 10)
///     let picture = Mosaic.render(maps, map: .minmax, colormap: .viridis, text: text)
public enum Mosaic {
    public static let labelBackground = Color(gray: 0.15)
    public static let labelInk = Color(gray: 0.95)

    /// The layout `render` uses for `shape`, labels `names` (default: the index).
    public static func layout(for shape: Shape, names: [String]? = nil, text: TextRenderer?) -> MosaicLayout {
        let labels = names ?? (0..<shape.channels).map(String.init)
        guard let text else { return MosaicLayout(count: shape.channels, mapHeight: shape.height, mapWidth: shape.width) }
        let widest = labels.map(text.width(of:)).max() ?? 0
        return MosaicLayout(count: shape.channels, mapHeight: shape.height, mapWidth: shape.width,
                            labelHeight: text.ascent + text.descent + 2, labelWidth: widest + 4)
    }

    /// Every map `map`ped to [0, 1] on its own, coloured, tiled and labelled
    /// (no labels when `text` is nil).
    public static func render(_ tensor: Tensor, map: PixelMap, colormap: Colormap, names: [String]? = nil,
                              text: TextRenderer?) -> Canvas {
        precondition(tensor.channels >= 1 && tensor.height >= 1 && tensor.width >= 1, "nothing to tile")
        let labels = names ?? (0..<tensor.channels).map(String.init)
        let m = layout(for: tensor.shape, names: labels, text: text)
        var canvas = Canvas(width: m.width, height: m.height, background: .gutter)
        let mapped = map.apply(tensor)
        for i in 0..<m.count {
            canvas.fill(m.cell(i), labelBackground)
            canvas.draw(colormap.apply(mapped.channel(i)), at: m.tile(i).x, m.tile(i).y)
            if let text {
                let box = m.label(i)
                text.draw(labels[i], on: &canvas, x: box.x + 2, y: box.y + 1, color: labelInk)
            }
        }
        return canvas
    }

    /// Names for the maps of a kernel bank on C channels: `k0 c0`, `k0 c1`, ...
    /// (kernel-major, as ``Convolution`` orders them); nil when `kernels` is nil.
    public static func bankNames(kernels: Int?, channels: Int) -> [String]? {
        guard let kernels, kernels > 1, channels >= 1 else { return nil }
        return (0..<(kernels * channels)).map { channels == 1 ? "k\($0)" : "k\($0 / channels) c\($0 % channels)" }
    }
}
