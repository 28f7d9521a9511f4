import ConvKit
import Foundation

/// Decodes the next bands of rows on a thread of its own while the stages
/// run on the current ones, as libvips' sinks overlap reading and computing:
/// on a 12-megapixel JPEG libjpeg's decoding is a third of the run, and it
/// then overlaps the convolution and the encoding instead of preceding them.
///
/// Rows must be asked for top to bottom without gaps (what a ``StreamPlan``
/// without a pre-pass does); any other order is a precondition failure.
/// Two bands are in flight at most. The first error of the decoder is thrown
/// by the ``read(rows:into:)`` that needs the band it failed on.
final class ReadAhead: @unchecked Sendable {
    private let shape: Shape
    private let bandRows: Int
    private let source: (Range<Int>, UnsafeMutableBufferPointer<Float>) throws -> Void
    /// Guards everything below; the decoder waits on it for a free buffer, the reader for a band.
    private let condition = NSCondition()
    private var bands: [(rows: Range<Int>, data: UnsafeMutableBufferPointer<Float>)] = []
    private var spare: [UnsafeMutableBufferPointer<Float>] = []
    private var failure: (any Error)?
    private var stopped = false
    private var finished = false
    /// The next row the consumer may ask for.
    private var next = 0

    /// Starts decoding `shape`'s rows in bands of `bandRows` through `source`
    /// (the source is used by the decoding thread only, until ``stop()``).
    init(shape: Shape, bandRows: Int, source: @escaping (Range<Int>, UnsafeMutableBufferPointer<Float>) throws -> Void) {
        self.shape = shape
        self.bandRows = max(1, min(bandRows, shape.height))
        self.source = source
        let floats = self.bandRows * shape.channels * shape.width
        spare = (0..<2).map { _ in .allocate(capacity: max(1, floats)) }
        let thread = Thread { [self] in decode() }
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit {
        stop()
        spare.forEach { $0.deallocate() }
        bands.forEach { $0.data.deallocate() }
    }

    private func decode() {
        var top = 0
        while top < shape.height {
            condition.lock()
            while spare.isEmpty && !stopped { condition.wait() }
            let buffer = stopped ? nil : spare.popLast()
            condition.unlock()
            guard let buffer else { break }
            let rows = top..<min(top + bandRows, shape.height)
            var error: (any Error)?
            do {
                try source(rows, UnsafeMutableBufferPointer(rebasing: buffer[0..<(rows.count * shape.channels * shape.width)]))
            } catch let e {
                error = e
            }
            condition.lock()
            if let error { failure = error; spare.append(buffer) } else { bands.append((rows, buffer)) }
            condition.broadcast()
            condition.unlock()
            if error != nil { break }
            top = rows.upperBound
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Rows `rows` of every channel into `dst` (``RowReading``'s layout).
    func read(rows: Range<Int>, into dst: UnsafeMutableBufferPointer<Float>) throws {
        precondition(rows.lowerBound == next, "read-ahead rows are read in order, without gaps")
        let w = shape.width
        var y = rows.lowerBound
        while y < rows.upperBound {
            condition.lock()
            while bands.isEmpty && failure == nil && !finished { condition.wait() }
            guard let (have, data) = bands.first else {
                let error = failure
                condition.unlock()
                throw error ?? CancellationError()
            }
            condition.unlock()
            let part = y..<min(rows.upperBound, have.upperBound)
            for c in 0..<shape.channels {
                (dst.baseAddress! + (c * rows.count + part.lowerBound - rows.lowerBound) * w)
                    .update(from: data.baseAddress! + (c * have.count + part.lowerBound - have.lowerBound) * w, count: part.count * w)
            }
            y = part.upperBound
            if y == have.upperBound {
                condition.lock()
                bands.removeFirst()
                spare.append(data)
                condition.broadcast()
                condition.unlock()
            }
        }
        next = rows.upperBound
    }

    /// Stops the decoding thread and waits for it (idempotent): after this
    /// the source is not used again.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }
}
