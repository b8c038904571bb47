import PNNCore

extension DriveLimits {
    /// The first place x [B×N] and θ [P] break these limits, or nil when the batch may be played.
    ///
    /// Scan order (so "first" is well defined and the same on every machine):
    /// 1. θ[0], θ[1], … — each value: NaN/±Inf, then below `minimum` / above `maximum`;
    /// 2. then every sample b = 0, 1, … in turn:
    ///    a. x[b, 0], x[b, 1], … — NaN/±Inf, then the range;
    ///    b. the sample's drive u (θ then x for `.parametersFirst`, x then θ for `.inputsFirst`):
    ///       the first d with |u[d] − u[d−1]| > `maxStep`;
    ///    c. the mean of u² over the whole drive > `maxMeanPower`.
    ///
    /// Values equal to a limit are allowed. Values and steps are compared at Float32 precision (the
    /// wire's), the mean power (summed in Float64) with a relative tolerance of 10⁻⁶, so a limit written
    /// in a config file accepts the same numbers sent as Float32. The drive is exactly θ and x: the
    /// rest level before and the silent tail after are not part of it. Shapes are checked separately
    /// (`DeviceDescription.checkShapes`); a non-rank-2 input is treated as one sample.
    public func check(input: Tensor<Float>, parameters: Tensor<Float>, order: DriveOrder) -> LimitViolation? {
        let width = input.rank == 2 ? input.shape[1] : input.count
        let batch = input.rank == 2 ? input.shape[0] : (input.count > 0 ? 1 : 0)
        let scan = LimitScan(limits: self, order: order)
        return input.scalars.withUnsafeBufferPointer { x in
            parameters.scalars.withUnsafeBufferPointer { theta in
                // Nearly every batch is fine: one vectorised pass over all values decides whether the
                // per-value scan (which names the first offender) is needed at all.
                let valuesOK = scan.allAllowed(theta) && scan.allAllowed(x)
                if !valuesOK, let v = scan.parameterValues(theta) { return v }
                guard !valuesOK || scan.checksDrive else { return nil }
                for b in 0 ..< batch {
                    let sample = UnsafeBufferPointer(rebasing: x[b * width ..< (b + 1) * width])
                    if !valuesOK, let v = scan.inputValues(sample, sample: b) { return v }
                    if let v = scan.drive(sample, theta, sample: b) { return v }
                }
                return nil
            }
        }
    }
}

/// One `check` call's limits in Float32 and the helpers that scan values and drives.
private struct LimitScan {
    let limits: DriveLimits
    let order: DriveOrder
    let minimum: Float, maximum: Float
    let maxStep: Float?
    /// `maxMeanPower` widened by the relative tolerance: Float32 inputs carry ~10⁻⁷ relative rounding.
    let maxMeanPower: Double?

    init(limits: DriveLimits, order: DriveOrder) {
        self.limits = limits
        self.order = order
        minimum = Float(limits.minimum)
        maximum = Float(limits.maximum)
        maxStep = limits.maxStep.map { Float($0) }
        maxMeanPower = limits.maxMeanPower.map { $0 * (1 + 1e-6) }
    }

    func parameterValues(_ theta: UnsafeBufferPointer<Float>) -> LimitViolation? {
        // Fast path: one range test per value; the slow path works out which rule and says so.
        for j in theta.indices where !allowed(theta[j]) {
            return value(theta[j], named: "parameter \(j)", sample: nil, index: j, which: "parameter")
        }
        return nil
    }

    func inputValues(_ x: UnsafeBufferPointer<Float>, sample b: Int) -> LimitViolation? {
        for i in x.indices where !allowed(x[i]) {
            return value(x[i], named: "input sample \(b) feature \(i)", sample: b, index: i, which: "input")
        }
        return nil
    }

    @inline(__always)
    private func allowed(_ u: Float) -> Bool { u.isFinite && u >= minimum && u <= maximum }

    /// True when step or power limits need the per-sample drive pass.
    var checksDrive: Bool { maxStep != nil || maxMeanPower != nil }

    /// Every value finite and within [minimum, maximum], tested 16 lanes at a time (NaN fails both
    /// comparisons; ±Inf fails one, as the range is finite).
    func allAllowed(_ values: UnsafeBufferPointer<Float>) -> Bool {
        let lanes = 16
        let lo = SIMD16<Float>(repeating: minimum), hi = SIMD16<Float>(repeating: maximum)
        var inside = SIMDMask<SIMD16<Int32>>(repeating: true)
        var i = 0
        if let base = values.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + lanes <= values.count {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                inside .&= (v .>= lo) .& (v .<= hi)
                i += lanes
            }
        }
        guard all(inside) else { return false }
        while i < values.count {
            guard allowed(values[i]) else { return false }
            i += 1
        }
        return true
    }

    /// The rule `u` breaks: NaN/Inf first, then the range.
    private func value(_ u: Float, named: String, sample: Int?, index: Int, which: String) -> LimitViolation? {
        if !u.isFinite {
            let what = u.isNaN ? "NaN" : (u > 0 ? "+Inf" : "-Inf")
            return LimitViolation(message: "\(named) is \(what)", sample: sample, index: index, which: which,
                                  rule: .nonFinite)
        }
        if u > maximum {
            return LimitViolation(message: "\(named) = \(u) exceeds the maximum drive \(limits.maximum)",
                                  sample: sample, index: index, which: which, rule: .aboveMaximum)
        }
        if u < minimum {
            return LimitViolation(message: "\(named) = \(u) is below the minimum drive \(limits.minimum)",
                                  sample: sample, index: index, which: which, rule: .belowMinimum)
        }
        return nil
    }

    /// Slew and power over one sample's drive u, in drive order, in one pass.
    func drive(_ x: UnsafeBufferPointer<Float>, _ theta: UnsafeBufferPointer<Float>, sample b: Int) -> LimitViolation? {
        let length = x.count + theta.count
        guard length > 0, maxStep != nil || maxMeanPower != nil else { return nil }
        // The drive is two contiguous pieces, played one after the other.
        let (first, second) = order == .parametersFirst ? (theta, x) : (x, theta)
        let maxStep = self.maxStep ?? .infinity
        var previous = first.first ?? second[0]
        var sum = 0.0
        var d = 0
        for piece in 0 ..< 2 {
            for u in piece == 0 ? first : second {
                let step = abs(u - previous)
                if step > maxStep {
                    let (which, index) = locate(d, firstCount: first.count)
                    return LimitViolation(
                        message: "step from drive value \(d - 1) to \(d) of sample \(b) is \(step) > maxStep \(limits.maxStep ?? 0) (value \(d) is \(which) \(which == "input" ? "feature " : "")\(index); \(orderPhrase))",
                        sample: b, index: index, which: which, rule: .step)
                }
                sum += Double(u) * Double(u)
                previous = u
                d += 1
            }
        }
        if let maxMeanPower, sum / Double(length) > maxMeanPower {
            // Rare path: find the biggest contributor to name it.
            func u(_ d: Int) -> Float { d < first.count ? first[d] : second[d - first.count] }
            var largest = 0
            for d in 0 ..< length where abs(u(d)) > abs(u(largest)) { largest = d }
            let (which, index) = locate(largest, firstCount: first.count)
            return LimitViolation(
                message: "mean drive power of sample \(b) is \(Float(sum / Double(length))) > maxMeanPower \(limits.maxMeanPower ?? 0) (mean of u² over its \(length) drive values; the largest is \(which) \(which == "input" ? "feature " : "")\(index) = \(u(largest)))",
                sample: b, index: index, which: which, rule: .meanPower)
        }
        return nil
    }

    /// Drive position d → ("input", feature) or ("parameter", j).
    private func locate(_ d: Int, firstCount: Int) -> (which: String, index: Int) {
        switch order {
        case .parametersFirst: d < firstCount ? ("parameter", d) : ("input", d - firstCount)
        case .inputsFirst: d < firstCount ? ("input", d) : ("parameter", d - firstCount)
        }
    }

    private var orderPhrase: String {
        switch order {
        case .parametersFirst: "the drive plays θ, then x"
        case .inputsFirst: "the drive plays x, then θ"
        }
    }
}
