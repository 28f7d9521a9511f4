/// The buffers of one streamed run of a ``StreamPlan``: per stage, a window
/// of input rows, the pinned edge rows, and the output piece being computed.
///
/// Output rows are pulled from the last stage; a stage asks the one before
/// it for input rows only when its window lacks them, so every row of every
/// stage is computed once (rows needed by the pre-pass are computed twice).
final class StreamRunner {
    /// A band of input rows `lo..<hi`; channel `c` at `buffer + c * capacity * width`.
    struct Window {
        var buffer: UnsafeMutablePointer<Float>
        var capacity: Int
        var lo = 0
        var hi = 0
    }

    let plan: StreamPlan
    let read: RowReading
    let threads: Int
    private var windows: [Window] = []
    /// Pinned edge rows per stage, laid out as ``RowStrip`` expects its extra rows.
    private var pinned: [UnsafeMutablePointer<Float>] = []
    private var edgeRows: [UnsafeMutablePointer<Int>] = []
    private var filled: [[Bool]] = []
    private var pieces: [UnsafeMutablePointer<Float>] = []
    private var readBuffer: [Float] = []
    /// Time spent in each stage's kernel so far, in seconds (pre-pass included).
    private(set) var stageSeconds: [Double]

    init(plan: StreamPlan, read: @escaping RowReading, threads: Int) {
        self.plan = plan
        self.read = read
        self.threads = threads
        stageSeconds = Array(repeating: 0, count: plan.stages.count)
        for s in plan.stages {
            let i = s.geometry.input, o = s.geometry.output
            let rows = s.windowRows + StreamPlan.alignment
            windows.append(Window(buffer: .allocate(capacity: max(1, rows * i.channels * i.width)), capacity: rows))
            pinned.append(.allocate(capacity: max(1, s.edges.count * i.channels * i.width)))
            let e = UnsafeMutablePointer<Int>.allocate(capacity: max(1, s.edges.count))
            e.initialize(from: s.edges, count: s.edges.count)
            edgeRows.append(e)
            filled.append([Bool](repeating: false, count: s.edges.count))
            pieces.append(.allocate(capacity: max(1, s.pieceRows * o.channels * o.width)))
        }
    }

    deinit {
        windows.forEach { $0.buffer.deallocate() }
        pinned.forEach { $0.deallocate() }
        edgeRows.forEach { $0.deallocate() }
        pieces.forEach { $0.deallocate() }
    }

    // MARK: Pre-pass

    /// Reads ``StreamPlan/rowsAhead`` and computes every stage's pre-pass rows
    /// from them, pinning the edge rows that circular padding needs early.
    func prepass() throws {
        guard !plan.rowsAhead.isEmpty else { return }
        var store = SparseRows(rows: plan.rowsAhead, shape: plan.input)
        for run in consecutiveRuns(plan.rowsAhead) {
            let floats = run.count * plan.input.channels * plan.input.width
            if readBuffer.count < floats { readBuffer = [Float](repeating: 0, count: floats) }
            try readBuffer.withUnsafeMutableBufferPointer { b in
                try read(run, UnsafeMutableBufferPointer(rebasing: b[0..<floats]))
                store.put(rows: run, from: UnsafeBufferPointer(b))
            }
        }
        for (s, stage) in plan.stages.enumerated() {
            for (i, e) in stage.edges.enumerated() {
                guard let at = store.index(of: e) else { continue }
                store.copyRow(at, into: pinned[s], slot: i, slots: stage.edges.count)
                filled[s][i] = true
            }
            var next = SparseRows(rows: stage.prepass, shape: stage.geometry.output)
            store.withStrip { strip in
                for run in consecutiveRuns(stage.prepass) {
                    var o = run.lowerBound
                    while o < run.upperBound {
                        let rows = o..<min(o + stage.pieceRows, run.upperBound)
                        let out = UnsafeMutableBufferPointer(start: pieces[s], count: rows.count * stage.geometry.output.count / max(1, stage.geometry.output.height))
                        timed(s) { stage.kernel.run(strip, outputRows: rows, into: out, threads: threads) }
                        next.put(rows: rows, from: UnsafeBufferPointer(out))
                        o = rows.upperBound
                    }
                }
            }
            store = next
        }
    }

    private func timed(_ s: Int, _ body: () -> Void) {
        let start = ContinuousClock.now
        body()
        let d = ContinuousClock.now - start
        stageSeconds[s] += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    // MARK: Streaming

    /// Computes output rows `rows` of stage `s` (starting at a multiple of the
    /// alignment) piece by piece, handing each piece to `deliver`.
    func produce(stage s: Int, rows: Range<Int>, deliver: (Range<Int>, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let stage = plan.stages[s]
        let a = stage.geometry.rows
        let rowFloats = stage.geometry.output.channels * stage.geometry.output.width
        var o = rows.lowerBound
        while o < rows.upperBound {
            let piece = o..<min(o + stage.pieceRows, rows.upperBound)
            let needed = a.inputRange(forOutputs: piece)
            // Rows are produced without gaps up to the last one needed, even when none is read.
            let hi = max(0, min(needed.upperBound, a.input))
            try ensure(stage: s, rows: min(max(needed.lowerBound, 0), hi)..<hi)
            let out = UnsafeMutableBufferPointer(start: pieces[s], count: piece.count * rowFloats)
            let band = strip(s)
            timed(s) { stage.kernel.run(band, outputRows: piece, into: out, threads: threads) }
            try deliver(piece, UnsafeBufferPointer(out))
            o = piece.upperBound
        }
    }

    /// Makes stage `s`'s window hold input rows `rows`: drops the rows above
    /// them and asks for the missing ones, up to the next multiple of the
    /// alignment. Rows are asked for without gaps: rows between the window and
    /// `rows` are produced (and their edge rows pinned) but not kept.
    private func ensure(stage s: Int, rows: Range<Int>) throws {
        let g = plan.stages[s].geometry
        let c = g.input.channels, w = g.input.width, h = g.input.height, q = StreamPlan.alignment
        var win = windows[s]
        if rows.lowerBound >= win.hi {
            win.lo = win.hi
        } else if rows.lowerBound > win.lo {
            let keep = win.hi - rows.lowerBound, shift = rows.lowerBound - win.lo
            for ch in 0..<c {
                let base = win.buffer + ch * win.capacity * w
                base.update(from: base + shift * w, count: keep * w)
            }
            win.lo = rows.lowerBound
        }
        windows[s] = win
        guard rows.upperBound > win.hi else { return }
        let target = min((rows.upperBound + q - 1) / q * q, h)
        let skipTo = max(win.hi, min(rows.lowerBound / q * q, target))
        if skipTo > win.hi {
            try fetch(stage: s, rows: win.hi..<skipTo) { got, src in self.pin(stage: s, rows: got, from: src) }
            windows[s].lo = skipTo
            windows[s].hi = skipTo
            win = windows[s]
        }
        if target - win.lo > win.capacity { grow(&win, rows: target - win.lo, channels: c, width: w) }
        windows[s] = win
        let capacity = win.capacity, lo = win.lo
        let buffer = win.buffer
        try fetch(stage: s, rows: win.hi..<target) { got, src in
            for ch in 0..<c {
                (buffer + ch * capacity * w + (got.lowerBound - lo) * w)
                    .update(from: src.baseAddress! + ch * got.count * w, count: got.count * w)
            }
            self.windows[s].hi = got.upperBound
            self.pin(stage: s, rows: got, from: src)
        }
    }

    /// Input rows `rows` of stage `s`, in pieces: read from the source for the
    /// first stage, computed by the stage before otherwise.
    private func fetch(stage s: Int, rows: Range<Int>, deliver: (Range<Int>, UnsafeBufferPointer<Float>) throws -> Void) throws {
        guard s == 0 else {
            try produce(stage: s - 1, rows: rows, deliver: deliver)
            return
        }
        try readChunked(rows, chunk: max(StreamPlan.alignment, windows[0].capacity), deliver: deliver)
    }

    /// Input rows `rows` read `chunk` rows at a time into the read buffer and handed to `deliver`.
    private func readChunked(_ rows: Range<Int>, chunk: Int, deliver: (Range<Int>, UnsafeBufferPointer<Float>) throws -> Void) throws {
        let rowFloats = plan.input.channels * plan.input.width
        var y = rows.lowerBound
        while y < rows.upperBound {
            let part = y..<min(y + chunk, rows.upperBound)
            let floats = part.count * rowFloats
            if readBuffer.count < floats { readBuffer = [Float](repeating: 0, count: floats) }
            try readBuffer.withUnsafeMutableBufferPointer { b in
                let band = UnsafeMutableBufferPointer(rebasing: b[0..<floats])
                try read(part, band)
                try deliver(part, UnsafeBufferPointer(band))
            }
            y = part.upperBound
        }
    }

    private func grow(_ win: inout Window, rows: Int, channels c: Int, width w: Int) {
        let bigger = UnsafeMutablePointer<Float>.allocate(capacity: rows * c * w)
        for ch in 0..<c {
            (bigger + ch * rows * w).update(from: win.buffer + ch * win.capacity * w, count: (win.hi - win.lo) * w)
        }
        win.buffer.deallocate()
        win.buffer = bigger
        win.capacity = rows
    }

    /// Copies the edge rows among rows `rows` (laid out as ``RowReading`` fills them) into stage `s`'s pinned rows.
    private func pin(stage s: Int, rows: Range<Int>, from src: UnsafeBufferPointer<Float>) {
        let edges = plan.stages[s].edges
        guard !edges.isEmpty else { return }
        let g = plan.stages[s].geometry
        let c = g.input.channels, w = g.input.width
        for (i, e) in edges.enumerated() where rows.contains(e) && !filled[s][i] {
            for ch in 0..<c {
                (pinned[s] + (ch * edges.count + i) * w).update(from: src.baseAddress! + (ch * rows.count + e - rows.lowerBound) * w, count: w)
            }
            filled[s][i] = true
        }
    }

    private func strip(_ s: Int) -> RowStrip {
        let g = plan.stages[s].geometry
        let win = windows[s]
        return RowStrip(base: UnsafeBufferPointer(start: win.buffer, count: win.capacity * g.input.channels * g.input.width),
                        shape: g.input, firstRow: win.lo, rowCount: win.hi - win.lo, channelStride: win.capacity * g.input.width,
                        extraRows: UnsafeBufferPointer(start: edgeRows[s], count: plan.stages[s].edges.count),
                        extraBase: UnsafePointer(pinned[s]))
    }

    /// A pipeline without stages: the input rows, unchanged.
    func copyThrough(write: RowWriting) throws {
        try readChunked(0..<plan.input.height, chunk: StreamPlan.alignment * 8) { rows, band in try write(rows, band) }
    }
}

/// Scattered rows of an image (the pre-pass's rows), stored as the extra rows of a ``RowStrip``.
struct SparseRows {
    let rows: [Int]
    let shape: Shape
    var data: [Float]

    init(rows: [Int], shape: Shape) {
        self.rows = rows
        self.shape = shape
        data = [Float](repeating: 0, count: max(1, rows.count * shape.channels * shape.width))
    }

    func index(of row: Int) -> Int? {
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid] < row { lo = mid + 1 } else { hi = mid }
        }
        return lo < rows.count && rows[lo] == row ? lo : nil
    }

    /// Stores rows `got` (those of them this store keeps) from a band laid out as ``RowReading`` fills it.
    mutating func put(rows got: Range<Int>, from src: UnsafeBufferPointer<Float>) {
        let w = shape.width, n = rows.count, channels = shape.channels
        let kept = got.compactMap { y in index(of: y).map { (y, $0) } }
        data.withUnsafeMutableBufferPointer { d in
            for (y, i) in kept {
                for c in 0..<channels {
                    (d.baseAddress! + (c * n + i) * w).update(from: src.baseAddress! + (c * got.count + y - got.lowerBound) * w, count: w)
                }
            }
        }
    }

    func copyRow(_ i: Int, into dst: UnsafeMutablePointer<Float>, slot: Int, slots: Int) {
        let w = shape.width, n = rows.count
        data.withUnsafeBufferPointer { d in
            for c in 0..<shape.channels {
                (dst + (c * slots + slot) * w).update(from: d.baseAddress! + (c * n + i) * w, count: w)
            }
        }
    }

    /// A strip whose only rows are these.
    func withStrip(_ body: (RowStrip) -> Void) {
        rows.withUnsafeBufferPointer { r in
            data.withUnsafeBufferPointer { d in
                body(RowStrip(base: UnsafeBufferPointer(start: d.baseAddress, count: 0), shape: shape, firstRow: 0, rowCount: 0,
                              channelStride: 0, extraRows: r, extraBase: d.baseAddress))
            }
        }
    }
}
