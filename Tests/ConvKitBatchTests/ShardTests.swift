import ConvKitBatch
import Testing

@Suite("Shards and stable hashes")
struct ShardTests {
    @Test("FNV-1a 64 gives the published test vectors")
    func fnvVectors() {
        #expect(StableHash.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableHash.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableHash.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
        #expect(StableHash.hex(0xaf) == "00000000000000af")
    }

    @Test("Every path lands in exactly one shard", arguments: [1, 2, 3, 7])
    func partition(count: Int) throws {
        let paths = (0..<500).map { "dir\($0 % 13)/image-\($0).png" }
        let shards = try (0..<count).map { try Shard(index: $0, count: count) }
        for p in paths {
            #expect(shards.filter { $0.contains(relativePath: p) }.count == 1)
        }
        if count > 1 {
            // A stable hash spreads 500 names over every shard.
            #expect(shards.allSatisfy { s in paths.contains { s.contains(relativePath: $0) } })
        }
    }

    @Test("I/N parses; out-of-range and malformed shards are errors that say how to write one")
    func parsing() throws {
        #expect(try Shard.parse("2/7") == Shard(index: 2, count: 7))
        #expect(try Shard.parse("0/1") == .all)
        for bad in ["7/7", "-1/3", "1/0", "a/b", "3", "1/2/3", ""] {
            #expect(throws: BatchError.self, "\(bad)") { try Shard.parse(bad) }
        }
        let error = try #require(throws: BatchError.self) { try Shard.parse("3/3") }
        #expect(error.description == "--shard: shard index 3 is outside 0..<3 (shards are numbered from 0: write I/N with 0 <= I < N)")
    }

    @Test("auto reads a Slurm job array, offset by its first index and step")
    func slurm() throws {
        let env = ["SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"]
        #expect(try Shard.fromEnvironment(env) == Shard(index: 2, count: 4))
        var stepped = env
        stepped["SLURM_ARRAY_TASK_ID"] = "16"
        stepped["SLURM_ARRAY_TASK_STEP"] = "2"
        #expect(try Shard.fromEnvironment(stepped) == Shard(index: 3, count: 4))
        #expect(throws: BatchError.self) { try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "1"]) }
        // A sparse array (--array=1,5,9) has no contiguous numbering.
        let sparse = ["SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "1"]
        #expect(throws: BatchError.self) { try Shard.fromEnvironment(sparse) }
    }

    @Test("auto reads a Kubernetes Indexed Job with CONVKIT_SHARD_COUNT")
    func kubernetes() throws {
        #expect(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "5", "CONVKIT_SHARD_COUNT": "8"]) == Shard(index: 5, count: 8))
        let missing = try #require(throws: BatchError.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "5"]) }
        #expect(missing.message.contains("CONVKIT_SHARD_COUNT is not"))
        #expect(throws: BatchError.self) { try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "8", "CONVKIT_SHARD_COUNT": "8"]) }
    }

    @Test("auto with no scheduler fails and names the variables it looked for")
    func neither() throws {
        let error = try #require(throws: BatchError.self) { try Shard.fromEnvironment([:]) }
        #expect(error.message.contains("SLURM_ARRAY_TASK_ID"))
        #expect(error.message.contains("JOB_COMPLETION_INDEX"))
        #expect(error.hint?.contains("--shard I/N") == true)
    }
}
