/// A dense, row-major (C order) tensor with value semantics.
///
/// Deliberately small: shape bookkeeping, element access and conversions. Numerical kernels work on
/// `scalars` directly through buffer pointers, which keeps hot loops free of bounds checks and ARC.
public struct Tensor<Scalar: TensorScalar>: Sendable, Equatable {
    /// Extent of each dimension; `[]` is a scalar.
    public private(set) var shape: [Int]
    /// Elements in row-major order; `scalars.count == shape.reduce(1, *)`.
    public var scalars: [Scalar]

    /// Creates a tensor, checking that `scalars` fills `shape` exactly.
    public init(shape: [Int], scalars: [Scalar]) throws(ShapeError) {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ShapeError("negative dimension in shape \(shape)")
        }
        guard let count = Self.elementCount(of: shape) else {
            throw ShapeError("shape \(shape) has more elements than can be addressed, got \(scalars.count)")
        }
        guard count == scalars.count else {
            throw ShapeError("shape \(shape) needs \(count) elements, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// The product of `shape`'s (non-negative) extents; nil when it overflows `Int`. Shapes that come from
    /// outside (files, the wire) are sized with this, so that a hostile one is an error, not a trap.
    public static func elementCount(of shape: [Int]) -> Int? {
        if shape.contains(0) { return 0 }  // however large the other extents: nothing to hold
        var count = 1
        for extent in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            count = product
        }
        return count
    }

    /// A tensor filled with `value`.
    @inlinable
    public init(repeating value: Scalar, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        self.init(uncheckedShape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// A zero tensor.
    @inlinable
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A one-dimensional tensor holding `values`.
    public init(_ values: [Scalar]) {
        self.shape = [values.count]
        self.scalars = values
    }

    /// A rank-2 tensor of shape [1×count]: one sample of a batch.
    public init(rowVector values: [Scalar]) {
        self.shape = [1, values.count]
        self.scalars = values
    }

    /// A rank-2 tensor [count/columns × columns] from row-major values (`values.count` must divide).
    public init(uncheckedRows values: [Scalar], columns: Int) {
        precondition(columns > 0 && values.count % columns == 0, "\(values.count) values do not fill rows of \(columns)")
        self.shape = [values.count / columns, columns]
        self.scalars = values
    }

    /// Number of dimensions.
    public var rank: Int { shape.count }
    /// Total number of elements.
    public var count: Int { scalars.count }

    /// Same elements, new shape of the same element count.
    public func reshaped(_ newShape: [Int]) throws(ShapeError) -> Tensor {
        try Tensor(shape: newShape, scalars: scalars)
    }

    /// Element at a multi-index (bounds-checked; for tests and small tools, not kernels).
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    private func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count, "index rank \(index.count) ≠ tensor rank \(shape.count)")
        var offset = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) out of bounds for shape \(shape)")
            offset = offset * extent + i
        }
        return offset
    }

    /// Row `i` of a rank-2 tensor.
    public func row(_ i: Int) -> [Scalar] {
        precondition(rank == 2, "row(_:) needs a rank-2 tensor, shape is \(shape)")
        let width = shape[1]
        return Array(scalars[i * width ..< (i + 1) * width])
    }

    /// Element-wise conversion to another scalar type.
    @inlinable
    public func converted<Other: TensorScalar>(to _: Other.Type = Other.self) -> Tensor<Other> {
        Tensor<Other>(uncheckedShape: shape, scalars: scalars.map { Other($0) })
    }

    /// Index of the first NaN or infinite element, if any.
    @inlinable
    public var firstNonFiniteIndex: Int? { scalars.firstIndex { !$0.isFinite } }

    @usableFromInline
    init(uncheckedShape shape: [Int], scalars: [Scalar]) {
        self.shape = shape
        self.scalars = scalars
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(shape)[\(preview)\(scalars.count > 8 ? ", …" : "")]"
    }
}
