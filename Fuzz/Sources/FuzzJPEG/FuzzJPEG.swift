import ConvKitIO
import FuzzSupport

/// libFuzzer entry: any bytes through the full decoder as a `.jpg` file
/// (content sniffing, libjpeg behind the shim, APP1 EXIF orientation).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = decodeForFuzzing(data, size, name: "fuzz.jpg")
    return 0
}

@_cdecl("FuzzJPEG_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
