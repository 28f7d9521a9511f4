import FuzzSupport
import ConvKit
import ConvKitPresets

/// libFuzzer entry: any text as a preset file (YAML through Yams), then its
/// pipeline and its plan on a small RGB input, as `--filter` and `convkit shape` use it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let preset = try? Preset(text: text, file: "fuzz.yaml") else { return 0 }
    _ = try? preset.pipeline()
    _ = try? preset.plan(for: Shape(channels: 3, height: 32, width: 32))
    return 0
}

@_cdecl("FuzzPreset_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    runLibFuzzer(argc, argv, fuzz)
}
