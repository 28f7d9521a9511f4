import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into calls on a queue (DispatchSource signal
/// sources), instead of the default of dying mid-write. The default
/// dispositions come back when the trap is cancelled.
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let signals: [Int32]

    /// `handler` runs on a private serial queue, once per delivered signal.
    init(_ signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        let queue = DispatchQueue(label: "convkit.batch.signals")
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { handler(sig) }
            source.resume()
            sources.append(source)
        }
    }

    func cancel() {
        sources.forEach { $0.cancel() }
        sources = []
        for sig in signals { signal(sig, SIG_DFL) }
    }

    deinit { cancel() }
}
