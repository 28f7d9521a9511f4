import ConvKitIO

/// libFuzzer entry: any bytes through the full decoder as a `.png` file
/// (content sniffing, libpng behind the shim, eXIf orientation).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var options = DecodeOptions()
    options.maxPixels = 1 << 22  // 4 Mpx: larger declared sizes must be refused, not allocated
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ImageDecoder.probe(bytes: bytes, name: "fuzz.png", options: options)
    _ = try? ImageDecoder.decode(bytes: bytes, name: "fuzz.png", options: options)
    return 0
}

/// SwiftPM links executables with `main` renamed to `FuzzPNG_main` (so tests can
/// link them); libFuzzer's own `main` is then not used, so start its driver here.
@_cdecl("FuzzPNG_main")
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
