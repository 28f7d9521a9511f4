import ConvKit
import Foundation

/// The memory a whole-image `apply` holds at its peak, predicted from the
/// header and the plan: the file's bytes and the decoder's samples next to
/// the Float32 input; the input with the largest stage's input and output;
/// or the input with the result, its mapped copy and its 8/16-bit samples.
public struct ApplyMemory: Sendable {
    public var wholeImageBytes: Int

    public init(input: Shape, stages: [StageReport], fileBytes: Int, sampleBytes: Int) {
        func bytes(_ s: Shape) -> Double { Double(s.channels) * Double(s.height) * Double(s.width) * 4 }
        let output = stages.last?.geometry.output ?? input
        let inputBytes = bytes(input)
        let decode = Double(fileBytes) + inputBytes / 4 * Double(sampleBytes)
        let largest = stages.map { bytes($0.geometry.input) + bytes($0.geometry.output) }.max() ?? 0
        let write = 2 * bytes(output) + bytes(output) / 4 * 2
        let total = inputBytes + max(decode, largest, write)
        wholeImageBytes = total >= Double(Int.max) ? Int.max : Int(total)
    }

    /// A quarter of the machine's physical memory: the default `--memory-limit`.
    public static var defaultLimit: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return 1 << 30 }
        return pages * size / 4
    }

    /// The process's resident memory now, in bytes (/proc/self/statm; 0 where unavailable).
    public static var currentResidentBytes: Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }

    /// The process's peak resident memory so far, in bytes (getrusage).
    public static var peakResidentBytes: Int {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        return usage.ru_maxrss * 1024
    }
}

/// The size of a file in bytes, 0 when it cannot be read.
public enum FileSize {
    public static func of(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }
}
