extension StreamPlan {
    /// ``run(read:write:threads:)``, returning the time each of ``reports``'
    /// stages spent in its kernel, in milliseconds (the colour conversion,
    /// which is not among them, is not counted): the per-stage times of a
    /// run, whatever its strip height.
    public func runTimed(read: RowReading, write: RowWriting, threads: Int? = nil) throws -> [Double] {
        try withoutActuallyEscaping(read) { read in
            let runner = StreamRunner(plan: self, read: read, threads: threads ?? defaultThreadCount)
            try runner.prepass()
            if let last = stages.indices.last {
                try runner.produce(stage: last, rows: 0..<output.height) { rows, buffer in try write(rows, buffer) }
            } else {
                try runner.copyThrough(write: write)
            }
            return runner.stageSeconds.suffix(reports.count).map { $0 * 1e3 }
        }
    }

    /// Whether every stage computes its output in one piece: the run holds
    /// the whole image, as one strip as tall as the image.
    public var isOneStrip: Bool { stages.allSatisfy { $0.pieceRows >= $0.geometry.output.height } }
}
