import PNNCore

/// Measured probes for twin fitting: x [S×N], θ [S×P] (one row per probe), y [S×M].
public struct CalibrationData: Sendable {
    public var inputs: Tensor<Double>
    public var parameters: Tensor<Double>
    public var outputs: Tensor<Double>

    public init(inputs: Tensor<Double>, parameters: Tensor<Double>, outputs: Tensor<Double>) throws(TrainingError) {
        guard inputs.rank == 2, parameters.rank == 2, outputs.rank == 2,
              inputs.shape[0] == parameters.shape[0], inputs.shape[0] == outputs.shape[0] else {
            throw TrainingError(.shapeMismatch,
                                "calibration data needs x [S×N], θ [S×P], y [S×M] with the same S, got \(inputs.shape), \(parameters.shape), \(outputs.shape)")
        }
        guard inputs.firstNonFiniteIndex == nil, parameters.firstNonFiniteIndex == nil, outputs.firstNonFiniteIndex == nil else {
            throw TrainingError(.shapeMismatch, "calibration data contains NaN or infinite values")
        }
        self.inputs = inputs
        self.parameters = parameters
        self.outputs = outputs
    }

    public var count: Int { inputs.shape[0] }

    /// Rows in `range`.
    public func rows(_ range: Range<Int>) -> CalibrationData { select(range) }

    /// Rows at `indices`, in that order.
    func select(_ indices: some Collection<Int>) -> CalibrationData {
        func pick(_ t: Tensor<Double>) -> Tensor<Double> {
            let w = t.shape[1]
            var out = [Double]()
            out.reserveCapacity(indices.count * w)
            for i in indices { out.append(contentsOf: t.scalars[i * w ..< (i + 1) * w]) }
            return Tensor(uncheckedRows: out, columns: w)
        }
        return CalibrationData(unchecked: pick(inputs), pick(parameters), pick(outputs))
    }

    init(unchecked x: Tensor<Double>, _ theta: Tensor<Double>, _ y: Tensor<Double>) {
        inputs = x
        parameters = theta
        outputs = y
    }

    /// Runs of consecutive probes sharing one θ (a model call takes a single θ for its batch).
    func groups() -> [Range<Int>] {
        let p = parameters.shape[1]
        var result: [Range<Int>] = []
        var start = 0
        for r in 1 ... max(count, 1) where r == count || parameters.scalars[r * p ..< (r + 1) * p] != parameters.scalars[start * p ..< (start + 1) * p] {
            if start < r { result.append(start ..< r) }
            start = r
        }
        return result
    }
}
