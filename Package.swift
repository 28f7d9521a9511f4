// swift-tools-version:6.0
import Foundation
import PackageDescription

// The kernels are compiled for the CPU that builds them (`-target-cpu native`),
// which is right when the build machine runs convkit. To build for other
// machines set CONVKIT_TARGET_CPU to an LLVM CPU name: `haswell` for any AVX2+FMA
// x86-64, `skylake-avx512` for AVX-512, `x86-64` for the baseline (the micro-architecture
// levels x86-64-v3/v4 are not accepted by swiftc 6.3). The kernels use 16-float
// vectors when the target has AVX-512 and 8-float vectors otherwise (AVX2,
// arm64 NEON); CONVKIT_VECTOR_BITS=256|512 overrides the detection.
let environment = ProcessInfo.processInfo.environment
let targetCPU = environment["CONVKIT_TARGET_CPU"] ?? "native"
let hostHasAVX512 = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))
    .map { $0.contains(" avx512f") } ?? false
let wideVectors: Bool = {
    if let bits = environment["CONVKIT_VECTOR_BITS"] { return bits == "512" }
    switch targetCPU {
    case "native": return hostHasAVX512
    case "znver4", "znver5", "sapphirerapids", "icelake-server", "skylake-avx512", "skx", "cascadelake",
         "cooperlake", "tigerlake", "graniterapids", "emeraldrapids": return true
    default: return false
    }
}()
var kernelSettings: [SwiftSetting] = [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
#if arch(x86_64)
kernelSettings.append(.unsafeFlags(["-target-cpu", targetCPU]))
#endif
if wideVectors { kernelSettings.append(.define("CONVKIT_AVX512")) }

let package = Package(
    name: "convkit",
    products: [
        // MARK: - Public API
        .library(name: "ConvKit", targets: ["ConvKit"]),
        .library(name: "ConvKitIO", targets: ["ConvKitIO"]),
        .library(name: "ConvKitPresets", targets: ["ConvKitPresets"]),
        .library(name: "ConvKitReport", targets: ["ConvKitReport"]),
        .library(name: "ConvKitEngine", targets: ["ConvKitEngine"]),
        .library(name: "ConvKitBatch", targets: ["ConvKitBatch"]),
        .executable(name: "convkit", targets: ["convkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // MARK: - Public API
        .target(name: "ConvKit", dependencies: ["CConvKitSIMD"], swiftSettings: kernelSettings),
        .target(name: "ConvKitIO", dependencies: ["ConvKit", "CConvKitCodecs"]),
        // Preset files (YAML through Yams) and the shipped presets.
        .target(
            name: "ConvKitPresets",
            dependencies: ["ConvKit", "ConvKitIO", .product(name: "Yams", package: "Yams")]
        ),
        // Mosaics, comparison grids, HTML reports, text through FreeType.
        .target(name: "ConvKitReport", dependencies: ["ConvKit", "ConvKitIO", "CFreeType"]),
        // The one data path: decode -> stages -> sinks in strips of rows (a whole image is one strip),
        // with the file encoder, the quantisation report, the accounting and the run's JSON.
        .target(name: "ConvKitEngine", dependencies: ["ConvKit", "ConvKitIO", "ConvKitReport"]),
        // Many inputs: manifest, resume, shards, progress, signals.
        .target(name: "ConvKitBatch", dependencies: ["ConvKit", "ConvKitIO", "ConvKitReport", "ConvKitEngine"]),
        .executableTarget(
            name: "convkit",
            dependencies: [
                "ConvKit", "ConvKitIO", "ConvKitPresets", "ConvKitReport", "ConvKitEngine", "ConvKitBatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // MARK: - Implementation details
        .systemLibrary(
            name: "CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]
        ),
        .systemLibrary(
            name: "CJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg-dev"])]
        ),
        .systemLibrary(
            name: "CFreeType", pkgConfig: "freetype2",
            providers: [.apt(["libfreetype-dev"])]
        ),
        .systemLibrary(
            name: "CTIFF", pkgConfig: "libtiff-4",
            providers: [.apt(["libtiff-dev"])]
        ),
        .systemLibrary(
            name: "CWebP", pkgConfig: "libwebp",
            providers: [.apt(["libwebp-dev"])]
        ),
        .target(name: "CConvKitCodecs", dependencies: ["CPNG", "CJPEG", "CTIFF", "CWebP"]),
        // Masked stores (which Swift's SIMD types cannot express) for the kernels; header-only.
        .target(name: "CConvKitSIMD"),
        .target(name: "_ConvKitTestSupport", dependencies: ["ConvKit"]),

        // MARK: - Tests
        .testTarget(
            name: "ConvKitTests",
            dependencies: ["ConvKit", "ConvKitIO", "_ConvKitTestSupport"],
            resources: [.copy("Goldens"), .copy("DenserGoldens")]
        ),
        .testTarget(name: "ConvKitIOTests", dependencies: ["ConvKitIO", "ConvKit"]),
        .testTarget(
            name: "ConvKitPresetsTests",
            dependencies: ["ConvKitPresets", "ConvKit", "ConvKitIO", "_ConvKitTestSupport"],
            exclude: ["PoolGoldens"]  // read from the source tree by the tests
        ),
        .testTarget(name: "ConvKitReportTests", dependencies: ["ConvKitReport", "ConvKit", "ConvKitIO"]),
        .testTarget(name: "ConvKitBatchTests", dependencies: ["ConvKitBatch", "ConvKit", "ConvKitIO"]),
        .testTarget(name: "ConvKitEngineTests", dependencies: ["ConvKitEngine", "ConvKit", "ConvKitIO", "ConvKitReport"]),
        .testTarget(name: "CLITests", dependencies: ["convkit", "ConvKitIO", "ConvKit"]),
    ]
)
