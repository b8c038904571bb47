/// Row blocks of rank-2 tensors (a batch of feature rows): cutting a batch into micro-batches and
/// joining their results again.
extension Tensor {
    /// Rows `range` of a rank-2 tensor.
    public func rows(_ range: Range<Int>) -> Tensor {
        precondition(rank == 2 && range.lowerBound >= 0 && range.upperBound <= shape[0],
                     "rows \(range) of a tensor of shape \(shape)")
        if range.count == shape[0] { return self }
        let width = shape[1]
        return Tensor(uncheckedShape: [range.count, width],
                      scalars: Array(scalars[range.lowerBound * width ..< range.upperBound * width]))
    }

    /// Rank-2 tensors with the same number of columns, stacked in order.
    public init(concatenatingRows parts: [Tensor]) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.rank == 2 && $0.shape[1] == parts[0].shape[1] },
                     "concatenating rows needs rank-2 tensors with equal column counts")
        if parts.count == 1 {
            self = parts[0]
            return
        }
        var out = [Scalar]()
        out.reserveCapacity(parts.reduce(0) { $0 + $1.count })
        for part in parts { out += part.scalars }
        self.init(uncheckedShape: [parts.reduce(0) { $0 + $1.shape[0] }, parts[0].shape[1]], scalars: out)
    }
}
