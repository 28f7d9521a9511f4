import ArgumentParser
import ConvKit
import ConvKitPresets
import Foundation

struct Filters: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and validate filter presets (YAML or JSON pipelines).",
        discussion: """
            Names are looked up in --filters-dir, then $CONVKIT_FILTERS (colon-separated directories), \
            then the shipped presets, which are embedded in convkit.
            """,
        subcommands: [List.self, Show.self, Validate.self]
    )

    struct Lookup: ParsableArguments {
        @Option(help: ArgumentHelp("A directory searched first for preset names.", valueName: "DIR"))
        var filtersDir: String?

        var library: PresetLibrary { PresetLibrary(filtersDir: filtersDir) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every preset name with its description and where it comes from.")

        @OptionGroup var lookup: Lookup

        func run() throws {
            try reportingErrors {
                let entries = lookup.library.entries()
                let width = entries.map(\.source.name.count).max() ?? 0
                for (source, shadowed) in entries {
                    let description = (try? source.parse().description ?? "") ?? "(invalid: `convkit filters validate \(source.file)`)"
                    let from = source.origin == .shipped ? "shipped" : "\(source.origin): \(source.file)"
                    print("\(source.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(description)  [\(from)\(shadowed ? ", shadowed" : "")]")
                }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A preset's stages, kernels as matrices, and its shape table.")

        @Argument(help: "A preset name or file.")
        var name: String

        @Option(help: ArgumentHelp("The input size for the shape table, H x W x C.", valueName: "HxWxC"))
        var input: String = "64x64x3"

        @OptionGroup var lookup: Lookup

        @Flag(help: "Apply the preset to a delta image and print the response (the kernel rotated 180 degrees for a cross-correlation).")
        var impulse = false

        @Option(name: .shortAndLong, help: ArgumentHelp("With --impulse: draw the response magnified (.png), or save it raw (.npy).",
                                                        valueName: "X.png"))
        var output: String?

        func validate() throws {
            if output != nil && !impulse { throw ValidationError("-o draws the impulse response; add --impulse") }
        }

        func run() throws {
            try reportingErrors {
                let source = try lookup.library.resolve(name)
                let preset = try source.parse()
                if impulse { return try showImpulse(preset) }
                let shape = try Shape(parsingHWC: input)
                print("\(preset.text)\nsource: \(source.origin == .shipped ? "shipped (\(source.file))" : source.file)\n")
                let stages = try preset.plan(for: shape)
                print(ShapeTable(input: shape, stages: stages).text)
                stages.flatMap(\.warnings).forEach { print("warning: \($0)") }
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check preset files; print every error and exit 1 if any fails.")

        @Argument(help: "Preset files (or names).")
        var files: [String]

        @Option(help: ArgumentHelp("Also plan every preset on this input size, H x W x C (catches kernels larger than the padded input).",
                                   valueName: "HxWxC"))
        var input: String?

        @OptionGroup var lookup: Lookup

        func validate() throws {
            if files.isEmpty { throw ValidationError("give at least one preset file") }
        }

        func run() throws {
            var failed = 0
            for file in files {
                do {
                    let preset = try lookup.library.load(file)
                    if let input { _ = try preset.plan(for: try Shape(parsingHWC: input)) } else { _ = try preset.pipeline() }
                    print("\(file): ok (\(preset.stages.count) stage\(preset.stages.count == 1 ? "" : "s"))")
                } catch let error as any ConvKitError {
                    FileHandle.standardError.write(Data("convkit: error: \(error.description)\n".utf8))
                    failed += 1
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
