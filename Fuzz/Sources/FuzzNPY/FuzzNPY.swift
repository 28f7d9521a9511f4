import ConvKitIO
import FuzzSupport

/// libFuzzer entry: any bytes as a NumPy `.npy` file, through the image
/// decoder and through the weights reader's header parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = decodeForFuzzing(data, size, name: "fuzz.npy")
    _ = try? NPY.header(bytes, path: "fuzz.npy")
    return 0
}

@_cdecl("FuzzNPY_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
