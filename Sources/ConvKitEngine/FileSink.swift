import ConvKit
import ConvKitIO
import ConvKitReport
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
final class FileSink {
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
        case twoPass(any FloatStore)
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
    private var ranges: [SampleRange]
    /// Clipping and rounding of the maps written as colours (the direct files count their own).
    private var colorTally = QuantizationTally()
    /// What needed more than one pass, for `--json`.
    private(set) var notes: [String] = []
    private(set) var paths: [String] = []
    private(set) var layoutNote: String?

    /// `spill`: a two-pass map keeps the output in a scratch file (a streamed
    /// run) rather than in memory (one strip: the image is held whole anyway).
    init(path: String, shape: Shape, layout: Layout, options: EncodeOptions, colormap: Colormap,
         memoryLimit: Int, spill: Bool = true) throws(CodecError) {
        self.shape = shape
        self.path = path
        self.layout = layout
        self.options = options
        self.colormap = colormap
        map = options.map
        let ext = OutputWriter.pathExtension(path)
        isNPY = ImageEncoder.keepsValues(path: path, options: options)  // .npy, float TIFF: raw values
        let isJPEG = ["jpg", "jpeg", "jpe", "jfif"].contains(ext)
        ranges = Array(repeating: SampleRange(), count: shape.channels)
        var plain = options
        plain.map = .clamp
        let c = shape.channels
        let one = Shape(channels: 1, height: shape.height, width: shape.width)
        func mapped(_ k: Int) -> Shape { Shape(channels: colormap == .gray ? k : 3, height: shape.height, width: shape.width) }
        if isNPY && layout != .channels && layout != .pages {
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
                throw CodecError(path: path, "\(layout == .pages ? "pages" : "a mosaic") of \(c) maps of \(shape.width)x\(shape.height) needs the whole output in memory, over the memory limit",
                                 hint: "write --layout channels (one file per map) or .npy, or raise --memory-limit")
            }
            mode = .whole
            collected = [Float](repeating: 0, count: shape.count)
            notes.append(layout == .pages ? "pages: the output (\(shape)) held whole in memory to write one page per map"
                                          : "mosaic: the output (\(shape)) held whole in memory to draw the mosaic")
            return
        }
        for f in files {
            SignalCleanup.register(f.writer.temporaryPath)
            if !isNPY && f.colormap == .gray { f.writer.maps = f.channels.map { _ in map.unitMap(range: SampleRange()) } }
        }
        if !isNPY && (map == .minmax || map == .signed) {
            if spill {
                mode = .twoPass(try ScratchFile(near: path, purpose: "--map \(map.rawValue): the output, mapped once every map's range is known"))
                notes.append("--map \(map.rawValue): the output went to a scratch file, then a second pass mapped and encoded it")
            } else {
                mode = .twoPass(MemoryStore(count: shape.count))
            }
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
                ranges[c].add(p, count: n)
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

    /// After the last row: the second pass of a two-pass map (the range of
    /// every map is known now), or the mosaic's quantisation. Files are not
    /// yet in place (``finish(text:)``).
    func complete() throws(CodecError) {
        switch mode {
        case .direct:
            break
        case let .twoPass(scratch):
            for f in files where f.colormap == .gray { f.writer.maps = f.channels.map { map.unitMap(range: ranges[$0]) } }
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
            if !isNPY {
                let t = Tensor(shape: shape, data: collected)
                mosaicQuantization = QuantizationReport(t, map: map, depth: OutputWriter.pathExtension(path) == "png" ? options.depth : 8)
            }
        }
    }

    private var mosaicQuantization: QuantizationReport?

    /// Renames every file into place, PNGs with `text` as tEXt after their
    /// pixel data (a mosaic, drawn now, has it before); on failure removes
    /// what this call wrote.
    func finish(text: [String: String]) throws(CodecError) {
        if case .whole = mode {
            let tensor = Tensor(shape: shape, data: collected)
            collected = []
            var o = options
            o.text.merge(text) { $1 }
            let written = try OutputWriter.writeOutputs(tensor, to: path, layout: layout, options: o, colormap: colormap)
            paths = written.paths
            layoutNote = written.note
            return
        }
        var done: [String] = []
        for f in files {
            do {
                try f.writer.finish(text: text)
                done.append(f.writer.path)
            } catch {
                for p in done { unlink(p) }
                files.forEach { $0.writer.abort() }
                throw error
            }
        }
        paths = done
    }

    /// What writing the files lost to clipping and rounding (nil for `.npy`), once finished.
    var quantization: QuantizationReport? {
        guard !isNPY else { return nil }
        guard mode.isStreamed else { return mosaicQuantization }
        var t = colorTally
        for f in files where f.colormap == .gray { t.add(f.writer.tally) }
        return QuantizationReport(tally: t, map: map, depth: OutputWriter.pathExtension(path) == "png" ? options.depth : 8)
    }

    /// Writes rows (all channels) to every file: straight to the writer, which
    /// maps, rounds and counts in one pass, or through a colormap.
    private func encode(rows: Range<Int>, _ src: UnsafeBufferPointer<Float>) throws(CodecError) {
        let n = rows.count * shape.width
        for f in files {
            let part = UnsafeBufferPointer(rebasing: src[(f.channels.lowerBound * n)..<(f.channels.upperBound * n)])
            guard !isNPY && f.colormap != .gray && f.channels.count == 1 else {
                try f.writer.write(rows: rows.count, from: part)
                continue
            }
            if mapped.count < n { mapped = [Float](repeating: 0, count: n) }
            if colored.count < 3 * n { colored = [Float](repeating: 0, count: 3 * n) }
            let c = f.channels.lowerBound
            mapped.withUnsafeMutableBufferPointer { m in
                Samples.map(part.baseAddress!, count: n, map: map.unitMap(range: ranges[c]), into: m.baseAddress!, tally: &colorTally)
                colored.withUnsafeMutableBufferPointer { out in
                    for i in 0..<n {
                        let (r, g, b) = f.colormap.rgb(m[i])
                        out[i] = r
                        out[n + i] = g
                        out[2 * n + i] = b
                    }
                }
            }
            try colored.withUnsafeBufferPointer { (p) throws(CodecError) in
                try f.writer.write(rows: rows.count, from: UnsafeBufferPointer(rebasing: p[0..<(3 * n)]))
            }
        }
    }
}

extension FileSink.Mode {
    /// Whether rows reach the files strip by strip (not a mosaic drawn whole).
    var isStreamed: Bool {
        if case .whole = self { return false }
        return true
    }
}

/// Hands output strips to ``FileSink`` on a thread of its own, so that
/// mapping and encoding (zlib's deflate is most of a PNG's time) overlap the
/// decoding and the convolution of the next strips. Two strips are in flight
/// at most; rows reach the files in order. The first error the encoder meets
/// is thrown by the next ``write(rows:_:)`` or by ``finish()``.
final class WriteBehind: @unchecked Sendable {
    private let sink: FileSink
    private let lock = NSLock()
    private let free = DispatchSemaphore(value: 2)
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var queue: [(rows: Range<Int>, data: [Float])?] = []
    private var spare: [[Float]] = []
    private var failure: CodecError?

    init(_ sink: FileSink) {
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
