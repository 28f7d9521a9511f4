import Foundation

/// Which part of the inputs one process takes: shard `index` of `count`
/// (0-based), the inputs whose stable hash of relative path mod `count` is
/// `index`. Every input lands in exactly one shard, whatever machine or
/// process computes it.
///
///     let s = try Shard.parse("2/7")
///     s.contains(relativePath: "holiday/a.jpg")
///     let auto = try Shard.fromEnvironment(ProcessInfo.processInfo.environment)
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    /// The whole input set.
    public static let all = Shard(uncheckedIndex: 0, count: 1)

    public init(index: Int, count: Int) throws(BatchError) {
        guard count >= 1 else {
            throw BatchError("--shard: the shard count must be at least 1, got \(count)", hint: "write I/N with 0 <= I < N")
        }
        guard (0..<count).contains(index) else {
            throw BatchError("--shard: shard index \(index) is outside 0..<\(count)",
                             hint: "shards are numbered from 0: write I/N with 0 <= I < N")
        }
        self.index = index
        self.count = count
    }

    private init(uncheckedIndex: Int, count: Int) {
        self.index = uncheckedIndex
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether this shard takes the input at `relativePath`.
    public func contains(relativePath: String) -> Bool {
        count == 1 || Int(StableHash.fnv1a64(relativePath) % UInt64(count)) == index
    }

    /// `I/N`; `auto` is resolved by ``fromEnvironment(_:)``.
    public static func parse(_ text: String) throws(BatchError) -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw BatchError("--shard: cannot read '\(text)'", hint: "write I/N (0-based, e.g. 0/4) or auto")
        }
        return try Shard(index: i, count: n)
    }

    /// The shard a scheduler assigned to this process:
    ///
    /// - a Slurm job array: `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`,
    ///   `SLURM_ARRAY_TASK_MIN` (and `SLURM_ARRAY_TASK_STEP` when the array
    ///   has a step): index = (ID - MIN) / STEP, count = COUNT;
    /// - a Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` with
    ///   `CONVKIT_SHARD_COUNT` (set it to the Job's `completions`).
    ///
    /// Throws a ``BatchError`` naming the variables when neither is set or
    /// the values do not fit.
    public static func fromEnvironment(_ env: [String: String]) throws(BatchError) -> Shard {
        func int(_ name: String) throws(BatchError) -> Int? {
            guard let raw = env[name], !raw.isEmpty else { return nil }
            guard let v = Int(raw.trimmingCharacters(in: .whitespaces)) else {
                throw BatchError("--shard auto: \(name)=\(raw) is not an integer")
            }
            return v
        }
        if let id = try int("SLURM_ARRAY_TASK_ID") {
            guard let count = try int("SLURM_ARRAY_TASK_COUNT"), let min = try int("SLURM_ARRAY_TASK_MIN") else {
                throw BatchError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MIN is not",
                                 hint: "run under a Slurm job array (sbatch --array=0-N)")
            }
            let step = try int("SLURM_ARRAY_TASK_STEP") ?? 1
            guard step >= 1, (id - min) % step == 0 else {
                throw BatchError("--shard auto: Slurm array task \(id) is not on the array's grid (min \(min), step \(step))",
                                 hint: "use a contiguous array such as --array=0-\(max(count - 1, 0))")
            }
            let index = (id - min) / step
            guard (0..<max(count, 1)).contains(index) else {
                throw BatchError("--shard auto: Slurm array task \(id) (min \(min), step \(step)) is not one of \(count) tasks",
                                 hint: "use a contiguous array such as --array=0-\(max(count - 1, 0)); lists like 1,5,9 cannot be mapped to shards")
            }
            return try Shard(index: index, count: count)
        }
        if let index = try int("JOB_COMPLETION_INDEX") {
            guard let count = try int("CONVKIT_SHARD_COUNT") else {
                throw BatchError("--shard auto: JOB_COMPLETION_INDEX is set but CONVKIT_SHARD_COUNT is not",
                                 hint: "set CONVKIT_SHARD_COUNT to the Indexed Job's completions")
            }
            do {
                return try Shard(index: index, count: count)
            } catch {
                throw BatchError("--shard auto: JOB_COMPLETION_INDEX=\(index) with CONVKIT_SHARD_COUNT=\(count): \(error.message)",
                                 hint: "set CONVKIT_SHARD_COUNT to the Indexed Job's completions")
            }
        }
        throw BatchError(
            "--shard auto: no scheduler assigned a shard (neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set)",
            hint: "run under a Slurm job array or a Kubernetes Indexed Job with CONVKIT_SHARD_COUNT, or give --shard I/N")
    }
}
