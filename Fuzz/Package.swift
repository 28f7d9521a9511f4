// swift-tools-version:6.0
// libFuzzer targets for convkit's decoders and parsers. Not part of the main
// package: build with Scripts/fuzz.sh (swift build -Xswiftc -sanitize=fuzzer,address
// -Xswiftc -parse-as-library), see README.md.
import PackageDescription

let targets = ["FuzzPNG", "FuzzJPEG", "FuzzNPY", "FuzzTIFF", "FuzzWebP", "FuzzKernelString", "FuzzPreset"]

let package = Package(
    name: "convkit-fuzz",
    dependencies: [.package(name: "convkit", path: "..")],
    targets: [.target(name: "FuzzSupport", dependencies: [.product(name: "ConvKitIO", package: "convkit")])]
        + targets.map { name in
        .executableTarget(
            name: name,
            dependencies: [
                "FuzzSupport",
                .product(name: "ConvKit", package: "convkit"),
                .product(name: "ConvKitIO", package: "convkit"),
                .product(name: "ConvKitPresets", package: "convkit"),
            ]
        )
    }
)
