/// Safety limits on what may be sent to a physical system's drive (AWG volts, coil volts, shaper
/// transmission — in the device's drive units).
///
/// Checked by the daemon *before* a batch reaches the device. The drive of one sample is the sequence
/// of values the device plays out (for the oscillators θ then x, for SHG the shaper bins x then θ).
public struct DriveLimits: Sendable, Codable, Equatable {
    /// Smallest allowed drive value.
    public var minimum: Double
    /// Largest allowed drive value.
    public var maximum: Double
    /// Largest allowed |u[i+1] − u[i]| between consecutive drive values of one sample (slew limit);
    /// nil = unlimited.
    public var maxStep: Double?
    /// Largest allowed mean of u² over one sample's drive (thermal/power limit); nil = unlimited.
    public var maxMeanPower: Double?

    public init(minimum: Double, maximum: Double, maxStep: Double? = nil, maxMeanPower: Double? = nil) {
        self.minimum = minimum
        self.maximum = maximum
        self.maxStep = maxStep
        self.maxMeanPower = maxMeanPower
    }

    /// Checks the limits themselves are coherent (finite, min ≤ max, positive step/power).
    public var problem: String? {
        guard minimum.isFinite, maximum.isFinite, minimum <= maximum else {
            return "drive limits need finite minimum ≤ maximum, got \(minimum) … \(maximum)"
        }
        if let step = maxStep, !(step > 0 && step.isFinite) { return "maxStep must be positive, got \(step)" }
        if let power = maxMeanPower, !(power > 0 && power.isFinite) {
            return "maxMeanPower must be positive, got \(power)"
        }
        return nil
    }
}
