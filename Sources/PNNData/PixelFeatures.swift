/// Turns unsigned-byte images into feature rows in [0, 1], optionally average-pooled.
///
/// The physical layers take 196 inputs, so 28×28 digits are shrunk 2×2 → 1 by averaging (not by
/// picking every other pixel, which would throw away three quarters of the ink). Both paths write
/// straight into uninitialised storage from unsafe buffers: a 60 000-image set is 47 million
/// pixels, and a per-element append or bounds check would dominate the load time.
enum PixelFeatures {
    /// Byte → value lookup: `Double(b) / 255` exactly, without a division per pixel.
    private static let scale: [Double] = (0 ... 255).map { Double($0) / 255 }

    /// `count` images of `rows × columns` bytes → `count × (rows/factor · columns/factor)` values,
    /// each the mean of a `factor × factor` block divided by 255. `factor` must divide both sides.
    static func features(_ pixels: ArraySlice<UInt8>, count: Int, rows: Int, columns: Int, factor: Int) -> [Double] {
        precondition(factor >= 1 && rows % factor == 0 && columns % factor == 0, "factor \(factor) must divide \(rows)×\(columns)")
        precondition(pixels.count == count * rows * columns, "\(pixels.count) pixels do not fill \(count) images of \(rows)×\(columns)")
        let outRows = rows / factor
        let outColumns = columns / factor
        let total = count * outRows * outColumns
        return pixels.withUnsafeBufferPointer { source in
            scale.withUnsafeBufferPointer { table in
                [Double](unsafeUninitializedCapacity: total) { out, initialized in
                    if factor == 1 {
                        for i in 0 ..< total { out.initializeElement(at: i, to: table[Int(source[i])]) }
                    } else {
                        let divisor = Double(factor * factor * 255)
                        var sums = [Int](repeating: 0, count: outColumns)
                        var o = 0
                        for image in 0 ..< count {
                            let base = image * rows * columns
                            for outRow in 0 ..< outRows {
                                for c in 0 ..< outColumns { sums[c] = 0 }
                                for r in outRow * factor ..< (outRow + 1) * factor {
                                    let rowStart = base + r * columns
                                    for c in 0 ..< outColumns {
                                        var sum = 0
                                        let start = rowStart + c * factor
                                        for k in 0 ..< factor { sum += Int(source[start + k]) }
                                        sums[c] += sum
                                    }
                                }
                                for c in 0 ..< outColumns {
                                    out.initializeElement(at: o, to: Double(sums[c]) / divisor)
                                    o += 1
                                }
                            }
                        }
                    }
                    initialized = total
                }
            }
        }
    }
}
