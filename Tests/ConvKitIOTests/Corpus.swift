import ConvKit
import ConvKitIO
import Foundation
import Testing

/// The test corpus in Fixtures/corpus (see Fixtures/README.md), found from this file's path.
enum Corpus {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        url.deleteLastPathComponent()  // ConvKitIOTests
        url.deleteLastPathComponent()  // Tests
        url.deleteLastPathComponent()  // package root
        return url.appendingPathComponent("Fixtures/corpus").path
    }()

    static func path(_ file: String) -> String { root + "/" + file }

    /// One row of MANIFEST.tsv.
    struct Row: Sendable, CustomTestStringConvertible {
        var file: String
        var category: String
        var ok: Bool
        var width: Int?
        var height: Int?
        var channels: Int?
        var bitDepth: Int?
        var orientation: Int?
        var storedWidth: Int?
        var storedHeight: Int?
        var notes: String

        var testDescription: String { file }
        var path: String { Corpus.path(file) }
    }

    static let rows: [Row] = {
        guard let text = try? String(contentsOfFile: path("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst()
        func column(_ name: String) -> Int { header.firstIndex(of: name) ?? -1 }
        let cols = ["file", "category", "expected", "width", "height", "channels", "bit_depth", "exif_orientation",
                    "stored_width", "stored_height", "notes"].map(column)
        return lines.map { f in
            func s(_ i: Int) -> String { cols[i] >= 0 && cols[i] < f.count ? f[cols[i]] : "" }
            return Row(file: s(0), category: s(1), ok: s(2) == "ok", width: Int(s(3)), height: Int(s(4)),
                       channels: Int(s(5)), bitDepth: Int(s(6)), orientation: Int(s(7)),
                       storedWidth: Int(s(8)), storedHeight: Int(s(9)), notes: s(10))
        }
    }()

    /// A `.npy` file read as a tensor, for the reference comparisons.
    static func reference(_ name: String) throws -> Tensor {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path("refs/" + name))))
        return try NPY.decode(bytes, path: name)
    }
}

/// A fresh empty directory under the system temporary directory.
func temporaryDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("convkit-io-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Names in `dir`, sorted.
func listing(_ dir: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
}
