/// The order in which a device plays one sample's drive: what `maxStep` and `maxMeanPower` see.
public enum DriveOrder: String, Sendable, Codable, Equatable, CaseIterable {
    /// θ, then x: the oscillators play the parameter segments first so the state they leave behind
    /// shapes the response to the data.
    case parametersFirst
    /// x, then θ: the SHG shaper's data bins come before its parameter bins.
    case inputsFirst
}
