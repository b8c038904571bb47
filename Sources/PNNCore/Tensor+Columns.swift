/// Column blocks of rank-2 tensors (a batch of feature rows): cutting a layer's input into the
/// channels of a wider layer and joining their outputs again.
extension Tensor {
    /// Columns `range` of every row of a rank-2 tensor.
    public func columns(_ range: Range<Int>) -> Tensor {
        precondition(rank == 2 && range.lowerBound >= 0 && range.upperBound <= shape[1],
                     "columns \(range) of a tensor of shape \(shape)")
        let (rows, width, part) = (shape[0], shape[1], range.count)
        if part == width { return self }
        var out = [Scalar]()
        out.reserveCapacity(rows * part)
        for r in 0 ..< rows { out += scalars[r * width + range.lowerBound ..< r * width + range.upperBound] }
        return Tensor(uncheckedShape: [rows, part], scalars: out)
    }

    /// Rank-2 tensors with the same number of rows, laid side by side.
    public init(concatenatingColumns parts: [Tensor]) {
        precondition(!parts.isEmpty && parts.allSatisfy { $0.rank == 2 && $0.shape[0] == parts[0].shape[0] },
                     "concatenating columns needs rank-2 tensors with equal row counts")
        if parts.count == 1 {
            self = parts[0]
            return
        }
        let rows = parts[0].shape[0], width = parts.reduce(0) { $0 + $1.shape[1] }
        var out = [Scalar]()
        out.reserveCapacity(rows * width)
        for r in 0 ..< rows {
            for part in parts {
                let w = part.shape[1]
                out += part.scalars[r * w ..< (r + 1) * w]
            }
        }
        self.init(uncheckedShape: [rows, width], scalars: out)
    }
}
