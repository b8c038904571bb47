import Logging
import PNNCore
import PNNPhysics

/// A logger that drops everything: the systems under test take one from the caller.
let quietLogger = Logger(label: "pnn.devices.test") { _ in SwiftLogNoOpLogHandler() }

/// x [rows×columns] from literal rows.
func batch(_ rows: [[Float]]) -> Tensor<Float> {
    Tensor(uncheckedRows: rows.flatMap { $0 }, columns: rows.first?.count ?? 1)
}

/// A reproducible point (x [B×N], θ [P]) with x and θ uniform in `range` (inside every default limit
/// when the range is 0 … 1).
func point(_ shape: ModelShape, batch: Int, seed: UInt64, range: ClosedRange<Double> = 0 ... 1)
    -> (input: Tensor<Float>, parameters: Tensor<Float>)
{
    var rng = SeededGenerator(seed: seed)
    let x = (0 ..< batch * shape.inputs).map { _ in Float(rng.nextUniform(in: range)) }
    let theta = (0 ..< shape.parameters).map { _ in Float(rng.nextUniform(in: range)) }
    return (Tensor(uncheckedRows: x, columns: shape.inputs), Tensor(theta))
}
