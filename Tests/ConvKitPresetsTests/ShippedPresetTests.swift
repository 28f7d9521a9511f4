import ConvKit
import ConvKitIO
import Foundation
import Testing
@testable import ConvKitPresets

@Suite("Shipped presets")
struct ShippedPresetTests {
    static let required = [
        "identity", "box3", "box5", "gaussian3", "gaussian5", "gaussian15", "sharpen", "unsharp", "emboss", "laplacian4",
        "laplacian8", "sobel", "sobel-x", "sobel-y", "scharr", "prewitt", "roberts", "kirsch", "motion-blur",
        "dilated-laplacian", "pointwise-gray", "keras-conv32", "edges", "max-pool", "avg-pool",
    ]

    static var filterFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Package.path("Filters"))) ?? [])
            .filter { PresetLibrary.isPath($0) }.sorted()
    }

    @Test("Every shipped preset equals its embedded copy (run Scripts/embed_filters.py after editing Filters/)")
    func embeddedMatchesFilters() throws {
        let embedded = Dictionary(uniqueKeysWithValues: EmbeddedFilters.files.map { ($0.file, $0.text) })
        #expect(Set(embedded.keys) == Set(Self.filterFiles))
        for file in Self.filterFiles {
            let text = try String(contentsOfFile: Package.path("Filters/\(file)"), encoding: .utf8)
            #expect(embedded[file] == text, "\(file) differs from its embedded copy")
        }
    }

    @Test("The SPEC's presets are all shipped")
    func requiredNames() {
        let names = Set(PresetLibrary.shipped.map(\.name))
        #expect(Set(Self.required).subtracting(names).isEmpty, "missing: \(Set(Self.required).subtracting(names))")
    }

    @Test("A shipped preset validates, has a description, and runs on a real image", arguments: PresetLibrary.shipped.map(\.name))
    func shipped(_ name: String) throws {
        let preset = try PresetLibrary(environment: [:]).load(name)
        #expect(preset.name == name)
        #expect(preset.description?.isEmpty == false)
        let input = try ImageDecoder.decode(path: Package.path("Fixtures/corpus/png/basn2c08.png")).tensor
        let plan = try preset.plan(for: input.shape)
        let (out, _) = try preset.pipeline().run(input)
        #expect(out.shape == plan.last?.geometry.output)
        #expect(out.data.allSatisfy { $0.isFinite })
        #expect(!preset.text.isEmpty)
    }

    @Test("identity leaves the image unchanged; pointwise-gray equals --color gray")
    func exactPresets() throws {
        let library = PresetLibrary(environment: [:])
        let input = try ImageDecoder.decode(path: Package.path("Fixtures/corpus/png/basn2c08.png")).tensor
        #expect(try library.load("identity").pipeline().run(input).output == input)
        let gray = try library.load("pointwise-gray").pipeline().run(input).output
        #expect(maxDifference(gray, try input.converted(to: .gray)) < 1e-6)
    }

    @Test("Matrices are printed with aligned columns")
    func matrixText() {
        #expect(Preset.matrix(Size2(2, 3), [-1, 0, 10, 0.5, 2, -3]) == [" -1   0  10", "0.5   2  -3"])
    }
}
