import PNNCore
import Testing

@Suite struct TensorTests {
    @Test func initChecksThatScalarsFillTheShape() throws {
        let t = try Tensor<Float>(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t.shape == [2, 3])
        #expect(t.rank == 2)
        #expect(t.count == 6)

        #expect(throws: ShapeError.self) { try Tensor<Float>(shape: [2, 3], scalars: [0, 1, 2]) }
        #expect(throws: ShapeError.self) { try Tensor<Float>(shape: [2, -3], scalars: []) }
    }

    @Test func repeatedRowsAndTheirMeans() {
        let x = Tensor<Float>(uncheckedRows: [1, 2, 3, 4], columns: 2)
        let repeated = x.repeatingEachRow(3)
        #expect(repeated.shape == [6, 2])
        #expect(repeated.scalars == [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
        #expect(x.repeatingEachRow(1) == x)
        #expect(repeated.meanOfConsecutiveRows(3) == x)
        // Summed in Float64, rounded once: the mean of (1, 2^-24, -1) in Float32 would lose the middle
        // term to the first addition.
        let tiny = Tensor<Float>(uncheckedRows: [1, 0x1p-24, -1], columns: 1)
        #expect(tiny.meanOfConsecutiveRows(3).scalars == [Float(0x1p-24 / 3.0)])
        let y = Tensor<Double>(uncheckedRows: [1, 10, 3, 20, 5, 60, 7, 80], columns: 2)
        #expect(y.meanOfConsecutiveRows(2).scalars == [2, 15, 6, 70])
        #expect(Tensor<Double>.zeros([0, 3]).repeatingEachRow(4).shape == [0, 3])
    }

    @Test func rowBlocksRoundTrip() {
        let t = Tensor(uncheckedRows: (0 ..< 12).map(Double.init), columns: 3)
        #expect(t.rows(1 ..< 3).shape == [2, 3] && t.rows(1 ..< 3).scalars == [3, 4, 5, 6, 7, 8])
        #expect(t.rows(0 ..< 4) == t && t.rows(2 ..< 2).shape == [0, 3])
        #expect(Tensor(concatenatingRows: [t.rows(0 ..< 1), t.rows(1 ..< 3), t.rows(3 ..< 4)]) == t)
        #expect(Tensor(concatenatingRows: [t]) == t)
    }

    @Test func shapeErrorNamesTheMismatch() {
        #expect {
            try Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3])
        } throws: { error in
            let message = (error as? ShapeError)?.message ?? ""
            return message.contains("[2, 2]") && message.contains("4") && message.contains("3")
        }
    }

    @Test func scalarAndEmptyShapes() throws {
        let scalar = try Tensor<Double>(shape: [], scalars: [2.5])
        #expect(scalar.rank == 0)
        #expect(scalar.count == 1)
        #expect(scalar[] == 2.5)

        let empty = try Tensor<Double>(shape: [0, 4], scalars: [])
        #expect(empty.count == 0)
        #expect(empty.shape == [0, 4])
    }

    @Test func convenienceInitialisers() {
        let z = Tensor<Float>.zeros([3, 2])
        #expect(z.shape == [3, 2])
        #expect(z.scalars == Array(repeating: 0, count: 6))

        let r = Tensor<Double>(repeating: 1.5, shape: [2])
        #expect(r.scalars == [1.5, 1.5])

        let v = Tensor<Float>([1, 2, 3])
        #expect(v.shape == [3])
        #expect(v.rank == 1)
    }

    @Test func reshapeKeepsRowMajorOrder() throws {
        let t = try Tensor<Float>(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])
        let r = try t.reshaped([3, 2])
        #expect(r.shape == [3, 2])
        #expect(r.scalars == t.scalars)
        #expect(r[2, 1] == 5)
        #expect(r[1, 0] == 2)

        let flat = try t.reshaped([6])
        #expect(flat[4] == 4)
        #expect(throws: ShapeError.self) { try t.reshaped([4, 2]) }
    }

    @Test func subscriptIsRowMajor() throws {
        var t = try Tensor<Double>(shape: [2, 3, 2], scalars: (0 ..< 12).map(Double.init))
        #expect(t[0, 0, 0] == 0)
        #expect(t[0, 0, 1] == 1)
        #expect(t[0, 1, 0] == 2)
        #expect(t[1, 0, 0] == 6)
        #expect(t[1, 2, 1] == 11)

        t[1, 1, 0] = -1
        #expect(t.scalars[8] == -1)
    }

    @Test func rowOfARankTwoTensor() throws {
        let t = try Tensor<Float>(shape: [3, 2], scalars: [0, 1, 2, 3, 4, 5])
        #expect(t.row(0) == [0, 1])
        #expect(t.row(2) == [4, 5])
    }

    @Test func convertedChangesScalarTypeNotShape() throws {
        let d = try Tensor<Double>(shape: [1, 3], scalars: [0.1, -2, 1e300])
        let f = d.converted(to: Float.self)
        #expect(f.shape == [1, 3])
        #expect(f.scalars[0] == Float(0.1))
        #expect(f.scalars[1] == -2)
        #expect(f.scalars[2] == .infinity)  // out of Float range

        let back = f.converted(to: Double.self)
        #expect(back.scalars[0] == Double(Float(0.1)))  // float32 → float64 is exact
        #expect(back.shape == [1, 3])
    }

    @Test func firstNonFiniteIndexFindsNaNAndInfinity() {
        #expect(Tensor<Double>([1, 2, 3]).firstNonFiniteIndex == nil)
        #expect(Tensor<Double>([1, .nan, .infinity]).firstNonFiniteIndex == 1)
        #expect(Tensor<Float>([0, 1, -.infinity]).firstNonFiniteIndex == 2)
        #expect(Tensor<Float>([]).firstNonFiniteIndex == nil)
        // Extremes that are still finite.
        #expect(Tensor<Double>([.greatestFiniteMagnitude, -.leastNonzeroMagnitude, -0.0]).firstNonFiniteIndex == nil)
    }

    @Test func equalityComparesShapeAndScalars() throws {
        let a = try Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = try Tensor<Float>(shape: [4], scalars: [1, 2, 3, 4])
        #expect(a != b)
        #expect(a == (try b.reshaped([2, 2])))
    }

    @Test func descriptionPreviewsAtMostEightElements() {
        let t = Tensor<Double>((0 ..< 10).map(Double.init))
        #expect(t.description.hasPrefix("Tensor[10]["))
        #expect(t.description.hasSuffix(", …]"))
        #expect(Tensor<Double>([1]).description == "Tensor[1][1.0]")
    }
}
