// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "convkit",
    products: [
        // MARK: - Public API
        .library(name: "ConvKit", targets: ["ConvKit"]),
        .library(name: "ConvKitIO", targets: ["ConvKitIO"]),
        .executable(name: "convkit", targets: ["convkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // MARK: - Public API
        .target(
            name: "ConvKit",
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]
        ),
        .target(name: "ConvKitIO", dependencies: ["ConvKit", "CConvKitCodecs"]),
        .executableTarget(
            name: "convkit",
            dependencies: [
                "ConvKit", "ConvKitIO",
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
        .target(name: "CConvKitCodecs", dependencies: ["CPNG", "CJPEG"]),
        .target(name: "_ConvKitTestSupport", dependencies: ["ConvKit"]),

        // MARK: - Tests
        .testTarget(
            name: "ConvKitTests",
            dependencies: ["ConvKit", "ConvKitIO", "_ConvKitTestSupport"],
            resources: [.copy("Goldens")]
        ),
        .testTarget(name: "ConvKitIOTests", dependencies: ["ConvKitIO", "ConvKit"]),
        .testTarget(name: "CLITests", dependencies: ["convkit", "ConvKitIO", "ConvKit"]),
    ]
)
