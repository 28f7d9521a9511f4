import ArgumentParser
import ConvKitReport
import Foundation

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Show what stride, padding and kernel size do, on a photo built into convkit.",
        discussion: """
            Writes DIR/demo-grid.png (kernel 1/3/5 x stride 1/2 x padding valid/same, every output at \
            its native size), DIR/demo-report.html and DIR/demo-ladder.png (+ .html: the density ladder, \
            every lever from a 3x3 stride-2 box), and prints the shapes, with the seed's Keras \
            numbers for a 28x28x1 input and 32 filters 3x3. The photo is scikit-image's coffee.png \
            (CC0, Rachel Michetti), 150x100.
            """
    )

    @Option(name: .shortAndLong, help: "The directory to write into (created if missing).")
    var output: String = "demo-out"

    @Option(help: "Worker threads (default: one per core).")
    var threads: Int?

    func run() throws {
        try reportingErrors {
            let result = try Demo.run(outputDirectory: output, threads: threads)
            print(result.table)
            print("\ngrid:   \(result.grid)\nreport: \(result.report)\nladder: \(result.ladder)")
        }
    }
}
