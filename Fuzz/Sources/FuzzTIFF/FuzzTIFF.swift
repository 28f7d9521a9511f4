import ConvKitIO
import FuzzSupport

/// libFuzzer entry: any bytes as a TIFF, through libtiff behind the shim:
/// probe and decode of page 0, then page 1 (multi-page paths), non-strict.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = decodeForFuzzing(data, size, name: "fuzz.tif")
    var options = DecodeOptions()
    options.maxPixels = 1 << 22
    options.page = 1
    _ = try? ImageDecoder.decode(bytes: bytes, name: "fuzz.tif", options: options)
    return 0
}

@_cdecl("FuzzTIFF_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
