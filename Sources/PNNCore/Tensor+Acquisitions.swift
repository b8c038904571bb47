/// Repeated acquisitions of a batch: each sample driven `times` times in a row, and the readings of each
/// sample averaged. pnnd does this inside a device for a `run` with `acquisitions`, and the training
/// engine does the same on the client for a backend that cannot; sharing the code keeps the two
/// paths giving the same readings (the same drive order, so the same noise draws, on a simulator).
extension Tensor {
    /// [B×N] → [B·times × N]: row b becomes rows b·times ..< (b+1)·times. Rank-2 only.
    public func repeatingEachRow(_ times: Int) -> Tensor {
        precondition(rank == 2 && times >= 1, "repeatingEachRow needs a matrix and times ≥ 1")
        guard times > 1 else { return self }
        let n = shape[1]
        var rows: [Scalar] = []
        rows.reserveCapacity(scalars.count * times)
        for b in 0 ..< shape[0] {
            let row = scalars[b * n ..< (b + 1) * n]
            for _ in 0 ..< times { rows.append(contentsOf: row) }
        }
        return Tensor(uncheckedRows: rows, columns: n)
    }

    /// [B·size × M] → [B×M]: the mean of each run of `size` consecutive rows, summed in Float64 (so a
    /// Float32 reading loses nothing to the summation before its one final rounding). Rank-2 only, and
    /// the row count must be a multiple of `size`.
    public func meanOfConsecutiveRows(_ size: Int) -> Tensor {
        precondition(rank == 2 && size >= 1 && shape[0] % size == 0,
                     "meanOfConsecutiveRows needs a matrix whose rows are a multiple of size ≥ 1")
        guard size > 1 else { return self }
        let m = shape[1], groups = shape[0] / size
        var sum = [Double](repeating: 0, count: m)
        var mean: [Scalar] = []
        mean.reserveCapacity(groups * m)
        let scale = 1 / Double(size)
        for g in 0 ..< groups {
            for i in 0 ..< m { sum[i] = 0 }
            for a in 0 ..< size {
                let row = (g * size + a) * m
                for i in 0 ..< m { sum[i] += Double(scalars[row + i]) }
            }
            for i in 0 ..< m { mean.append(Scalar(sum[i] * scale)) }
        }
        return Tensor(uncheckedRows: mean, columns: m)
    }
}
