import ConvKit
import ConvKitIO
import Foundation

/// Where a streamed run's output rows go: the files `apply` would write for
/// the whole tensor (``OutputWriter``'s layouts), each through an
/// ``ImageRowWriter``, with the same map and colormap per strip.
///
/// `clamp` and `abs` map each sample on its own and stream. `minmax` and
/// `signed` need every map's range first: the output goes to a scratch file,
/// then a second pass maps and encodes it. Mosaics are drawn by
/// ``OutputWriter`` from the whole output tensor, which is held in memory
/// only when it fits the memory limit (said in ``notes``).
final class StreamedOutput {
    /// One output file: the channels it takes and its writer.
    private struct File {
        let channels: Range<Int>
        let writer: ImageRowWriter
        /// Colormap for a single map (`gray` writes it as is).
        let colormap: Colormap
    }

    enum Mode {
        /// Rows are mapped and written as they come.
        case direct
        /// Rows go to a scratch file; ``finish()`` maps them with every map's range.
        case twoPass(ScratchFile)
        /// Rows are collected; ``finish()`` draws the mosaic with ``OutputWriter``.
        case whole
    }

    let shape: Shape
    let path: String
    private let map: PixelMap
    private let isNPY: Bool
    private var files: [File] = []
    private(set) var mode = Mode.direct
    private var collected: [Float] = []
    /// Reused buffers: the mapped strip, and its colours for a colormapped map.
    private var mapped: [Float] = []
    private var colored: [Float] = []
    private let layout: Layout
    private let options: EncodeOptions
    private let colormap: Colormap
    /// Per channel: finite minimum and maximum, and the largest finite |x|.
    private var lo: [Float], hi: [Float], peak: [Float]
    /// What needed more than one pass, for `--json`.
    private(set) var notes: [String] = []
    private(set) var paths: [String] = []
    private(set) var layoutNote: String?

    init(path: String, shape: Shape, layout: Layout, options: EncodeOptions, colormap: Colormap,
         memoryLimit: Int) throws(CodecError) {
        self.shape = shape
        self.path = path
        self.layout = layout
        self.options = options
        self.colormap = colormap
        map = options.map
        let ext = OutputWriter.pathExtension(path)
        isNPY = ImageEncoder.keepsValues(path: path, options: options)  // .npy, float TIFF: raw values
        let isJPEG = ["jpg", "jpeg", "jpe", "jfif"].contains(ext)
        lo = Array(repeating: .infinity, count: shape.channels)
        hi = Array(repeating: -.infinity, count: shape.channels)
        peak = Array(repeating: 0, count: shape.channels)
        var plain = options
        plain.map = .clamp
        let c = shape.channels
        let one = Shape(channels: 1, height: shape.height, width: shape.width)
        func mapped(_ k: Int) -> Shape { Shape(channels: colormap == .gray ? k : 3, height: shape.height, width: shape.width) }
        if isNPY && layout != .channels {
            files = [File(channels: 0..<c, writer: try ImageRowWriter(path: path, shape: shape, options: plain), colormap: .gray)]
        } else if layout == .channels {
            let names = OutputWriter.channelPaths(path, count: c)
            for (i, p) in names.enumerated() {
                let s = isNPY ? one : mapped(1)
                files.append(File(channels: i..<(i + 1), writer: try ImageRowWriter(path: p, shape: s, options: plain),
                                  colormap: isNPY ? .gray : colormap))
            }
        } else if layout == .auto && c == 1 {
            files = [File(channels: 0..<1, writer: try ImageRowWriter(path: path, shape: mapped(1), options: plain), colormap: colormap)]
        } else if layout == .auto && (c == 3 || (c == 4 && !isJPEG)) {
            files = [File(channels: 0..<c, writer: try ImageRowWriter(path: path, shape: shape, options: plain), colormap: .gray)]
        } else {
            let bytes = shape.count.multipliedReportingOverflow(by: 4)
            guard !bytes.overflow, bytes.partialValue <= memoryLimit / 2 else {
                throw CodecError(path: path, "a mosaic of \(c) maps of \(shape.width)x\(shape.height) needs the whole output in memory, over the memory limit",
                                 hint: "write --layout channels (one file per map) or .npy, or raise --memory-limit")
            }
            mode = .whole
            collected = [Float](repeating: 0, count: shape.count)
            notes.append("mosaic: the output (\(shape)) held whole in memory to draw the mosaic")
            return
        }
        for f in files { SignalCleanup.register(f.writer.temporaryPath) }
        if !isNPY && (map == .minmax || map == .signed) {
            mode = .twoPass(try ScratchFile(near: path, purpose: "--map \(map.rawValue): the output, mapped once every map's range is known"))
            notes.append("--map \(map.rawValue): the output went to a scratch file, then a second pass mapped and encoded it")
        }
    }

    deinit {
        for f in files { SignalCleanup.unregister(f.writer.temporaryPath) }
    }

    /// Deletes the scratch file of a second pass now (after a failure, before the process exits).
    func removeScratch() {
        if case let .twoPass(scratch) = mode { scratch.remove() }
    }

    /// Abandons every file: temporary files and the scratch file are deleted, no output is written.
    func abort() {
        files.forEach { $0.writer.abort() }
        removeScratch()
    }

    /// Takes output rows `rows` (all channels, ``RowWriting``'s layout).
    func write(rows: Range<Int>, _ src: UnsafeBufferPointer<Float>) throws(CodecError) {
        let w = shape.width, n = rows.count * w
        switch mode {
        case .direct:
            try encode(rows: rows, src)
        case let .twoPass(scratch):
            for c in 0..<shape.channels {
                let p = src.baseAddress! + c * n
                for i in 0..<n where p[i].isFinite {
                    lo[c] = Swift.min(lo[c], p[i])
                    hi[c] = Swift.max(hi[c], p[i])
                    peak[c] = Swift.max(peak[c], Swift.abs(p[i]))
                }
                try scratch.write(p, count: n, at: (c * shape.height + rows.lowerBound) * w)
            }
        case .whole:
            collected.withUnsafeMutableBufferPointer { d in
                for c in 0..<shape.channels {
                    (d.baseAddress! + (c * shape.height + rows.lowerBound) * w).update(from: src.baseAddress! + c * n, count: n)
                }
            }
        }
    }

    /// Completes every file (the second pass first, when there is one) and
    /// renames them into place; on failure removes what this call wrote.
    func finish() throws(CodecError) {
        switch mode {
        case .direct:
            break
        case let .twoPass(scratch):
            let w = shape.width
            let band = Swift.max(1, Swift.min(shape.height, (8 << 20) / Swift.max(1, w * shape.channels * 4)))
            var buffer = [Float](repeating: 0, count: band * w * shape.channels)
            var top = 0
            while top < shape.height {
                let rows = top..<Swift.min(top + band, shape.height)
                let n = rows.count * w
                try buffer.withUnsafeMutableBufferPointer { (b) throws(CodecError) in
                    for c in 0..<shape.channels {
                        try scratch.read(into: b.baseAddress! + c * n, count: n, at: (c * shape.height + rows.lowerBound) * w)
                    }
                    try encode(rows: rows, UnsafeBufferPointer(rebasing: b[0..<(n * shape.channels)]))
                }
                top = rows.upperBound
            }
            scratch.remove()
        case .whole:
            let tensor = Tensor(shape: shape, data: collected)
            collected = []
            let written = try OutputWriter.writeOutputs(tensor, to: path, layout: layout, options: options, colormap: colormap)
            paths = written.paths
            layoutNote = written.note
            return
        }
        var done: [String] = []
        for f in files {
            do {
                try f.writer.finish()
                done.append(f.writer.path)
            } catch {
                for p in done { unlink(p) }
                files.forEach { $0.writer.abort() }
                throw error
            }
        }
        paths = done
    }

    /// Maps rows (all channels) and writes them to every file, through two
    /// buffers reused from strip to strip.
    private func encode(rows: Range<Int>, _ src: UnsafeBufferPointer<Float>) throws(CodecError) {
        let n = rows.count * shape.width
        for f in files {
            let part = UnsafeBufferPointer(rebasing: src[(f.channels.lowerBound * n)..<(f.channels.upperBound * n)])
            if isNPY {
                try f.writer.write(rows: rows.count, from: part)
                continue
            }
            if mapped.count < part.count { mapped = [Float](repeating: 0, count: part.count) }
            mapped.withUnsafeMutableBufferPointer { d in
                _ = d.initialize(from: part)
                mapStrip(UnsafeMutableBufferPointer(rebasing: d[0..<part.count]), plane: n, channels: f.channels)
            }
            if f.colormap != .gray && f.channels.count == 1 {
                if colored.count < 3 * n { colored = [Float](repeating: 0, count: 3 * n) }
                mapped.withUnsafeBufferPointer { m in
                    colored.withUnsafeMutableBufferPointer { c in
                        for i in 0..<n {
                            let (r, g, b) = f.colormap.rgb(m[i])
                            c[i] = r
                            c[n + i] = g
                            c[2 * n + i] = b
                        }
                    }
                }
                try colored.withUnsafeBufferPointer { (p) throws(CodecError) in
                    try f.writer.write(rows: rows.count, from: UnsafeBufferPointer(rebasing: p[0..<(3 * n)]))
                }
            } else {
                try mapped.withUnsafeBufferPointer { (p) throws(CodecError) in
                    try f.writer.write(rows: rows.count, from: UnsafeBufferPointer(rebasing: p[0..<part.count]))
                }
            }
        }
    }

    /// ``PixelMap/apply(_:)`` on a strip, in place: the same expressions, with
    /// each map's range from the whole output for `minmax` and `signed`.
    private func mapStrip(_ d: UnsafeMutableBufferPointer<Float>, plane: Int, channels: Range<Int>) {
        for (i, c) in channels.enumerated() {
            let (lo, hi, m) = (lo[c], hi[c], peak[c])
            let span = hi - lo
            for j in (i * plane)..<((i + 1) * plane) {
                switch map {
                case .clamp: d[j] = Self.unit(d[j])
                case .abs: d[j] = Self.unit(Swift.abs(d[j]))
                case .minmax: d[j] = span > 0 && span.isFinite ? Self.unit((d[j] - lo) / span) : 0
                case .signed: d[j] = m > 0 ? Self.unit(0.5 + d[j] / (2 * m)) : 0.5
                }
            }
        }
    }

    /// x clamped to [0, 1], NaN to 0 (``PixelMap``'s rule).
    private static func unit(_ x: Float) -> Float { x.isNaN ? 0 : Swift.min(1, Swift.max(0, x)) }
}

/// Hands output strips to ``StreamedOutput`` on a thread of its own, so that
/// mapping and encoding (zlib's deflate is most of a PNG's time) overlap the
/// decoding and the convolution of the next strips. Two strips are in flight
/// at most; rows reach the files in order. The first error the encoder meets
/// is thrown by the next ``write(rows:_:)`` or by ``finish()``.
final class WriteBehind: @unchecked Sendable {
    private let sink: StreamedOutput
    private let lock = NSLock()
    private let free = DispatchSemaphore(value: 2)
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var queue: [(rows: Range<Int>, data: [Float])?] = []
    private var spare: [[Float]] = []
    private var failure: CodecError?

    init(_ sink: StreamedOutput) {
        self.sink = sink
        let thread = Thread { [self] in drain() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func drain() {
        while true {
            ready.wait()
            lock.lock()
            let item = queue.removeFirst()
            lock.unlock()
            guard let (rows, data) = item else { break }
            if failure == nil {
                do {
                    try data.withUnsafeBufferPointer { (p) throws(CodecError) in try sink.write(rows: rows, p) }
                } catch {
                    lock.lock()
                    failure = error
                    lock.unlock()
                }
            }
            lock.lock()
            spare.append(data)
            lock.unlock()
            free.signal()
        }
        done.signal()
    }

    private func pending() -> CodecError? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Copies `src` (rows `rows`, all channels) into a free slot for the encoder thread.
    func write(rows: Range<Int>, _ src: UnsafeBufferPointer<Float>) throws(CodecError) {
        if let failure = pending() { throw failure }
        free.wait()
        lock.lock()
        var slot = spare.popLast() ?? []
        lock.unlock()
        if slot.count != src.count { slot = [Float](repeating: 0, count: src.count) }
        slot.withUnsafeMutableBufferPointer { _ = $0.initialize(from: src) }
        lock.lock()
        queue.append((rows, slot))
        lock.unlock()
        ready.signal()
    }

    private var finished = false

    /// Waits for the encoder thread to write every strip; throws its error, if any. Idempotent.
    func finish() throws(CodecError) {
        lock.lock()
        if finished {
            lock.unlock()
            if let failure = pending() { throw failure }
            return
        }
        finished = true
        queue.append(nil)
        lock.unlock()
        ready.signal()
        done.wait()
        if let failure = pending() { throw failure }
    }
}
