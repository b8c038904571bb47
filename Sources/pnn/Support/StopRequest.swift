import Dispatch
import Foundation
import Synchronization

/// Ctrl-C (SIGINT) or SIGTERM during `pnn train`: the first asks the run to stop after its current
/// batch, then evaluate what it has and write its files, so hours on a rig are not thrown away to end a
/// run early. The second signal ends pnn at once, as it would without this.
final class StopRequest: Sendable {
    /// The signal that asked to stop, 0 until one did (in a class: the signal handlers share it).
    private final class Received: Sendable {
        let number = Atomic<Int32>(0)
    }
    private let received = Received()
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let signals: [Int32]

    /// Starts listening; `onFirst` runs (on a Dispatch queue) when the first signal arrives. Listens
    /// until `cancel()`.
    init(signals: [Int32] = [SIGINT, SIGTERM], onFirst: @escaping @Sendable (Int32) -> Void) {
        self.signals = signals
        let received = self.received
        var made: [any DispatchSourceSignal] = []
        for number in signals {
            // Ignored by the process, so only the dispatch source sees it.
            Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                guard received.number.compareExchange(expected: 0, desired: number, ordering: .relaxed).exchanged else {
                    return
                }
                // From now on the default action again: a second Ctrl-C ends pnn straight away.
                for other in signals { Foundation.signal(other, SIG_DFL) }
                onFirst(number)
            }
            source.resume()
            made.append(source)
        }
        sources = Mutex(made)
    }

    /// Whether a signal has asked the run to stop.
    var isRequested: Bool { received.number.load(ordering: .relaxed) != 0 }

    /// The signal that asked, if any.
    var signal: Int32? {
        let number = received.number.load(ordering: .relaxed)
        return number == 0 ? nil : number
    }

    /// Stops listening and gives the signals their default action back.
    func cancel() {
        sources.withLock { sources in
            for source in sources { source.cancel() }
            sources.removeAll()
        }
        for number in signals { Foundation.signal(number, SIG_DFL) }
    }

    /// The conventional status of a process ended by `signal` (128 + its number: 130 for SIGINT).
    static func exitStatus(for signal: Int32) -> Int32 { 128 + signal }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT (Ctrl-C)"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
