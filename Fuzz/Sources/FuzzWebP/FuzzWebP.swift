import ConvKitIO
import FuzzSupport

/// libFuzzer entry: any bytes as a WebP, through libwebp behind the shim.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = decodeForFuzzing(data, size, name: "fuzz.webp")
    return 0
}

@_cdecl("FuzzWebP_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
