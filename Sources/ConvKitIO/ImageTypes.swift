import ConvKit

/// The kind of file an input holds, decided by its content (the magic bytes),
/// never by its extension, as libvips and ImageMagick do.
///
///     ImageFormat.png.rawValue   // "png"
public enum ImageFormat: String, Sendable {
    /// PNG: starts `89 50 4E 47` (`\x89PNG`).
    case png
    /// JPEG: starts `FF D8` (SOI).
    case jpeg
    /// NumPy `.npy`: starts `93 4E 55 4D 50 59` (`\x93NUMPY`).
    case npy
    /// TIFF: starts `II*\0` or `MM\0*` (BigTIFF `II+\0`, `MM\0+`).
    case tiff
    /// WebP: starts `RIFF`, then `WEBP` at byte 8.
    case webp
}

/// How ``ImageDecoder`` reads a file.
///
///     var options = DecodeOptions()
///     options.autoOrient = false      // keep the stored pixel order
///     options.maxPixels = 4096 * 4096 // refuse anything larger, before allocating
public struct DecodeOptions: Sendable {
    /// Apply the EXIF Orientation tag (JPEG APP1, PNG eXIf), as Pillow's
    /// `ImageOps.exif_transpose` does. `false` keeps the stored order.
    public var autoOrient = true
    /// The largest declared width x height accepted. The check runs on the
    /// header, before any pixel buffer is allocated. Default 268,435,456 (2^28).
    public var maxPixels = 268_435_456
    /// Treat every decoder warning (libjpeg's "Corrupt JPEG data: ...",
    /// libpng's CRC or chunk warnings) as an error. Off by default, when the
    /// warnings are reported with the decoded image (`--strict`).
    public var strict = false
    /// The page of a multi-page TIFF to read, from 0 (`--page`).
    public var page = 0

    public init() {}
}

/// What a file's header says about its image.
///
///     let info = try ImageDecoder.probe(path: "photo.jpg")
///     // info.width x info.height is the size after EXIF orientation
public struct ImageInfo: Sendable, Equatable {
    public var format: ImageFormat
    /// Width of the decoded tensor: after EXIF orientation when
    /// `DecodeOptions.autoOrient` is on (orientations 5-8 swap the sides).
    public var width: Int
    /// Height of the decoded tensor, after orientation as for ``width``.
    public var height: Int
    /// Width as stored in the file.
    public var storedWidth: Int
    /// Height as stored in the file.
    public var storedHeight: Int
    /// C of the decoded (C, H, W) tensor: gray 1, gray+alpha 2, RGB 3, RGBA 4;
    /// palette 3, or 4 with tRNS; JPEG CMYK/YCCK 3.
    public var channels: Int
    /// PNG: IHDR bit depth (1, 2, 4, 8, 16); JPEG: sample precision;
    /// `.npy`: bits per stored element (8, 16, 32, 64); TIFF: BitsPerSample;
    /// WebP: 8.
    public var bitDepth: Int
    /// The EXIF Orientation tag (1-8) when the file has a readable one,
    /// whether or not it was applied; nil when absent or broken.
    public var orientation: Int?
    /// TIFF: the number of pages (IFDs) in the file; nil for other formats.
    public var pages: Int?
    /// TIFF: `uint`, `int` or `float` samples; nil for other formats.
    public var sampleFormat: String?

    public init(format: ImageFormat, width: Int, height: Int, storedWidth: Int, storedHeight: Int,
                channels: Int, bitDepth: Int, orientation: Int? = nil) {
        self.format = format
        self.width = width
        self.height = height
        self.storedWidth = storedWidth
        self.storedHeight = storedHeight
        self.channels = channels
        self.bitDepth = bitDepth
        self.orientation = orientation
    }
}

/// A decoded file: the (C, H, W) tensor with samples in [0, 1] (8-bit x/255,
/// 16-bit x/65535; `.npy` floats as stored), its header facts, and the
/// non-fatal problems seen on the way.
///
///     let image = try ImageDecoder.decode(path: "photo.jpg")
///     image.tensor.shape     // 3x480x640
///     image.warnings         // ["extension .png does not match content (JPEG)"]
public struct DecodedImage: Sendable {
    public var tensor: Tensor
    public var info: ImageInfo
    /// Library warnings (e.g. libjpeg's "Corrupt JPEG data: 4 extraneous bytes
    /// before marker 0xdb") and a note when the extension disagrees with the content.
    public var warnings: [String]

    public init(tensor: Tensor, info: ImageInfo, warnings: [String]) {
        self.tensor = tensor
        self.info = info
        self.warnings = warnings
    }
}
