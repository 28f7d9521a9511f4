import CConvKitSIMD

// The vector type and register tile of the blocked kernels, chosen at compile
// time for the target: Package.swift defines CONVKIT_AVX512 when the build
// targets a CPU with AVX-512 (32 vector registers of 16 floats).

#if CONVKIT_AVX512
/// 16 floats: one zmm register.
typealias V = SIMD16<Float>
/// Two vectors' worth, for loads split into even and odd lanes.
typealias VPair = SIMD32<Float>
/// Output channels per micro-tile: 8 x 3 accumulators = 24 of the 32 zmm registers,
/// leaving 3 for the pixel vectors and 1 for the broadcast weight.
let tileChannels = 8
#else
/// 8 floats: one ymm register (AVX2) or two NEON q registers.
typealias V = SIMD8<Float>
typealias VPair = SIMD16<Float>
/// 4 x 3 accumulators = 12 of AVX2's 16 ymm registers, plus 3 pixel vectors and a broadcast.
let tileChannels = 4
#endif

/// Floats per vector.
let lanes = V.scalarCount
/// Vectors of pixels per micro-tile (the tile is `tileChannels` x `3 * lanes`).
let tileVectors = 3
/// Pixels per micro-tile.
let tilePixels = tileVectors * lanes

@inline(__always)
func load(_ p: UnsafePointer<Float>) -> V {
    UnsafeRawPointer(p).loadUnaligned(as: V.self)
}

@inline(__always)
func activate(_ v: V, _ activation: Activation) -> V {
    switch activation {
    case .none: v
    case .relu: v.replacing(with: 0, where: v .< 0)
    case .abs: v.replacing(with: -v, where: v .< 0)
    }
}

/// Stores the first `count` of the 3 vectors' pixels at `p`.
@inline(__always)
func store(_ v0: V, _ v1: V, _ v2: V, to p: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
    if count >= 3 * lanes {
        UnsafeMutableRawPointer(p).storeBytes(of: activate(v0, activation), as: V.self)
        UnsafeMutableRawPointer(p + lanes).storeBytes(of: activate(v1, activation), as: V.self)
        UnsafeMutableRawPointer(p + 2 * lanes).storeBytes(of: activate(v2, activation), as: V.self)
    } else {
        storePartial(v0, v1, v2, to: p, count, activation)
    }
}

/// The last, short tile of a row: kept out of line so that the full-tile path above inlines.
@inline(never)
func storePartial(_ v0: V, _ v1: V, _ v2: V, to p: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
    store(v0, v1, to: p, min(count, 2 * lanes), activation)
    if count > 2 * lanes { store(v2, to: p + 2 * lanes, count - 2 * lanes, activation) }
}

/// Stores 8 whole vectors at `p`, written out so that it inlines into the row loops.
@inline(__always)
func store8(_ v0: V, _ v1: V, _ v2: V, _ v3: V, _ v4: V, _ v5: V, _ v6: V, _ v7: V,
            to p: UnsafeMutablePointer<Float>, _ activation: Activation) {
    let o = UnsafeMutableRawPointer(p), step = 4 * lanes
    o.storeBytes(of: activate(v0, activation), as: V.self)
    o.storeBytes(of: activate(v1, activation), toByteOffset: step, as: V.self)
    o.storeBytes(of: activate(v2, activation), toByteOffset: 2 * step, as: V.self)
    o.storeBytes(of: activate(v3, activation), toByteOffset: 3 * step, as: V.self)
    o.storeBytes(of: activate(v4, activation), toByteOffset: 4 * step, as: V.self)
    o.storeBytes(of: activate(v5, activation), toByteOffset: 5 * step, as: V.self)
    o.storeBytes(of: activate(v6, activation), toByteOffset: 6 * step, as: V.self)
    o.storeBytes(of: activate(v7, activation), toByteOffset: 7 * step, as: V.self)
}

@inline(__always)
func loadPair(_ p: UnsafePointer<Float>) -> VPair {
    UnsafeRawPointer(p).loadUnaligned(as: VPair.self)
}

/// Stores the first `count` of the 2 vectors' pixels at `p`.
@inline(__always)
func store(_ v0: V, _ v1: V, to p: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
    store(v0, to: p, count, activation)
    if count > lanes { store(v1, to: p + lanes, count - lanes, activation) }
}

/// Stores the first `count` (at most `lanes`) pixels of `v` at `p`.
@inline(__always)
func store(_ v: V, to p: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
    if count >= lanes {
        UnsafeMutableRawPointer(p).storeBytes(of: activate(v, activation), as: V.self)
    } else {
        storePartial(v, to: p, count, activation)
    }
}

@inline(never)
func storePartial(_ v: V, to p: UnsafeMutablePointer<Float>, _ count: Int, _ activation: Activation) {
    #if CONVKIT_AVX512
    ckit_store_first16(p, activate(v, activation), Int32(count))
    #else
    let a = activate(v, activation)
    for i in 0..<count { p[i] = a[i] }
    #endif
}

/// out[x] = bias + sum_t w[t] * b[offs[t] + x] for the `width` pixels of one output row: the
/// depthwise path's rows and the separable path's horizontal pass. The last vector reads up
/// to `lanes - 1` floats past `b[offs[t] + width - 1]`; callers leave that much slack.
@inline(__always)
func filterRow(_ b: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ offs: UnsafePointer<Int>, _ taps: Int,
               width: Int, bias: Float, _ activation: Activation, into out: UnsafeMutablePointer<Float>) {
    var x = 0
    // Eight independent accumulators cover the FMA latency (4 cycles, 2 per cycle); each tap is one
    // broadcast and eight loads. Four left every tap waiting on the previous one.
    while x + 8 * lanes <= width {
        var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0
        for t in 0..<taps {
            let wt = V(repeating: w[t]), p = b + offs[t] + x
            a0 = a0.addingProduct(wt, load(p))
            a1 = a1.addingProduct(wt, load(p + lanes))
            a2 = a2.addingProduct(wt, load(p + 2 * lanes))
            a3 = a3.addingProduct(wt, load(p + 3 * lanes))
            a4 = a4.addingProduct(wt, load(p + 4 * lanes))
            a5 = a5.addingProduct(wt, load(p + 5 * lanes))
            a6 = a6.addingProduct(wt, load(p + 6 * lanes))
            a7 = a7.addingProduct(wt, load(p + 7 * lanes))
        }
        store8(a0, a1, a2, a3, a4, a5, a6, a7, to: out + x, activation)
        x += 8 * lanes
    }
    // Four accumulators for what is left of short rows (a flattened 7x7 band is 4 vectors):
    // one alone would wait on its own FMA chain, `taps` long.
    while x + 4 * lanes <= width {
        var a0 = V(repeating: bias), a1 = a0, a2 = a0, a3 = a0
        for t in 0..<taps {
            let wt = V(repeating: w[t]), p = b + offs[t] + x
            a0 = a0.addingProduct(wt, load(p))
            a1 = a1.addingProduct(wt, load(p + lanes))
            a2 = a2.addingProduct(wt, load(p + 2 * lanes))
            a3 = a3.addingProduct(wt, load(p + 3 * lanes))
        }
        let o = UnsafeMutableRawPointer(out + x)
        o.storeBytes(of: activate(a0, activation), as: V.self)
        o.storeBytes(of: activate(a1, activation), toByteOffset: 4 * lanes, as: V.self)
        o.storeBytes(of: activate(a2, activation), toByteOffset: 8 * lanes, as: V.self)
        o.storeBytes(of: activate(a3, activation), toByteOffset: 12 * lanes, as: V.self)
        x += 4 * lanes
    }
    while x < width {
        var a = V(repeating: bias)
        for t in 0..<taps { a = a.addingProduct(V(repeating: w[t]), load(b + offs[t] + x)) }
        store(a, to: out + x, width - x, activation)
        x += lanes
    }
}

/// Copies `n` floats, a vector at a time: short rows (7 to 56 floats) cost a memmove call each otherwise.
@inline(__always)
func copyFloats(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + lanes <= n {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: load(src + i), as: V.self)
        i += lanes
    }
    while i < n {
        dst[i] = src[i]
        i += 1
    }
}
