import ArgumentParser
import ConvKitIO

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an image's format, size, channels, bit depth and EXIF orientation.")

    @Argument(help: "A PNG, JPEG, TIFF, WebP or .npy file.")
    var image: String

    @OptionGroup var decode: DecodeFlags

    func run() throws {
        try reportingErrors {
            let i = try ImageDecoder.probe(path: image, options: decode.options)
            print("""
                \(image): \(i.format.rawValue.uppercased()) \(i.width)x\(i.height), \(i.channels) channel\(i.channels == 1 ? "" : "s"), \
                \(i.bitDepth)-bit
                  stored size \(i.storedWidth)x\(i.storedHeight), orientation \(i.orientation.map(String.init) ?? "none")\
                \(i.orientation.map { $0 > 1 && decode.noAutoOrient ? " (not applied)" : "" } ?? "")
                  tensor (C, H, W) = (\(i.channels), \(i.height), \(i.width))
                """)
            if let pages = i.pages {
                // TIFF: the page read (--page), then every page when there are several.
                print("  page \(decode.page) of \(pages) (--page N picks another), \(i.sampleFormat ?? "uint") samples")
                if pages > 1 {
                    for (n, p) in try ImageDecoder.probePages(path: image, options: decode.options).enumerated() {
                        print("  page \(n): \(p.width)x\(p.height), \(p.channels) channel\(p.channels == 1 ? "" : "s"), "
                              + "\(p.bitDepth)-bit \(p.sampleFormat ?? "uint"), orientation \(p.orientation ?? 1)")
                    }
                }
            }
        }
    }
}
