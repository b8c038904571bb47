import ArgumentParser
import PNNPhysics

/// `--gap`: which reality gap a simulated system has.
enum GapChoice: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// The exact model: measurements equal the model's forward pass bit for bit.
    case none
    /// `RealityGap.default`: hidden parameter offsets, unmodelled term, noise, drift, 12-bit ADC.
    case `default`

    var gap: RealityGap {
        switch self {
        case .none: .none
        case .default: .default
        }
    }
}
