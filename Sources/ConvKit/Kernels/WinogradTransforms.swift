// The input and output transforms of Winograd F(4x4, 3x3), `lanes` tiles at a
// time (tile t of a row in lane t mod `lanes`). Each stage is a function of
// its own (`@inline(never)`): a call does thousands of operations, and the
// separate symbols keep profiles readable.

// Lane shuffles spelled as element lists: LLVM folds each into one or two
// two-source permutes (vpermt2ps), where SIMD's evenHalf/oddHalf on wider
// vectors go through the stack.
#if CONVKIT_AVX512
/// The even lanes of a then of b.
@inline(__always)
func evens(_ a: V, _ b: V) -> V {
    V(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14])
}

/// The odd lanes of a then of b.
@inline(__always)
func odds(_ a: V, _ b: V) -> V {
    V(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15])
}

/// a moved down one lane, b's first lane last.
@inline(__always)
func shifted(_ a: V, _ b: V) -> V {
    V(a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], b[0])
}

/// The first halves of a and b, interleaved.
@inline(__always)
func zipLow(_ a: V, _ b: V) -> V {
    V(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}

/// The second halves of a and b, interleaved.
@inline(__always)
func zipHigh(_ a: V, _ b: V) -> V {
    V(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
}
#else
/// The even lanes of a then of b.
@inline(__always)
func evens(_ a: V, _ b: V) -> V {
    V(a[0], a[2], a[4], a[6], b[0], b[2], b[4], b[6])
}

/// The odd lanes of a then of b.
@inline(__always)
func odds(_ a: V, _ b: V) -> V {
    V(a[1], a[3], a[5], a[7], b[1], b[3], b[5], b[7])
}

/// a moved down one lane, b's first lane last.
@inline(__always)
func shifted(_ a: V, _ b: V) -> V {
    V(a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0])
}

/// The first halves of a and b, interleaved.
@inline(__always)
func zipLow(_ a: V, _ b: V) -> V {
    V(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3])
}

/// The second halves of a and b, interleaved.
@inline(__always)
func zipHigh(_ a: V, _ b: V) -> V {
    V(a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
}
#endif

@inline(__always)
func put(_ v: V, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self)
}

/// Bᵀ x for the six values of one tile line, with
/// Bᵀ = [[1,-3/2,-2,3/2,1,0],[0,-1,1/2,5/2,1,0],[0,1,-5/2,1/2,1,0],
///       [0,-2,-1,2,1,0],[0,1/2,-1,-1/2,1,0],[0,1,-3/2,-2,3/2,1]].
@inline(__always)
private func inputLine(_ d0: V, _ d1: V, _ d2: V, _ d3: V, _ d4: V, _ d5: V) -> (V, V, V, V, V, V) {
    let half = V(repeating: 0.5), threeHalves = V(repeating: 1.5), two = V(repeating: 2), fiveHalves = V(repeating: 2.5)
    let a = d3 - d1, b = d4 - d2
    return ((d0 + d4).addingProduct(-two, d2).addingProduct(threeHalves, a),
            (d4 - d1).addingProduct(half, d2).addingProduct(fiveHalves, d3),
            (d4 + d1).addingProduct(-fiveHalves, d2).addingProduct(half, d3),
            b.addingProduct(two, a),
            b.addingProduct(-half, a),
            (d1 + d5).addingProduct(-two, d3).addingProduct(threeHalves, b))
}

extension Winograd {
    /// The four column phases of `lanes` tiles: columns 4t, 4t+1, 4t+2, 4t+3
    /// of tiles t = 0 ..< `lanes` from the 4 x `lanes` floats at `p`.
    @inline(__always)
    static func phases(_ p: UnsafePointer<Float>) -> (V, V, V, V) {
        let v0 = load(p), v1 = load(p + lanes), v2 = load(p + 2 * lanes), v3 = load(p + 3 * lanes)
        let e0 = evens(v0, v1), o0 = odds(v0, v1), e1 = evens(v2, v3), o1 = odds(v2, v3)
        return (evens(e0, e1), evens(o0, o1), odds(e0, e1), odds(o0, o1))
    }

    /// The horizontal half of the input transform for one padded row: `h[j][t]`
    /// = (d B)[j] of tile t, whose columns are 4t ... 4t+5 of `row`. Columns
    /// 4t+4 and 4t+5 are phases 0 and 1 of the next tile, so each group of
    /// `lanes` tiles carries its phases over to the previous one. `row` must
    /// hold 4 x (`tileStride` + `lanes`) floats.
    @inline(never)
    static func transformRow(_ row: UnsafePointer<Float>, tileStride: Int, into h: UnsafeMutablePointer<Float>) {
        var d = phases(row)
        var q = 0
        while q < tileStride {
            let next = phases(row + 4 * (q + lanes))
            let x = inputLine(d.0, d.1, d.2, d.3, shifted(d.0, next.0), shifted(d.1, next.1))
            let dst = h + q
            put(x.0, dst)
            put(x.1, dst + tileStride)
            put(x.2, dst + 2 * tileStride)
            put(x.3, dst + 3 * tileStride)
            put(x.4, dst + 4 * tileStride)
            put(x.5, dst + 5 * tileStride)
            d = next
            q += lanes
        }
    }

    /// The vertical half for one tile row: `h` points at the first of its six
    /// horizontally transformed rows (each 6 x `tileStride`); position i*6+j
    /// of the result goes to `v + (i*6+j) * step`.
    @inline(never)
    static func transformColumns(_ h: UnsafePointer<Float>, tileStride: Int, into v: UnsafeMutablePointer<Float>, step: Int) {
        let rowStride = 6 * tileStride
        for j in 0..<6 {
            var q = 0
            while q < tileStride {
                let p = h + j * tileStride + q
                let x = inputLine(load(p), load(p + rowStride), load(p + 2 * rowStride), load(p + 3 * rowStride),
                                  load(p + 4 * rowStride), load(p + 5 * rowStride))
                let dst = v + j * step + q
                put(x.0, dst)
                put(x.1, dst + 6 * step)
                put(x.2, dst + 12 * step)
                put(x.3, dst + 18 * step)
                put(x.4, dst + 24 * step)
                put(x.5, dst + 30 * step)
                q += lanes
            }
        }
    }

    /// Y = Aᵀ M A (see `outputLine`) plus bias, for one output channel; `m` points at position 0 of this
    /// channel, positions `stride` apart. Writes `rows` rows of `width` columns.
    @inline(never)
    static func transformOutput(_ m: UnsafePointer<Float>, stride: Int, tileRows: Int, tileStride: Int, tilesW: Int,
                                rows: Int, width: Int, bias: Float, _ activation: Activation,
                                into out: UnsafeMutablePointer<Float>) {
        let b = V(repeating: bias)
        for r in 0..<tileRows {
            var q = 0
            while q < tilesW {
                let p = m + r * tileStride + q
                let z0 = outputColumn(p, stride), z1 = outputColumn(p + stride, stride), z2 = outputColumn(p + 2 * stride, stride)
                let z3 = outputColumn(p + 3 * stride, stride), z4 = outputColumn(p + 4 * stride, stride)
                let z5 = outputColumn(p + 5 * stride, stride)
                let top = out + 4 * r * width + 4 * q
                let tiles = min(lanes, tilesW - q)
                let full = tiles == lanes && 4 * (q + lanes) <= width
                for a in 0..<min(4, rows - 4 * r) {
                    let zs = a == 0 ? (z0.0, z1.0, z2.0, z3.0, z4.0, z5.0) : a == 1 ? (z0.1, z1.1, z2.1, z3.1, z4.1, z5.1)
                        : a == 2 ? (z0.2, z1.2, z2.2, z3.2, z4.2, z5.2) : (z0.3, z1.3, z2.3, z3.3, z4.3, z5.3)
                    let y = outputLine(zs.0, zs.1, zs.2, zs.3, zs.4, zs.5)
                    let y0 = activate(y.0 + b, activation), y1 = activate(y.1 + b, activation)
                    let y2 = activate(y.2 + b, activation), y3 = activate(y.3 + b, activation)
                    let dst = top + a * width
                    if full {
                        // Lane i of y0 ... y3 goes to columns 4i ... 4i+3.
                        let low = zipLow(y0, y2), high = zipHigh(y0, y2), low2 = zipLow(y1, y3), high2 = zipHigh(y1, y3)
                        put(zipLow(low, low2), dst)
                        put(zipHigh(low, low2), dst + lanes)
                        put(zipLow(high, high2), dst + 2 * lanes)
                        put(zipHigh(high, high2), dst + 3 * lanes)
                    } else {
                        for i in 0..<tiles {
                            let x = 4 * (q + i)
                            dst[4 * i] = y0[i]
                            if x + 1 < width { dst[4 * i + 1] = y1[i] }
                            if x + 2 < width { dst[4 * i + 2] = y2[i] }
                            if x + 3 < width { dst[4 * i + 3] = y3[i] }
                        }
                    }
                }
                q += lanes
            }
        }
    }

    /// Aᵀ applied down column j of M: `p` points at position j, rows 6 positions apart.
    @inline(__always)
    private static func outputColumn(_ p: UnsafePointer<Float>, _ stride: Int) -> (V, V, V, V) {
        outputLine(load(p), load(p + 6 * stride), load(p + 12 * stride), load(p + 18 * stride),
                   load(p + 24 * stride), load(p + 30 * stride))
    }
}

/// Aᵀ x for the six values of one line of M, with
/// Aᵀ = [[1,1,1,1,1,0],[0,1,-1,1/2,-2,0],[0,1,1,1/4,4,0],[0,1,-1,1/8,-8,1]].
@inline(__always)
private func outputLine(_ m0: V, _ m1: V, _ m2: V, _ m3: V, _ m4: V, _ m5: V) -> (V, V, V, V) {
    let s = m1 + m2, d = m1 - m2
    return (m0 + s + (m3 + m4),
            d.addingProduct(V(repeating: 0.5), m3).addingProduct(V(repeating: -2), m4),
            s.addingProduct(V(repeating: 0.25), m3).addingProduct(V(repeating: 4), m4),
            d.addingProduct(V(repeating: 0.125), m3).addingProduct(V(repeating: -8), m4) + m5)
}
