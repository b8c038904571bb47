import CBLAS

/// The few dense kernels the digital layers and the MLP twin need, on OpenBLAS (row-major).
///
/// OpenBLAS spreads large products over the cores itself, so callers pass whole batches.
enum BLAS {
    /// C [m×n] = α·op(A)·op(B) + β·C, op = transpose when the flag is set; all row-major.
    /// `A` is [m×k] (or [k×m] transposed), `B` is [k×n] (or [n×k] transposed).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double = 1,
        _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, beta: Double = 0, _ c: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // BLAS would leave C untouched for k = 0 only when β = 1; make the empty product explicit.
            for i in 0 ..< m * n { c[i] *= beta }
            return
        }
        let lda = transposeA ? m : k
        let ldb = transposeB ? k : n
        cblas_dgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(n))
    }
}
