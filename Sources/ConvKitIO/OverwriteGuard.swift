import ConvKit
import Foundation

/// Refuses to write an output over one of the inputs unless told to.
public enum OverwriteGuard {
    /// Throws when `output` is the same file as any of `inputs` (same device
    /// and inode, so links and `./a.png` vs `a.png` are caught) and
    /// `overwrite` is false.
    public static func check(output: String, inputs: [String], overwrite: Bool) throws(CodecError) {
        guard !overwrite, let out = identity(output) else { return }
        for input in inputs where identity(input) == out {
            throw CodecError(path: output, "is also an input; writing it would destroy the input",
                             hint: "choose another output name or pass --overwrite")
        }
    }

    private static func identity(_ path: String) -> [UInt64]? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return [UInt64(st.st_dev), UInt64(st.st_ino)]
    }
}
