import Foundation

/// When to draw the progress bar.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// A bar when stderr is a terminal, plain lines otherwise.
    case auto
    /// Always the bar (redrawn with carriage returns).
    case always
    /// Only errors and the summary.
    case never
}

/// Progress on stderr: a bar redrawn in place on a terminal
/// (`[######......] 120/456 26%  12.3 img/s  ETA 0:27  2 failed`), or a
/// plain line every few seconds otherwise. Messages (errors, warnings) are
/// printed above the bar. Thread-safe.
final class ProgressReporter: @unchecked Sendable {
    enum Style { case bar, lines, none }

    let style: Style
    private let total: Int
    private let lock = NSLock()
    private var done = 0, failed = 0, skipped = 0, processed = 0
    private var status: String?
    private let start = ContinuousClock.now
    private var lastDraw = ContinuousClock.now
    private var barShown = false
    private var timer: DispatchSourceTimer?
    private let fd: Int32 = 2
    /// Seconds between plain progress lines.
    private let lineInterval: Double

    init(mode: ProgressMode, total: Int, lineInterval: Double = 5) {
        switch mode {
        case .always: style = .bar
        case .never: style = .none
        case .auto: style = isatty(2) == 1 ? .bar : .lines
        }
        self.total = total
        self.lineInterval = lineInterval
        if style == .bar {
            // Redraw twice a second so rate and ETA move while large images run.
            let t = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
            t.schedule(deadline: .now() + 0.5, repeating: 0.5)
            t.setEventHandler { [weak self] in self?.redraw(force: true) }
            t.resume()
            timer = t
        }
    }

    /// Records the end of one input. `counted` is false for inputs skipped by `--resume`.
    func finished(ok: Bool, skipped wasSkipped: Bool = false) {
        lock.lock()
        done += 1
        if wasSkipped { skipped += 1 } else { processed += 1 }
        if !ok { failed += 1 }
        lock.unlock()
        redraw(force: done == total)
    }

    /// A line such as "interrupted: finishing 2 files" shown in the bar.
    func setStatus(_ text: String?) {
        lock.lock()
        status = text
        lock.unlock()
        redraw(force: true)
    }

    /// Prints `line` on its own line (above the bar when there is one).
    func message(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        var s = barShown ? "\r\u{1B}[K" : ""
        s += line + "\n"
        emit(s)
        barShown = false
        if style == .bar { drawLocked() }
    }

    /// Stops the timer and leaves the cursor on a fresh line.
    func close() {
        timer?.cancel()
        timer = nil
        lock.lock()
        defer { lock.unlock() }
        if style == .bar {
            drawLocked()
            emit("\n")
            barShown = false
        }
    }

    private func redraw(force: Bool) {
        lock.lock()
        defer { lock.unlock() }
        let now = ContinuousClock.now
        switch style {
        case .none: return
        case .bar:
            guard force || now - lastDraw >= .milliseconds(100) else { return }
            drawLocked()
        case .lines:
            guard now - lastDraw >= .seconds(lineInterval) || (force && done == total && total > 0) else { return }
            lastDraw = now
            emit("convkit: batch: " + textLocked() + "\n")
        }
    }

    private func drawLocked() {
        lastDraw = ContinuousClock.now
        let width = Self.terminalWidth()
        let text = textLocked()
        let barWidth = max(10, min(40, width - text.count - 4))
        let fraction = total == 0 ? 1 : Double(done) / Double(total)
        let filled = Int((fraction * Double(barWidth)).rounded(.down))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled) + "] " + text
        if line.count > width - 1 { line = String(line.prefix(max(width - 1, 10))) }
        emit("\r\u{1B}[K" + line)
        barShown = true
    }

    /// `120/456 26%  12.3 img/s  ETA 0:27  2 failed  1 skipped`
    private func textLocked() -> String {
        let elapsed = Self.seconds(ContinuousClock.now - start)
        let percent = total == 0 ? 100 : done * 100 / total
        var s = "\(done)/\(total) \(percent)%"
        if processed > 0, elapsed > 0 {
            let rate = Double(processed) / elapsed
            s += "  " + String(format: rate >= 10 ? "%.0f" : "%.1f", rate) + " img/s"
            let left = total - done
            if left > 0 { s += "  ETA " + Self.clock(Double(left) / rate) }
        }
        s += "  elapsed " + Self.clock(elapsed)
        if failed > 0 { s += "  \(failed) failed" }
        if skipped > 0 { s += "  \(skipped) skipped" }
        if let status { s += "  " + status }
        return s
    }

    private func emit(_ s: String) {
        let bytes = Array(s.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n <= 0 { if n < 0 && errno == EINTR { continue }; return }
            done += n
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// `0:27`, `12:05`, `3:02:11`.
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
    }

    static func terminalWidth() -> Int {
        var w = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &w) == 0, w.ws_col > 0 { return Int(w.ws_col) }
        return 80
    }
}
