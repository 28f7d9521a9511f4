// The 36 matrix products of Winograd F(4x4, 3x3): M[ξ] = U[ξ] V[ξ], Cout x Cin
// times Cin x tiles. The register tiles are the blocked path's (`tileChannels`
// x 3 vectors), written out here without bias, activation or partial stores:
// a band's tiles always fill whole vectors and M has rows for whole blocks.

extension Winograd {
    /// M[ξ] = U[ξ] V[ξ] for the 36 positions over `width` tiles (a multiple of
    /// `lanes`), in place: row c of position ξ starts at `vm + ξ * step + c * rowStride`,
    /// V (input channels) `lag` floats into it, M (output channels, up to a
    /// whole block: rows past Cout hold products of zero weights) at its start.
    /// Per position, a panel of tiles (Cin x 2 or 3 vectors) is read from L2
    /// once and from L1 by every block of output channels, whose products go
    /// `lag` floats back, over panels no block needs any more. In place, V and
    /// M take half the L2 that two buffers would, with no copy.
    @inline(never)
    static func products(_ w: UnsafePointer<Float>, wStep: Int, blocks: Int, cin: Int, vm: UnsafeMutablePointer<Float>,
                         step: Int, rowStride: Int, width: Int) {
        // Vectors of tiles: threes, then twos; a single vector only when the band
        // has one, as its micro-kernel waits on loads (9 per 8 FMAs).
        let vectors = width / lanes
        let threes = vectors == 1 ? 0 : vectors % 3 == 1 ? (vectors - 4) / 3 : vectors / 3
        let twos = vectors == 1 ? 0 : (vectors - 3 * threes) / 2
        let blockStride = cin * tileChannels, blockRows = tileChannels * rowStride
        for xi in 0..<36 {
            let a = w + xi * wStep, m = vm + xi * step, b = UnsafePointer(m + lag)
            var x = 0
            for _ in 0..<threes {
                for blk in 0..<blocks { product3(cin, a + blk * blockStride, b + x, rowStride, m + blk * blockRows + x, rowStride) }
                x += 3 * lanes
            }
            for _ in 0..<twos {
                for blk in 0..<blocks { product2(cin, a + blk * blockStride, b + x, rowStride, m + blk * blockRows + x, rowStride) }
                x += 2 * lanes
            }
            if x < width {
                for blk in 0..<blocks { product1(cin, a + blk * blockStride, b + x, rowStride, m + blk * blockRows + x, rowStride) }
            }
        }
    }

    /// Floats between a row's M and its V: the widest panel, so that a panel's
    /// products land only on panels already read.
    static let lag = tilePixels

#if CONVKIT_AVX512
    @inline(__always)
    static func product3(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bStride: Int,
                               _ c: UnsafeMutablePointer<Float>, _ cStride: Int) {
        var c0_0 = V(), c0_1 = V(), c0_2 = V()
        var c1_0 = V(), c1_1 = V(), c1_2 = V()
        var c2_0 = V(), c2_1 = V(), c2_2 = V()
        var c3_0 = V(), c3_1 = V(), c3_2 = V()
        var c4_0 = V(), c4_1 = V(), c4_2 = V()
        var c5_0 = V(), c5_1 = V(), c5_2 = V()
        var c6_0 = V(), c6_1 = V(), c6_2 = V()
        var c7_0 = V(), c7_1 = V(), c7_2 = V()
        var p = b, w = a
        for _ in 0..<k {
            let b0 = load(p), b1 = load(p + 1 * lanes), b2 = load(p + 2 * lanes)
            let s0 = V(repeating: w[0])
            c0_0 = c0_0.addingProduct(s0, b0); c0_1 = c0_1.addingProduct(s0, b1); c0_2 = c0_2.addingProduct(s0, b2)
            let s1 = V(repeating: w[1])
            c1_0 = c1_0.addingProduct(s1, b0); c1_1 = c1_1.addingProduct(s1, b1); c1_2 = c1_2.addingProduct(s1, b2)
            let s2 = V(repeating: w[2])
            c2_0 = c2_0.addingProduct(s2, b0); c2_1 = c2_1.addingProduct(s2, b1); c2_2 = c2_2.addingProduct(s2, b2)
            let s3 = V(repeating: w[3])
            c3_0 = c3_0.addingProduct(s3, b0); c3_1 = c3_1.addingProduct(s3, b1); c3_2 = c3_2.addingProduct(s3, b2)
            let s4 = V(repeating: w[4])
            c4_0 = c4_0.addingProduct(s4, b0); c4_1 = c4_1.addingProduct(s4, b1); c4_2 = c4_2.addingProduct(s4, b2)
            let s5 = V(repeating: w[5])
            c5_0 = c5_0.addingProduct(s5, b0); c5_1 = c5_1.addingProduct(s5, b1); c5_2 = c5_2.addingProduct(s5, b2)
            let s6 = V(repeating: w[6])
            c6_0 = c6_0.addingProduct(s6, b0); c6_1 = c6_1.addingProduct(s6, b1); c6_2 = c6_2.addingProduct(s6, b2)
            let s7 = V(repeating: w[7])
            c7_0 = c7_0.addingProduct(s7, b0); c7_1 = c7_1.addingProduct(s7, b1); c7_2 = c7_2.addingProduct(s7, b2)
            p += bStride
            w += 8
        }
        put(c0_0, c + 0 * cStride); put(c0_1, c + 0 * cStride + 1 * lanes); put(c0_2, c + 0 * cStride + 2 * lanes)
        put(c1_0, c + 1 * cStride); put(c1_1, c + 1 * cStride + 1 * lanes); put(c1_2, c + 1 * cStride + 2 * lanes)
        put(c2_0, c + 2 * cStride); put(c2_1, c + 2 * cStride + 1 * lanes); put(c2_2, c + 2 * cStride + 2 * lanes)
        put(c3_0, c + 3 * cStride); put(c3_1, c + 3 * cStride + 1 * lanes); put(c3_2, c + 3 * cStride + 2 * lanes)
        put(c4_0, c + 4 * cStride); put(c4_1, c + 4 * cStride + 1 * lanes); put(c4_2, c + 4 * cStride + 2 * lanes)
        put(c5_0, c + 5 * cStride); put(c5_1, c + 5 * cStride + 1 * lanes); put(c5_2, c + 5 * cStride + 2 * lanes)
        put(c6_0, c + 6 * cStride); put(c6_1, c + 6 * cStride + 1 * lanes); put(c6_2, c + 6 * cStride + 2 * lanes)
        put(c7_0, c + 7 * cStride); put(c7_1, c + 7 * cStride + 1 * lanes); put(c7_2, c + 7 * cStride + 2 * lanes)
    }

    @inline(__always)
    static func product2(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bStride: Int,
                               _ c: UnsafeMutablePointer<Float>, _ cStride: Int) {
        var c0_0 = V(), c0_1 = V()
        var c1_0 = V(), c1_1 = V()
        var c2_0 = V(), c2_1 = V()
        var c3_0 = V(), c3_1 = V()
        var c4_0 = V(), c4_1 = V()
        var c5_0 = V(), c5_1 = V()
        var c6_0 = V(), c6_1 = V()
        var c7_0 = V(), c7_1 = V()
        var p = b, w = a
        for _ in 0..<k {
            let b0 = load(p), b1 = load(p + 1 * lanes)
            let s0 = V(repeating: w[0])
            c0_0 = c0_0.addingProduct(s0, b0); c0_1 = c0_1.addingProduct(s0, b1)
            let s1 = V(repeating: w[1])
            c1_0 = c1_0.addingProduct(s1, b0); c1_1 = c1_1.addingProduct(s1, b1)
            let s2 = V(repeating: w[2])
            c2_0 = c2_0.addingProduct(s2, b0); c2_1 = c2_1.addingProduct(s2, b1)
            let s3 = V(repeating: w[3])
            c3_0 = c3_0.addingProduct(s3, b0); c3_1 = c3_1.addingProduct(s3, b1)
            let s4 = V(repeating: w[4])
            c4_0 = c4_0.addingProduct(s4, b0); c4_1 = c4_1.addingProduct(s4, b1)
            let s5 = V(repeating: w[5])
            c5_0 = c5_0.addingProduct(s5, b0); c5_1 = c5_1.addingProduct(s5, b1)
            let s6 = V(repeating: w[6])
            c6_0 = c6_0.addingProduct(s6, b0); c6_1 = c6_1.addingProduct(s6, b1)
            let s7 = V(repeating: w[7])
            c7_0 = c7_0.addingProduct(s7, b0); c7_1 = c7_1.addingProduct(s7, b1)
            p += bStride
            w += 8
        }
        put(c0_0, c + 0 * cStride); put(c0_1, c + 0 * cStride + 1 * lanes)
        put(c1_0, c + 1 * cStride); put(c1_1, c + 1 * cStride + 1 * lanes)
        put(c2_0, c + 2 * cStride); put(c2_1, c + 2 * cStride + 1 * lanes)
        put(c3_0, c + 3 * cStride); put(c3_1, c + 3 * cStride + 1 * lanes)
        put(c4_0, c + 4 * cStride); put(c4_1, c + 4 * cStride + 1 * lanes)
        put(c5_0, c + 5 * cStride); put(c5_1, c + 5 * cStride + 1 * lanes)
        put(c6_0, c + 6 * cStride); put(c6_1, c + 6 * cStride + 1 * lanes)
        put(c7_0, c + 7 * cStride); put(c7_1, c + 7 * cStride + 1 * lanes)
    }

    @inline(__always)
    static func product1(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bStride: Int,
                               _ c: UnsafeMutablePointer<Float>, _ cStride: Int) {
        var c0_0 = V()
        var c1_0 = V()
        var c2_0 = V()
        var c3_0 = V()
        var c4_0 = V()
        var c5_0 = V()
        var c6_0 = V()
        var c7_0 = V()
        var p = b, w = a
        for _ in 0..<k {
            let b0 = load(p)
            let s0 = V(repeating: w[0])
            c0_0 = c0_0.addingProduct(s0, b0)
            let s1 = V(repeating: w[1])
            c1_0 = c1_0.addingProduct(s1, b0)
            let s2 = V(repeating: w[2])
            c2_0 = c2_0.addingProduct(s2, b0)
            let s3 = V(repeating: w[3])
            c3_0 = c3_0.addingProduct(s3, b0)
            let s4 = V(repeating: w[4])
            c4_0 = c4_0.addingProduct(s4, b0)
            let s5 = V(repeating: w[5])
            c5_0 = c5_0.addingProduct(s5, b0)
            let s6 = V(repeating: w[6])
            c6_0 = c6_0.addingProduct(s6, b0)
            let s7 = V(repeating: w[7])
            c7_0 = c7_0.addingProduct(s7, b0)
            p += bStride
            w += 8
        }
        put(c0_0, c + 0 * cStride)
        put(c1_0, c + 1 * cStride)
        put(c2_0, c + 2 * cStride)
        put(c3_0, c + 3 * cStride)
        put(c4_0, c + 4 * cStride)
        put(c5_0, c + 5 * cStride)
        put(c6_0, c + 6 * cStride)
        put(c7_0, c + 7 * cStride)
    }
#else
    @inline(__always)
    static func product3(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bStride: Int,
                               _ c: UnsafeMutablePointer<Float>, _ cStride: Int) {
        var c0_0 = V(), c0_1 = V(), c0_2 = V()
        var c1_0 = V(), c1_1 = V(), c1_2 = V()
        var c2_0 = V(), c2_1 = V(), c2_2 = V()
        var c3_0 = V(), c3_1 = V(), c3_2 = V()
        var p = b, w = a
        for _ in 0..<k {
            let b0 = load(p), b1 = load(p + 1 * lanes), b2 = load(p + 2 * lanes)
            let s0 = V(repeating: w[0])
            c0_0 = c0_0.addingProduct(s0, b0); c0_1 = c0_1.addingProduct(s0, b1); c0_2 = c0_2.addingProduct(s0, b2)
            let s1 = V(repeating: w[1])
            c1_0 = c1_0.addingProduct(s1, b0); c1_1 = c1_1.addingProduct(s1, b1); c1_2 = c1_2.addingProduct(s1, b2)
            let s2 = V(repeating: w[2])
            c2_0 = c2_0.addingProduct(s2, b0); c2_1 = c2_1.addingProduct(s2, b1); c2_2 = c2_2.addingProduct(s2, b2)
            let s3 = V(repeating: w[3])
            c3_0 = c3_0.addingProduct(s3, b0); c3_1 = c3_1.addingProduct(s3, b1); c3_2 = c3_2.addingProduct(s3, b2)
            p += bStride
            w += 4
        }
        put(c0_0, c + 0 * cStride); put(c0_1, c + 0 * cStride + 1 * lanes); put(c0_2, c + 0 * cStride + 2 * lanes)
        put(c1_0, c + 1 * cStride); put(c1_1, c + 1 * cStride + 1 * lanes); put(c1_2, c + 1 * cStride + 2 * lanes)
        put(c2_0, c + 2 * cStride); put(c2_1, c + 2 * cStride + 1 * lanes); put(c2_2, c + 2 * cStride + 2 * lanes)
        put(c3_0, c + 3 * cStride); put(c3_1, c + 3 * cStride + 1 * lanes); put(c3_2, c + 3 * cStride + 2 * lanes)
    }

    @inline(__always)
    static func product2(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bStride: Int,
                               _ c: UnsafeMutablePointer<Float>, _ cStride: Int) {
        var c0_0 = V(), c0_1 = V()
        var c1_0 = V(), c1_1 = V()
        var c2_0 = V(), c2_1 = V()
        var c3_0 = V(), c3_1 = V()
        var p = b, w = a
        for _ in 0..<k {
            let b0 = load(p), b1 = load(p + 1 * lanes)
            let s0 = V(repeating: w[0])
            c0_0 = c0_0.addingProduct(s0, b0); c0_1 = c0_1.addingProduct(s0, b1)
            let s1 = V(repeating: w[1])
            c1_0 = c1_0.addingProduct(s1, b0); c1_1 = c1_1.addingProduct(s1, b1)
            let s2 = V(repeating: w[2])
            c2_0 = c2_0.addingProduct(s2, b0); c2_1 = c2_1.addingProduct(s2, b1)
            let s3 = V(repeating: w[3])
            c3_0 = c3_0.addingProduct(s3, b0); c3_1 = c3_1.addingProduct(s3, b1)
            p += bStride
            w += 4
        }
        put(c0_0, c + 0 * cStride); put(c0_1, c + 0 * cStride + 1 * lanes)
        put(c1_0, c + 1 * cStride); put(c1_1, c + 1 * cStride + 1 * lanes)
        put(c2_0, c + 2 * cStride); put(c2_1, c + 2 * cStride + 1 * lanes)
        put(c3_0, c + 3 * cStride); put(c3_1, c + 3 * cStride + 1 * lanes)
    }

    @inline(__always)
    static func product1(_ k: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ bStride: Int,
                               _ c: UnsafeMutablePointer<Float>, _ cStride: Int) {
        var c0_0 = V()
        var c1_0 = V()
        var c2_0 = V()
        var c3_0 = V()
        var p = b, w = a
        for _ in 0..<k {
            let b0 = load(p)
            let s0 = V(repeating: w[0])
            c0_0 = c0_0.addingProduct(s0, b0)
            let s1 = V(repeating: w[1])
            c1_0 = c1_0.addingProduct(s1, b0)
            let s2 = V(repeating: w[2])
            c2_0 = c2_0.addingProduct(s2, b0)
            let s3 = V(repeating: w[3])
            c3_0 = c3_0.addingProduct(s3, b0)
            p += bStride
            w += 4
        }
        put(c0_0, c + 0 * cStride)
        put(c1_0, c + 1 * cStride)
        put(c2_0, c + 2 * cStride)
        put(c3_0, c + 3 * cStride)
    }
#endif
}
