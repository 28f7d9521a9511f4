import ArgumentParser
import ConvKit
import ConvKitIO
import Foundation

@main
struct ConvKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convkit",
        abstract: "See what kernel size, stride, padding and dilation do to an image, and what they cost.",
        version: convkitVersion,
        subcommands: [Apply.self, ShapeCommand.self, Compare.self, DemoCommand.self, Info.self, Bench.self, Filters.self, Batch.self]
    )

    static func main() {
        // Past a file-size limit (ulimit -f) write(2) then fails with EFBIG, which
        // becomes a clean error with no partial file, instead of killing convkit.
        signal(SIGXFSZ, SIG_IGN)
        retainLargeAllocations()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

/// Runs `body`, printing a ConvKit error as `convkit: error: ...` and exiting 1.
/// Errors that name no file are attributed to `subject` (the input being processed).
func reportingErrors(subject: String? = nil, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch var error as GeometryError where error.subject == nil && subject != nil {
        error.subject = subject
        FileHandle.standardError.write(Data("convkit: error: \(error.description)\n".utf8))
        throw ExitCode(1)
    } catch let error as any ConvKitError {
        FileHandle.standardError.write(Data("convkit: error: \(error.description)\n".utf8))
        throw ExitCode(1)
    }
}

func warn(_ message: String) {
    FileHandle.standardError.write(Data("convkit: warning: \(message)\n".utf8))
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
