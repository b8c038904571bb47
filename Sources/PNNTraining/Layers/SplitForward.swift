import PNNCore

/// The forward pass of a physical layer — one channel, or the channels of a `Parallel` on one
/// device — in two halves: `begin` checks and clamps the drive and submits it, `end` takes the
/// readings. In between, the device measures and the caller is free: `Network` uses that to keep the
/// device busy with one micro-batch while it carries another through the digital layers.
///
/// `PhysicalLayer.forward` and `Parallel.forward` are `begin` followed by `end`, so the split and the
/// whole forward send the same batches and read the same values.
struct SplitForward: Sendable {
    /// On one backend, averaging as many acquisitions (`Parallel.sharedDeviceChannels`).
    let channels: [PhysicalLayer]

    var backend: any PhysicalBackend { channels[0].backend }
    /// Batches one forward submits (one per channel).
    var batchesPerForward: Int { channels.count }

    /// A forward whose readings `end` has not taken yet.
    struct Pending: Sendable {
        let measurement: PendingMeasurement
        let batch: Int
    }

    private var name: String { channels.map(\.name).joined(separator: "+") }

    func begin(_ x: Tensor<Double>, parameters p: [Double]) async throws(TrainingError) -> Pending {
        let inputs = channels.reduce(0) { $0 + $1.inputCount }
        let parameters = channels.reduce(0) { $0 + $1.parameterCount }
        guard x.rank == 2, x.shape[1] == inputs else {
            throw TrainingError(.shapeMismatch, "\(name) expects input [B×\(inputs)], got \(x.shape)")
        }
        guard p.count == parameters else {
            throw TrainingError(.shapeMismatch, "\(name) expects \(parameters) parameters, got \(p.count)")
        }
        var batches: [(x: Tensor<Double>, theta: [Double])] = []
        var column = 0, offset = 0
        for channel in channels {
            batches.append((channel.clamped(x.columns(column ..< column + channel.inputCount)),
                            Array(p[offset ..< offset + channel.parameterCount])))
            column += channel.inputCount
            offset += channel.parameterCount
        }
        let measurement = try await backend.submit(batches: batches, acquisitions: channels[0].acquisitions)
        return Pending(measurement: measurement, batch: x.shape[0])
    }

    func end(_ pending: Pending) async throws(TrainingError) -> Tensor<Double> {
        let readings = try await backend.collect(pending.measurement)
        guard readings.count == channels.count else {
            throw TrainingError(.device, "\(backend.label) returned \(readings.count) readings for \(channels.count) batches")
        }
        var outputs: [Tensor<Double>] = []
        for (k, channel) in channels.enumerated() {
            outputs.append(try channel.checkReading(readings[k], batch: pending.batch))
        }
        return Tensor(concatenatingColumns: outputs)
    }
}
