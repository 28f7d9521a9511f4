import ConvKit
import Foundation

/// How a tensor's channels are spread over output files.
///
///     ImageEncoder.writeOutputs(t, to: "edges.png", layout: .channels, options: o)
///     // edges-000.png, edges-001.png, ...
public enum Layout: String, Sendable, CaseIterable {
    /// One file when the format can hold the channels (PNG 1-4, JPEG 1 or 3,
    /// `.npy` any); otherwise one file per channel, with a note. Through
    /// ConvKitReport's `OutputWriter`, counts other than 1/3/4 become a mosaic.
    case auto
    /// Every map as a labelled tile of one picture, drawn by ConvKitReport's
    /// `OutputWriter` (labels need its fonts); `.npy` keeps the whole tensor.
    case mosaic
    /// Always one single-channel file per channel: `stem-000.ext`, `stem-001.ext`, ...
    case channels
    /// TIFF only: one file, one page per map (map 0 first), each a
    /// single-channel page of the output depth.
    case pages
}

extension ImageEncoder {
    /// Writes `tensor` to `path` as `layout` says and returns the paths written.
    ///
    /// `.auto`: `.npy` writes the whole tensor; PNG with 1/2/3/4 channels
    /// writes one file (gray, gray+alpha, RGB, RGBA), JPEG with 1 or 3; any
    /// other count writes one file per channel, named `stem-000.ext`,
    /// `stem-001.ext`, ... next to `path`, and `note` says so.
    /// `.channels`: always one file per channel. `.mosaic` writes `.npy`
    /// whole and is otherwise an error here: ConvKitReport's `OutputWriter`
    /// draws mosaics.
    ///
    /// Each file is written atomically; if one fails, the files this call
    /// already wrote are removed, so a failure leaves no partial output.
    ///
    ///     let (paths, note) = try ImageEncoder.writeOutputs(t5, to: "out.png", layout: .auto, options: o)
    ///     // paths: out-000.png ... out-004.png
    ///     // note: "5 channels do not fit one PNG (1-4); wrote one file per channel"
    public static func writeOutputs(_ tensor: Tensor, to path: String, layout: Layout,
                                    options: EncodeOptions) throws(CodecError) -> (paths: [String], note: String?) {
        let format = try outputFormat(path)
        if layout == .pages {
            guard format == .tiff else {
                throw CodecError(path: path, "--layout pages writes one page per map into a TIFF",
                                 hint: "end the output name with .tif or .tiff, or use --layout channels")
            }
            try validate(Shape(channels: 1, height: tensor.height, width: tensor.width), as: .tiff, path: path, options: options)
            let maps = (0..<tensor.channels).map { tensor.channel($0) }
            try AtomicFile.write(try TIFFCodec.encode(pages: maps, options: options, path: path), to: path)
            return ([path], nil)
        }
        let fits: Bool
        switch format {
        case .npy: fits = true
        case .png: fits = (1...4).contains(tensor.channels)
        case .jpeg: fits = tensor.channels == 1 || tensor.channels == 3
        case .tiff: fits = options.depth == 32 || (1...4).contains(tensor.channels)
        case .webp: fits = tensor.channels == 3 || tensor.channels == 4
        }
        if (layout == .auto && fits) || (layout == .mosaic && format == .npy) {
            try write(tensor, to: path, options: options)
            return ([path], nil)
        }
        if layout == .mosaic {
            throw CodecError(path: path, "the mosaic layout is drawn by ConvKitReport",
                             hint: "write it with OutputWriter.writeOutputs, or use --layout auto or channels")
        }
        let paths = channelPaths(for: path, count: tensor.channels)
        var written: [String] = []
        for (c, p) in paths.enumerated() {
            do {
                try write(tensor.channel(c), to: p, options: options)
                written.append(p)
            } catch {
                for w in written { _ = unlink(w) }
                throw error
            }
        }
        var note: String?
        if layout == .auto {
            let fitting = format == .png || format == .tiff ? "1-4" : format == .webp ? "3 or 4" : "1 or 3"
            note = "\(tensor.channels) channels do not fit one \(format.rawValue.uppercased()) (\(fitting)); "
                + "wrote one file per channel: \(paths.first ?? "") ... \(paths.last ?? "")"
        }
        return (paths, note)
    }

    /// `dir/stem-000.ext`, `dir/stem-001.ext`, ... for `path` = `dir/stem.ext`.
    static func channelPaths(for path: String, count: Int) -> [String] {
        let ext = ImageDecoder.pathExtension(path)
        let stem = ext.isEmpty ? path : String(path.dropLast(ext.count + 1))
        return (0..<count).map { c in
            let digits = String(c)
            return "\(stem)-\(String(repeating: "0", count: max(0, 3 - digits.count)))\(digits).\(ext)"
        }
    }
}
