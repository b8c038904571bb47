/// The time-stepping kernel and its discrete adjoint.
extension ElectronicModel {
    /// One sample from rest: fills `outputs` [M] and, when given, `voltages` [steps + 1] with Vₙ.
    ///
    /// Step n:  (V, I)ₙ₊₁ = Φ (V, I)ₙ + Γ (−I_T(Vₙ)/C, uₙ/L).
    func run(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>,
        voltages: UnsafeMutableBufferPointer<Double>?, outputs: UnsafeMutableBufferPointer<Double>
    ) {
        let d = configuration.drive
        let m = outputs.count
        let (phi, gamma) = (hold.phi, hold.gamma)
        let inverseC = 1 / configuration.capacitanceFarads
        let inverseL = 1 / configuration.inductanceHenries
        for j in 0 ..< m { outputs[j] = 0 }
        var volts = 0.0
        var amps = 0.0
        voltages?[0] = 0
        var n = 0
        for s in 0 ..< d.segments {
            let drive = d.segmentValue(s, x: x, theta: theta) * inverseL
            for _ in 0 ..< d.substeps {
                let shunt = -transistor(volts).current * inverseC
                let v = phi.a * volts + phi.b * amps + gamma.a * shunt + gamma.b * drive
                amps = phi.c * volts + phi.d * amps + gamma.c * shunt + gamma.d * drive
                volts = v
                voltages?[n + 1] = v
                if n >= d.windowStart { outputs[binOfStep[n - d.windowStart]] += v }
                n += 1
            }
        }
        let gain = configuration.scopeGain
        for j in 0 ..< m {
            outputs[j] *= gain / Double(binLength[j])
        }
    }

    /// Discrete adjoint of `run` along a recorded trajectory; writes ∂L/∂u per segment.
    ///
    /// With λₙ = ∂L/∂(V, I)ₙ:  λₙ₊₁.V += G ȳₘ / Lₘ (step n in bin m);  w̄ = Γᵀλₙ₊₁;
    /// λₙ = Φᵀλₙ₊₁ − e₁ I_T′(Vₙ)/C · w̄₁;  ū_seg += w̄₂ / L.
    func adjoint(
        voltages: UnsafeBufferPointer<Double>, yBar: UnsafeBufferPointer<Double>,
        segmentBar: UnsafeMutableBufferPointer<Double>
    ) {
        let d = configuration.drive
        let (phi, gamma) = (hold.phi, hold.gamma)
        let inverseC = 1 / configuration.capacitanceFarads
        let inverseL = 1 / configuration.inductanceHenries
        let gain = configuration.scopeGain
        var lambdaV = 0.0
        var lambdaI = 0.0
        var n = d.steps - 1
        for s in stride(from: d.segments - 1, through: 0, by: -1) {
            var driveBar = 0.0
            for _ in 0 ..< d.substeps {
                if n >= d.windowStart {
                    let bin = binOfStep[n - d.windowStart]
                    lambdaV += gain * yBar[bin] / Double(binLength[bin])
                }
                let shuntBar = gamma.a * lambdaV + gamma.c * lambdaI
                driveBar += gamma.b * lambdaV + gamma.d * lambdaI
                let slope = transistor(voltages[n]).slope
                let v = phi.a * lambdaV + phi.c * lambdaI - slope * inverseC * shuntBar
                lambdaI = phi.b * lambdaV + phi.d * lambdaI
                lambdaV = v
                n -= 1
            }
            segmentBar[s] = driveBar * inverseL
        }
    }
}
