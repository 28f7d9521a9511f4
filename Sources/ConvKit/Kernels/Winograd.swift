/// Winograd F(2x2, 3x3): 3x3 stride-1 convolutions with 16 multiplies per
/// 2x2 outputs and input channel instead of 36 (2.25x less arithmetic).
///
/// With T = 4x4 input tiles overlapping by 2, the output tile is
/// `Y = Aᵀ [ sum_ci (G g Gᵀ) ⊙ (Bᵀ d B) ] A`, so the sum over input channels
/// becomes 16 independent matrix products (Cout x Cin) x (Cin x tiles), run by
/// the same register-tiled micro-kernel as the blocked path. Schedule: tile rows
/// in bands sized for L2; per band, the padded input (even/odd column phases,
/// so that tile columns load contiguously), its transform V, the 16 products M,
/// and the output transform, which adds the bias.
///
/// Rounding: the transforms use only 0, ±1 and ±1/2, and the products sum Cin
/// terms as the direct path does; errors stay near 1e-6 relative (tested
/// against the reference at 1e-4).
enum Winograd {
    /// Channels below which the transforms cost more than the multiplies they save.
    static let minimumChannels = 16
    /// Floats of one band's transform buffers V and M (about 1 MiB, half an L2).
    static let bandFloats = 256 * 1024

    static func applies(_ g: ConvGeometry) -> Bool {
        g.kernel == Size2(square: 3) && g.stride == Size2(square: 1) && g.dilation == Size2(square: 1)
            && g.groups == 1 && g.input.channels >= minimumChannels && g.outChannels >= minimumChannels
    }

    /// Transformed weights, packed per position and block for the micro-kernel.
    struct Packed: Sendable {
        let blocks: Int
        /// [position 16][block][ci][tileChannels] of U = G g Gᵀ.
        let weights: [Float]

        init(_ plan: ConvPlan) {
            let g = plan.geometry
            let (cin, cout) = (g.input.channels, g.outChannels)
            let blocks = (cout + tileChannels - 1) / tileChannels
            var w = [Float](repeating: 0, count: 16 * blocks * cin * tileChannels)
            for co in 0..<cout {
                for ci in 0..<cin {
                    let k = (co * cin + ci) * 9
                    let u = Self.transformKernel((0..<9).map { Double(plan.weights[k + $0]) })
                    for xi in 0..<16 {
                        w[((xi * blocks + co / tileChannels) * cin + ci) * tileChannels + co % tileChannels] = Float(u[xi])
                    }
                }
            }
            self.blocks = blocks
            self.weights = w
        }

        /// G g Gᵀ with G = [[1,0,0],[½,½,½],[½,-½,½],[0,0,1]], in Float64.
        private static func transformKernel(_ g: [Double]) -> [Double] {
            let G: [[Double]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
            var t = [Double](repeating: 0, count: 12)  // G g: 4x3
            for i in 0..<4 { for j in 0..<3 { for k in 0..<3 { t[i * 3 + j] += G[i][k] * g[k * 3 + j] } } }
            var u = [Double](repeating: 0, count: 16)  // (G g) Gᵀ: 4x4
            for i in 0..<4 { for j in 0..<4 { for k in 0..<3 { u[i * 4 + j] += t[i * 3 + k] * G[j][k] } } }
            return u
        }
    }

    static func run(_ plan: ConvPlan, _ packed: Packed, strip: RowStrip, outputRows: Range<Int>,
                    into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let (cin, cout) = (g.input.channels, g.outChannels)
        let outW = g.cols.output, outH = outputRows.count, outPlane = outH * outW
        let tilesW = (outW + 1) / 2, tileStride = tilesW.roundedUp(to: lanes)
        let tileRows = (outH + 1) / 2
        let rowsPerBand = max(1, min(tileRows, bandFloats / (16 * (cin + cout) * tileStride)))
        let bands = (tileRows + rowsPerBand - 1) / rowsPerBand
        let workers = max(1, min(threads, bands))
        let span = rowsPerBand * tileStride  // tiles of one band, per channel and position
        // One phase: tile columns are split into even and odd lanes at load time.
        var layout = BandLayout(channels: cin, phases: 1, cols: g.cols, rows: g.rows, phaseLength: 2 * tileStride + 2 * lanes + 2)
        let bandSize = layout.floats(rows: 2 * rowsPerBand + 2)
        let offsets = (0..<cin).map { $0 * span }
        let zeros = [Float](repeating: 0, count: tileChannels)

        packed.weights.withUnsafeBufferPointer { wbuf in
            offsets.withUnsafeBufferPointer { obuf in
                zeros.withUnsafeBufferPointer { zbuf in
                    parallelFor(workers) { worker in
                        let band = UnsafeMutablePointer<Float>.allocate(capacity: bandSize)
                        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * cin * span)
                        let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * cout * span)
                        let trash = UnsafeMutablePointer<Float>.allocate(capacity: span + tilePixels)
                        let rowPointers = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: tileChannels)
                        defer { band.deallocate(); v.deallocate(); m.deallocate(); trash.deallocate(); rowPointers.deallocate() }
                        for b in (bands * worker / workers)..<(bands * (worker + 1) / workers) {
                            let ty0 = b * rowsPerBand, count = min(rowsPerBand, tileRows - ty0)
                            let firstRow = outputRows.lowerBound + 2 * ty0
                            let top = g.rows.inputIndex(output: firstRow, tap: 0)
                            layout.fill(band, from: strip, inputRows: top..<(top + 2 * count + 2), plan: plan)
                            transformInput(band, layout, channels: cin, tileRows: count, tileStride: tileStride, span: span, into: v)
                            let n = count * tileStride
                            for xi in 0..<16 {
                                for blk in 0..<packed.blocks {
                                    for r in 0..<tileChannels {
                                        let co = blk * tileChannels + r
                                        rowPointers[r] = co < cout ? m + (xi * cout + co) * span : trash
                                    }
                                    Blocked.tiles(taps: cin, wbuf.baseAddress! + (xi * packed.blocks + blk) * cin * tileChannels,
                                                  obuf.baseAddress!, v + xi * cin * span, rowPointers, width: n,
                                                  zbuf.baseAddress!, .none, trash: trash)
                                }
                            }
                            for co in 0..<cout {
                                let dst = out.baseAddress! + plan.destination[co] * outPlane + 2 * ty0 * outW
                                transformOutput(m + co * span, stride: cout * span, tileRows: count, tileStride: tileStride,
                                                tilesW: tilesW, rows: min(2 * count, outH - 2 * ty0), width: outW,
                                                bias: plan.bias?[co] ?? 0, plan.activation, into: dst)
                            }
                        }
                    }
                }
            }
        }
    }

    /// V[ξ][ci][tile] = (Bᵀ d B)[ξ] for every 4x4 tile d of the band, with
    /// Bᵀ = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]; `lanes` tiles at a time.
    /// Tile t's columns are 2t ... 2t+3: two loads of 2 x `lanes` floats split
    /// into even and odd lanes give all four.
    @inline(__always)
    private static func transformInput(_ band: UnsafeMutablePointer<Float>, _ layout: BandLayout, channels: Int,
                                       tileRows: Int, tileStride: Int, span: Int, into v: UnsafeMutablePointer<Float>) {
        let channelStride = layout.channelStride(rows: layout.rowsHeld)
        let step = channels * span
        @inline(__always) func columns(_ p: UnsafePointer<Float>) -> (V, V, V, V) {
            let a = loadPair(p), c = loadPair(p + 2)
            return (a.evenHalf, a.oddHalf, c.evenHalf, c.oddHalf)
        }
        for ci in 0..<channels {
            for r in 0..<tileRows {
                let base = band + ci * channelStride + 2 * r * layout.rowStride
                var q = 0
                while q < tileStride {
                    let p = UnsafePointer(base + 2 * q)
                    let d0 = columns(p), d1 = columns(p + layout.rowStride)
                    let d2 = columns(p + 2 * layout.rowStride), d3 = columns(p + 3 * layout.rowStride)
                    let dst = v + ci * span + r * tileStride + q
                    @inline(__always) func put(_ xi: Int, _ x: (V, V, V, V)) {
                        // One row of X = Bᵀ d times B: positions xi ... xi+3.
                        UnsafeMutableRawPointer(dst + xi * step).storeBytes(of: x.0 - x.2, as: V.self)
                        UnsafeMutableRawPointer(dst + (xi + 1) * step).storeBytes(of: x.1 + x.2, as: V.self)
                        UnsafeMutableRawPointer(dst + (xi + 2) * step).storeBytes(of: x.2 - x.1, as: V.self)
                        UnsafeMutableRawPointer(dst + (xi + 3) * step).storeBytes(of: x.1 - x.3, as: V.self)
                    }
                    put(0, (d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3))
                    put(4, (d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3))
                    put(8, (d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3))
                    put(12, (d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3))
                    q += lanes
                }
            }
        }
    }

    /// Y = Aᵀ M A with Aᵀ = [[1,1,1,0],[0,1,-1,-1]], plus bias, for one output
    /// channel; `m` points at position 0 of this channel, positions `stride` apart.
    @inline(__always)
    private static func transformOutput(_ m: UnsafePointer<Float>, stride: Int, tileRows: Int, tileStride: Int, tilesW: Int,
                                        rows: Int, width: Int, bias: Float, _ activation: Activation,
                                        into out: UnsafeMutablePointer<Float>) {
        let b = V(repeating: bias)
        for r in 0..<tileRows {
            var q = 0
            while q < tilesW {
                let p = m + r * tileStride + q
                func at(_ xi: Int) -> V { load(p + xi * stride) }
                let z0 = (at(0) + at(4) + at(8), at(1) + at(5) + at(9), at(2) + at(6) + at(10), at(3) + at(7) + at(11))
                let z1 = (at(4) - at(8) - at(12), at(5) - at(9) - at(13), at(6) - at(10) - at(14), at(7) - at(11) - at(15))
                let y00 = activate(b + z0.0 + z0.1 + z0.2, activation), y01 = activate(b + z0.1 - z0.2 - z0.3, activation)
                let y10 = activate(b + z1.0 + z1.1 + z1.2, activation), y11 = activate(b + z1.1 - z1.2 - z1.3, activation)
                let top = out + 2 * r * width + 2 * q
                let tiles = min(lanes, tilesW - q)
                if tiles == lanes && 2 * (q + lanes) <= width {
                    var even = VPair()
                    even.evenHalf = y00
                    even.oddHalf = y01
                    UnsafeMutableRawPointer(top).storeBytes(of: even, as: VPair.self)
                    if 2 * r + 1 < rows {
                        var odd = VPair()
                        odd.evenHalf = y10
                        odd.oddHalf = y11
                        UnsafeMutableRawPointer(top + width).storeBytes(of: odd, as: VPair.self)
                    }
                } else {
                    for i in 0..<tiles {
                        let x = 2 * (q + i)
                        top[2 * i] = y00[i]
                        if x + 1 < width { top[2 * i + 1] = y01[i] }
                        if 2 * r + 1 < rows {
                            top[width + 2 * i] = y10[i]
                            if x + 1 < width { top[width + 2 * i + 1] = y11[i] }
                        }
                    }
                }
                q += lanes
            }
        }
    }
}
