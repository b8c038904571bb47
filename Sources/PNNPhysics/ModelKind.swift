/// The physical systems pnn models.
public enum ModelKind: String, CaseIterable, Codable, Sendable {
    /// Multimode mechanical oscillator: voice-coil-driven plate read by a microphone.
    case mechanical
    /// Nonlinear electronic oscillator: RLC circuit with a transistor, AWG in, oscilloscope out.
    case electronic
    /// Optical second-harmonic generation: pulse shaper → χ² crystal → spectrometer.
    case shg
}
