#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real 2×2 matrix `[[a, b], [c, d]]`; just enough linear algebra for exact zero-order-hold steps.
public struct Matrix2: Sendable, Equatable, Codable {
    public var a, b, c, d: Double

    public init(_ a: Double, _ b: Double, _ c: Double, _ d: Double) {
        (self.a, self.b, self.c, self.d) = (a, b, c, d)
    }

    public static let identity = Matrix2(1, 0, 0, 1)

    public static func * (l: Matrix2, r: Matrix2) -> Matrix2 {
        Matrix2(l.a * r.a + l.b * r.c, l.a * r.b + l.b * r.d, l.c * r.a + l.d * r.c, l.c * r.b + l.d * r.d)
    }
    public static func + (l: Matrix2, r: Matrix2) -> Matrix2 { Matrix2(l.a + r.a, l.b + r.b, l.c + r.c, l.d + r.d) }
    public static func - (l: Matrix2, r: Matrix2) -> Matrix2 { Matrix2(l.a - r.a, l.b - r.b, l.c - r.c, l.d - r.d) }
    public static func * (s: Double, m: Matrix2) -> Matrix2 { Matrix2(s * m.a, s * m.b, s * m.c, s * m.d) }

    public var trace: Double { a + d }
    public var determinant: Double { a * d - b * c }
    public var transposed: Matrix2 { Matrix2(a, c, b, d) }

    /// The inverse, or nil when singular.
    public var inverse: Matrix2? {
        let det = determinant
        guard det != 0, det.isFinite else { return nil }
        return (1 / det) * Matrix2(d, -b, -c, a)
    }

    /// `exp(self · t)` in closed form.
    ///
    /// With μ = tr/2 and N = A − μI, Cayley–Hamilton gives N² = δI (δ = μ² − det), so
    /// exp(At) = e^{μt} [f(t) I + g(t) N] with (f, g) = (cosh st, sinh st / s) for δ = s² > 0,
    /// (cos st, sin st / s) for δ = −s² < 0 and (1, t) for δ = 0.
    public func exponential(_ t: Double) -> Matrix2 {
        let mu = trace / 2
        let n = self - mu * .identity
        let delta = mu * mu - determinant
        let f: Double
        let g: Double
        if delta > 0 {
            let s = delta.squareRoot()
            (f, g) = (cosh(s * t), sinh(s * t) / s)
        } else if delta < 0 {
            let s = (-delta).squareRoot()
            (f, g) = (cos(s * t), sin(s * t) / s)
        } else {
            (f, g) = (1, t)
        }
        return exp(mu * t) * (f * .identity + g * n)
    }

    /// Applies the matrix to a column vector.
    @inline(__always)
    public func apply(_ x: Double, _ y: Double) -> (Double, Double) { (a * x + b * y, c * x + d * y) }
}

/// Exact discretisation of `ṡ = A s + w` for a 2-state linear system whose input `w` is held constant
/// over each step of length `h` (zero-order hold): `s[n+1] = Φ s[n] + Γ w[n]` with `Φ = e^{Ah}` and
/// `Γ = ∫₀ʰ e^{Aτ} dτ = A⁻¹(Φ − I)`.
///
/// Both oscillator models step their linear part with this, so a linear drive is integrated without
/// any discretisation error and the only approximation is holding the nonlinear force for one step.
public struct ZeroOrderHold: Sendable, Equatable, Codable {
    public let phi: Matrix2
    public let gamma: Matrix2

    public init(system: Matrix2, step h: Double) throws(ModelError) {
        guard let inverse = system.inverse else {
            throw ModelError(.invalidConfiguration, "singular system matrix: zero-order hold needs an invertible A")
        }
        phi = system.exponential(h)
        gamma = inverse * (phi - .identity)
    }
}
