/// One implementation in the chooser's list: whether it can run a plan, how
/// it prepares the weights, and what it should cost (STYLE habit 11, as
/// oneDNN's list of implementations and FFTW's solvers).
///
/// Adding a path: a `KernelPath` case, one entry in ``all`` (its kernel enum's
/// `applies`, how it prepares weights, a cost in ``CostModel`` fitted with
/// `bench --paths all`), a `ConvPlan.Prepared` case if it packs weights of
/// its own, and one line in `ConvPlan.run`.
struct PathEntry: Sendable {
    let path: KernelPath
    /// Whether the path computes this plan (its geometry; for separable, the weights' rank too).
    let applies: @Sendable (ConvPlan) -> Bool
    /// The weights as the path wants them, made once per convolution (see ``PreparedCache``).
    let prepare: @Sendable (ConvPlan) -> ConvPlan.Prepared
    /// Estimated milliseconds on `threads` threads (``CostModel``); nil: run only when forced.
    let cost: @Sendable (ConvGeometry, _ threads: Int) -> Double?

    /// Every path, in the order `bench --paths all` lists them; on equal cost the first wins.
    static let all: [PathEntry] = [
        PathEntry(path: .separable,
                  applies: { Separable.factor($0) != nil },
                  prepare: { plan in Separable.factor(plan).map { .separable($0) } ?? .none },
                  cost: CostModel.separable),
        PathEntry(path: .winograd, applies: { Winograd.applies($0.geometry) },
                  prepare: { .winograd(Winograd.Packed($0)) }, cost: CostModel.winograd),
        PathEntry(path: .pointwise, applies: { Blocked.isPointwise($0.geometry) },
                  prepare: { .blocked(Blocked.Packed($0)) }, cost: CostModel.pointwise),
        PathEntry(path: .depthwisePlanes, applies: { DepthwisePlanes.applies($0.geometry) },
                  prepare: { _ in .none }, cost: CostModel.depthwisePlanes),
        PathEntry(path: .gemm, applies: { Gemm.applies($0.geometry) },
                  prepare: { .blocked(Blocked.Packed($0)) }, cost: CostModel.gemm),
        PathEntry(path: .depthwise,
                  applies: { Depthwise.applies($0.geometry) && $0.geometry.inChannelsPerGroup == 1 },
                  prepare: { _ in .none }, cost: CostModel.depthwise),
        PathEntry(path: .narrow,
                  applies: { Depthwise.applies($0.geometry) && $0.geometry.inChannelsPerGroup > 1 },
                  prepare: { _ in .none }, cost: CostModel.depthwise),
        blocked,
        PathEntry(path: .direct, applies: { _ in true }, prepare: { _ in .none }, cost: { _, _ in nil }),
    ]

    static func entry(_ path: KernelPath) -> PathEntry? { all.first { $0.path == path } }

    /// The entries that can run `plan`, in list order.
    static func applicable(_ plan: ConvPlan) -> [PathEntry] { all.filter { $0.applies(plan) } }

    /// The applicable entry of least estimated cost on every core; blocked (which runs any
    /// geometry) when none has a cost.
    static func cheapest(_ plan: ConvPlan, threads: Int = defaultThreadCount) -> PathEntry {
        var best = blocked, bestCost = Double.infinity
        for e in all {
            guard let c = e.cost(plan.geometry, threads), c < bestCost, e.applies(plan) else { continue }
            (best, bestCost) = (e, c)
        }
        return best
    }

    private static let blocked = PathEntry(path: .blocked, applies: { _ in true },
                                           prepare: { .blocked(Blocked.Packed($0)) }, cost: CostModel.blocked)
}
