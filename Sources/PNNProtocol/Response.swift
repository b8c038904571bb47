import PNNCore

/// pnnd's answer to one request.
public enum Response: Sendable, Equatable {
    case hello(HelloReply)
    case devices([DeviceSummary])
    case description(DeviceInfo)
    case leased(LeaseGrant)
    case released(device: String)
    case ran(RunInfo, output: Tensor<Float>)
    case calibrated(CalibrationInfo, input: Tensor<Float>, parameters: Tensor<Float>, output: Tensor<Float>)
    case status(StatusReport)
    case metrics(String)
    case subscribed
    case failure(ProtocolError)
}
