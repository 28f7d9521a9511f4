/// 1x1, stride 1, unpadded: a matrix product (Cout x Cin) x (Cin x pixels) over
/// the channel planes.
///
/// Schedule: workers take chunks of `pointwiseChunk` pixels. Per chunk and
/// group, the chunk of every input plane is packed into a panel laid out
/// [tile][channel][tilePixels]: read in place, the planes of a tile sit a
/// plane apart (a power of two on W6: 1 MiB), so they fall into the same
/// cache sets and evict each other before the next block of output channels
/// can reuse them. Packed, the panel (96 KiB on W6) stays in L2 while every
/// block of `tileChannels` output channels runs its micro-kernel along it.
/// Blocks are the outer loop so that consecutive calls continue the same
/// `tileChannels` output rows: 8 sequential write streams instead of one
/// short write to each of Cout planes per tile (W6: 18.5 -> 16.1 ms).
///
/// Tried and dropped on W6, each in an A/B run of one build: non-temporal stores
/// of the output (no faster: 16.1-16.6 ms either way) and software prefetch of the
/// next chunk's inputs (no faster at three distances and cache levels). Reading
/// the input (the packing) and writing the output cost about 2.3 and 1.5 ms of
/// W6's 15.5 (measured by leaving each out); neither is hidden behind compute.
extension Blocked {
    /// Pixels a worker packs at a time (4, 8, 16 and 32 tiles tried on W6: 8 was fastest).
    static let pointwiseChunk = 8 * tilePixels

    static func runPointwise(_ plan: ConvPlan, _ packed: Packed, strip: RowStrip,
                             into out: UnsafeMutableBufferPointer<Float>, threads: Int) {
        let g = plan.geometry
        let plane = g.input.height * g.input.width
        let cin = packed.taps, coutPerGroup = g.outChannels / g.groups
        let blocks = packed.blocksPerGroup
        let chunks = (plane + pointwiseChunk - 1) / pointwiseChunk
        guard chunks > 0, out.count > 0 else { return }
        let workers = max(1, min(threads, chunks))
        // Tap i of a packed tile is channel i's row of `tilePixels` floats.
        let offsets = (0..<cin).map { $0 * tilePixels }
        let input = strip.base.baseAddress!

        packed.weights.withUnsafeBufferPointer { wbuf in
            packed.bias.withUnsafeBufferPointer { bbuf in
                offsets.withUnsafeBufferPointer { obuf in
                    parallelFor(workers) { worker in
                        let panel = UnsafeMutablePointer<Float>.allocate(capacity: pointwiseChunk * cin)
                        let trash = UnsafeMutablePointer<Float>.allocate(capacity: tilePixels)
                        // Output plane of each (group, block, row of the tile); `trash` past a group's channels.
                        let planes = UnsafeMutablePointer<UnsafeMutablePointer<Float>>.allocate(capacity: g.groups * blocks * tileChannels)
                        defer { panel.deallocate(); trash.deallocate(); planes.deallocate() }
                        // A short tile's unused lanes are computed, never stored: zeros keep them finite and fast.
                        panel.initialize(repeating: 0, count: pointwiseChunk * cin)
                        for group in 0..<g.groups {
                            for i in 0..<(blocks * tileChannels) {
                                planes[group * blocks * tileChannels + i] = i < coutPerGroup
                                    ? out.baseAddress! + plan.destination[group * coutPerGroup + i] * plane : trash
                            }
                        }
                        for chunk in (chunks * worker / workers)..<(chunks * (worker + 1) / workers) {
                            let start = chunk * pointwiseChunk, end = min(start + pointwiseChunk, plane)
                            for group in 0..<g.groups {
                                pack(input + group * cin * plane, plane: plane, channels: cin, start..<end, into: panel)
                                for blk in 0..<blocks {
                                    let blockIndex = group * blocks + blk
                                    var x = start, tile = panel
                                    while x < end {
                                        let n = min(tilePixels, end - x)
                                        kernel((n + lanes - 1) / lanes, cin, wbuf.baseAddress! + blockIndex * cin * tileChannels, obuf.baseAddress!,
                                               tile, planes + blockIndex * tileChannels, x, n, bbuf.baseAddress! + blockIndex * tileChannels,
                                               plan.activation, trash)
                                        x += tilePixels
                                        tile += cin * tilePixels
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Copies pixels `range` of `channels` planes into `panel` as [tile][channel][tilePixels];
    /// a last, short tile leaves its unused lanes as they were.
    @inline(__always)
    private static func pack(_ planes: UnsafePointer<Float>, plane: Int, channels: Int, _ range: Range<Int>,
                             into panel: UnsafeMutablePointer<Float>) {
        for c in 0..<channels {
            let src = planes + c * plane
            var x = range.lowerBound, dst = panel + c * tilePixels
            while x + tilePixels <= range.upperBound {
                let d = UnsafeMutableRawPointer(dst)
                d.storeBytes(of: load(src + x), as: V.self)
                d.storeBytes(of: load(src + x + lanes), toByteOffset: 4 * lanes, as: V.self)
                d.storeBytes(of: load(src + x + 2 * lanes), toByteOffset: 8 * lanes, as: V.self)
                x += tilePixels
                dst += channels * tilePixels
            }
            if x < range.upperBound { dst.update(from: src + x, count: range.upperBound - x) }
        }
    }
}
