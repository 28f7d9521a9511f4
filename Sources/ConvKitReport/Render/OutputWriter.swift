import ConvKit
import ConvKitIO
import Foundation

/// Writes a pipeline's output as SPEC section 5 says: `auto` writes 1, 3 or
/// 4 maps as gray, RGB or RGBA (a single map through `colormap`) and tiles
/// any other count into a labelled mosaic; `mosaic` always tiles; `channels`
/// writes one file per map. `.npy` always holds the raw tensor.
///
///     let (paths, note) = try OutputWriter.writeOutputs(out, to: "maps.png", layout: .auto,
///                                                       options: o, colormap: .viridis)
public enum OutputWriter {
    public static func writeOutputs(_ tensor: Tensor, to path: String, layout: Layout, options: EncodeOptions,
                                    colormap: Colormap = .gray, names: [String]? = nil) throws(CodecError) -> (paths: [String], note: String?) {
        let ext = pathExtension(path)
        if ImageEncoder.keepsValues(path: path, options: options) { return try ImageEncoder.writeOutputs(tensor, to: path, layout: layout == .mosaic ? .auto : layout, options: options) }
        let isJPEG = ["jpg", "jpeg", "jpe", "jfif"].contains(ext)
        switch layout {
        case .pages:
            return try ImageEncoder.writeOutputs(tensor, to: path, layout: .pages, options: options)
        case .channels where colormap == .gray:
            return try ImageEncoder.writeOutputs(tensor, to: path, layout: .channels, options: options)
        case .channels:
            let parts = (0..<tensor.channels).map { tensor.channel($0) }
            let paths = channelPaths(path, count: parts.count)
            var written: [String] = []
            for (part, p) in zip(parts, paths) {
                do {
                    try write(colormap.apply(options.map.apply(part)), to: p, options: options)
                    written.append(p)
                } catch {
                    written.forEach { _ = unlink($0) }
                    throw error
                }
            }
            return (paths, nil)
        case .auto where tensor.channels == 1:
            try write(colormap.apply(options.map.apply(tensor)), to: path, options: options)
            return ([path], nil)
        case .auto where tensor.channels == 3 || (tensor.channels == 4 && !isJPEG):
            try ImageEncoder.write(tensor, to: path, options: options)
            return ([path], nil)
        case .auto, .mosaic:
            let text: TextRenderer
            do { text = try TextRenderer(pixelSize: 10) } catch {
                throw CodecError(path: path, "cannot draw the mosaic's labels: \(error.description)")
            }
            let canvas = Mosaic.render(tensor, map: options.map, colormap: colormap, names: names, text: text)
            let m = Mosaic.layout(for: tensor.shape, names: names ?? (0..<tensor.channels).map(String.init), text: text)
            var o = options
            o.text["convkit:layout"] = "mosaic of \(m.count) maps, \(m.columns)x\(m.rows) tiles of \(m.mapWidth)x\(m.mapHeight), "
                + "1-px gutters, labels above, row-major from map 0"
            try write(canvas.tensor, to: path, options: o)
            let note = layout == .auto
                ? "\(tensor.channels) maps written as a \(m.columns)x\(m.rows) mosaic (--layout channels writes one file per map)" : nil
            return ([path], note)
        }
    }

    /// Writes an already mapped [0, 1] picture.
    static func write(_ picture: Tensor, to path: String, options: EncodeOptions) throws(CodecError) {
        var o = options
        o.map = .clamp
        try ImageEncoder.write(picture, to: path, options: o)
    }

    /// The lowercased extension of the file name (`OUT.PNG` -> `png`), empty without one.
    public static func pathExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The files of `--layout channels`: `out.png` -> `out-000.png`, `out-001.png`, ...
    public static func channelPaths(_ path: String, count: Int) -> [String] {
        let ext = pathExtension(path)
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        let suffix = ext.isEmpty ? "" : "." + String(path.suffix(ext.count))
        return (0..<count).map { c in
            let d = String(c)
            return "\(stem)-\(String(repeating: "0", count: max(0, 3 - d.count)))\(d)\(suffix)"
        }
    }
}
