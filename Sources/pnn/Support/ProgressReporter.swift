import Foundation
import PNNCore
import PNNTraining
import Synchronization

/// Training progress on stderr: a one-line bar with loss, accuracy and ETA on a terminal, one plain
/// line per epoch otherwise (logs, CI).
final class ProgressReporter: Sendable {
    private let title: String
    private let epochs: Int
    /// Epochs done before this process started (a resumed run): they count for neither ETA nor lines.
    private let skipped: Int
    private let terminal: Bool
    private let start = ContinuousClock.now
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    init(title: String, epochs: Int, startingAfter skipped: Int = 0) {
        self.title = title
        self.epochs = epochs
        self.skipped = max(0, min(skipped, epochs))
        terminal = isatty(STDERR_FILENO) == 1
    }

    private var elapsed: Double {
        (ContinuousClock.now - start).seconds
    }

    func report(_ event: TrainingProgress) {
        switch event {
        case .batch(let epoch, let batch, let of, let loss, let accuracy):
            guard terminal else { return }
            // Redraw at most 10 times a second: the terminal is slower than a batch.
            let now = ContinuousClock.now
            let draw = lastDraw.withLock { last -> Bool in
                if let last, now - last < .milliseconds(100), batch < of { return false }
                last = now
                return true
            }
            guard draw else { return }
            let done = (Double(epoch - 1 - skipped) + Double(batch) / Double(of)) / Double(max(epochs - skipped, 1))
            let eta = done > 0 ? elapsed * (1 - done) / done : 0
            let width = 24
            let filled = Int(done * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = String(format: "\r%@ %@ epoch %d/%d  loss %.3f  acc %.1f%%  ETA %.0fs ", title, bar, epoch, epochs,
                              loss, accuracy * 100, eta)
            FileHandle.standardError.write(Data(line.utf8))
        case .epoch(let r):
            // Without a terminal, about 20 lines per run are enough for a log.
            let every = max(1, epochs / 20)
            guard terminal || r.epoch % every == 0 || r.epoch == epochs || r.epoch == skipped + 1 else { return }
            let test = r.testAccuracy.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
            let line = String(format: "%@epoch %d/%d  train loss %.4f  train acc %.1f%%  test acc %@  %.1fs  %d device calls\n",
                              terminal ? "\r\u{1B}[K" : "", r.epoch, epochs, r.trainLoss, r.trainAccuracy * 100, test,
                              r.elapsedSeconds, r.deviceCalls)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }
}
