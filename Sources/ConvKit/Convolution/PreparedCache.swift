import Synchronization

/// Prepared weights (packed, transformed, factored) shared by every plan of
/// one convolution: the strips of a streamed run, the images of a batch, the
/// cells of a comparison and the stages of repeated runs prepare once.
///
/// Keyed by what preparing reads: the convolution's filters, bias and flip
/// (not its stride, padding, dilation or activation, so compare cells that
/// sweep those share one preparation), the input's channel count and the
/// path; the image's size does not matter. Entries hold their
/// convolution, so a key whose weights share storage with a cached one
/// compares in constant time (`Array ==` checks identity first). The least
/// recently used entries go once the cache holds more than `budgetFloats`.
final class PreparedCache: Sendable {
    static let shared = PreparedCache()

    /// 64 Mi floats (256 MiB): Winograd weights of a few 512-channel layers.
    static let budgetFloats = 64 << 20

    private struct Entry {
        let convolution: Convolution
        let channels: Int
        let path: KernelPath
        let prepared: ConvPlan.Prepared
    }

    /// Most recently used last.
    private let entries = Mutex<[Entry]>([])

    /// The prepared weights of (`conv`, `channels`, `path`), made by `make` on a miss.
    func prepared(_ conv: Convolution, channels: Int, path: KernelPath,
                  make: () -> ConvPlan.Prepared) -> ConvPlan.Prepared {
        let conv = Self.key(conv)
        let hit: ConvPlan.Prepared? = entries.withLock { list in
            guard let i = list.lastIndex(where: { $0.path == path && $0.channels == channels && $0.convolution == conv })
            else { return nil }
            let e = list.remove(at: i)
            list.append(e)
            return e.prepared
        }
        if let hit { return hit }
        // Prepared outside the lock: two threads missing at once both prepare, and both results are right.
        let made = make()
        if case .none = made { return made }
        PlanCounter.current?.countPreparation()
        entries.withLock { list in
            list.append(Entry(convolution: conv, channels: channels, path: path, prepared: made))
            var total = list.reduce(0) { $0 + $1.prepared.floats }
            while total > Self.budgetFloats, list.count > 1 {
                total -= list.removeFirst().prepared.floats
            }
        }
        return made
    }

    /// `conv` with the settings that preparing ignores set to their defaults.
    static func key(_ conv: Convolution) -> Convolution {
        var key = Convolution(filters: conv.filters)
        key.bias = conv.bias
        key.flip = conv.flip
        return key
    }

    /// Forgets every entry.
    func removeAll() { entries.withLock { $0.removeAll() } }
}

/// Counts plans made and weights prepared while it is ``current``, so tests
/// can check that a run prepares each stage once.
///
///     let counter = PlanCounter()
///     try PlanCounter.$current.withValue(counter) { try plan.run(...) }
///     #expect(counter.plans == 2)
final class PlanCounter: Sendable {
    @TaskLocal static var current: PlanCounter?

    private let counts = Mutex<(plans: Int, preparations: Int)>((0, 0))

    init() {}

    /// ConvPlans made.
    var plans: Int { counts.withLock { $0.plans } }
    /// Weights prepared (cache misses that did work).
    var preparations: Int { counts.withLock { $0.preparations } }

    func countPlan() { counts.withLock { $0.plans += 1 } }
    func countPreparation() { counts.withLock { $0.preparations += 1 } }
}
