import ConvKitIO

/// What every fuzz target shares: starting libFuzzer's driver.
///
/// SwiftPM links an executable with its `main` renamed to `<Target>_main` (so
/// tests can link it), and libFuzzer's own `main` is then not used; each
/// target exports that symbol and calls `runLibFuzzer` from it.
public func runLibFuzzer(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32
) -> Int32

/// Any bytes through the image decoder under `name` (whose extension may
/// disagree with the content), header probe first, with a 4 Mpx limit so that
/// larger declared sizes must be refused rather than allocated.
public func decodeForFuzzing(_ data: UnsafePointer<UInt8>, _ size: Int, name: String) -> [UInt8] {
    var options = DecodeOptions()
    options.maxPixels = 1 << 22
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ImageDecoder.probe(bytes: bytes, name: name, options: options)
    _ = try? ImageDecoder.decode(bytes: bytes, name: name, options: options)
    return bytes
}

