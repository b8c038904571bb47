/// How the physical layers' forward and backward passes are obtained while training.
public enum TrainingMode: String, Sendable, Codable, CaseIterable {
    /// Physics-aware training: forward measured on the device, backward through the twin's VJP at the
    /// inputs and parameters that were sent.
    case pat
    /// Train against the twin alone (forward and backward on the twin), then evaluate on the device.
    case insilico
    /// The upper bound: the device with its reality gap switched off and its exact model as twin.
    case ideal
    /// Digital-only baseline: every physical layer replaced by the identity (wiring kept), trained the
    /// same way. A PNN that does not beat this is not a result.
    case baseline
}
