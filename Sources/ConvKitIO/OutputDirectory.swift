import Foundation

/// The directory an output goes into: checked before any work is done, and
/// created on request (`--mkdir`), as `mkdir -p` would.
///
///     try OutputDirectory.prepare(for: "out/maps/edges.png", create: true)   // makes out/maps
public enum OutputDirectory {
    /// Throws unless the directory of `path` exists (or, with `create`, could
    /// be made with its parents, mode 0755 less the umask).
    public static func prepare(for path: String, create: Bool) throws(CodecError) {
        guard let slash = path.lastIndex(of: "/") else { return }
        let dir = String(path[..<slash])
        guard !dir.isEmpty else { return }
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue else {
                throw CodecError(path: path, "\(dir) is not a directory", hint: "choose an output path inside a directory")
            }
            return
        }
        guard create else {
            throw CodecError(path: path, "directory \(dir) does not exist", hint: "create it first, or pass --mkdir")
        }
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw CodecError(path: path, "cannot create directory \(dir): \(reason)",
                             hint: "check the permissions of its parent")
        }
    }
}
