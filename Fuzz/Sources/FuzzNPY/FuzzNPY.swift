import ConvKitIO

/// libFuzzer entry: any bytes as a NumPy `.npy` file, through the image
/// decoder and through the weights reader's header parser.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var options = DecodeOptions()
    options.maxPixels = 1 << 22
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? NPY.header(bytes, path: "fuzz.npy")
    _ = try? ImageDecoder.probe(bytes: bytes, name: "fuzz.npy", options: options)
    _ = try? ImageDecoder.decode(bytes: bytes, name: "fuzz.npy", options: options)
    return 0
}

/// SwiftPM links executables with `main` renamed to `FuzzNPY_main` (so tests can
/// link them); libFuzzer's own `main` is then not used, so start its driver here.
@_cdecl("FuzzNPY_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32
