import ArgumentParser
import PNNCore

/// The element type of a `.npy` file pnn reads or writes.
enum ScalarType: String, CaseIterable, ExpressibleByArgument, Codable, Sendable {
    case f32
    case f64

    /// NumPy's name for it, as reported in JSON and messages.
    var numpyName: String {
        switch self {
        case .f32: "float32"
        case .f64: "float64"
        }
    }
}
