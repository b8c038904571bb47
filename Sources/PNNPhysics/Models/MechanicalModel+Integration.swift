/// The time-stepping kernel and its discrete adjoint.
extension MechanicalModel {
    /// Scratch memory for one chunk of samples, allocated once per kernel call.
    final class Workspace {
        let modes: Int
        let steps: Int
        let segments: Int
        let drive: UnsafeMutablePointer<Double>      // ũ per segment
        let rawDrive: UnsafeMutablePointer<Double>   // u per segment
        let q: UnsafeMutablePointer<Double>
        let v: UnsafeMutablePointer<Double>
        let storesTrajectory: Bool
        let trajectory: UnsafeMutablePointer<Double> // qₙ at the start of step n, [steps×modes]
        let pressure: UnsafeMutablePointer<Double>   // pₙ, [steps]
        let outputs: UnsafeMutablePointer<Double>
        let lambdaQ: UnsafeMutablePointer<Double>
        let lambdaV: UnsafeMutablePointer<Double>
        let driveBar: UnsafeMutablePointer<Double>
        // Coefficients as flat arrays so the inner loop touches no Swift arrays.
        let phiA, phiB, phiC, phiD, gammaQ, gammaV, cubic, coupling, microphone: UnsafeMutablePointer<Double>

        init(modes: Int, steps: Int, segments: Int, outputs: Int, storeTrajectory: Bool) {
            func buffer(_ n: Int) -> UnsafeMutablePointer<Double> {
                let b = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
                b.initialize(repeating: 0, count: max(n, 1))
                return b
            }
            self.modes = modes
            self.steps = steps
            self.segments = segments
            drive = buffer(segments)
            rawDrive = buffer(segments)
            q = buffer(modes)
            v = buffer(modes)
            storesTrajectory = storeTrajectory
            trajectory = buffer(storeTrajectory ? steps * modes : 0)
            pressure = buffer(storeTrajectory ? steps : 0)
            self.outputs = buffer(outputs)
            lambdaQ = buffer(modes)
            lambdaV = buffer(modes)
            driveBar = buffer(segments)
            (phiA, phiB, phiC, phiD) = (buffer(modes), buffer(modes), buffer(modes), buffer(modes))
            (gammaQ, gammaV, cubic, coupling, microphone) = (buffer(modes), buffer(modes), buffer(modes), buffer(modes), buffer(modes))
        }

        deinit {
            for b in [drive, rawDrive, q, v, trajectory, pressure, outputs, lambdaQ, lambdaV, driveBar,
                      phiA, phiB, phiC, phiD, gammaQ, gammaV, cubic, coupling, microphone] {
                b.deallocate()
            }
        }
    }

    func withWorkspace<R>(storeTrajectory: Bool, _ body: (Workspace) -> R) -> R {
        let d = configuration.drive
        let ws = Workspace(modes: modes, steps: d.steps, segments: d.segments, outputs: shape.outputs,
                           storeTrajectory: storeTrajectory)
        for k in 0 ..< modes {
            ws.phiA[k] = phi[k].a
            ws.phiB[k] = phi[k].b
            ws.phiC[k] = phi[k].c
            ws.phiD[k] = phi[k].d
            ws.gammaQ[k] = gammaQ[k]
            ws.gammaV[k] = gammaV[k]
            ws.cubic[k] = cubic[k]
            ws.coupling[k] = coupling[k]
            ws.microphone[k] = microphone[k]
        }
        return withExtendedLifetime(ws) { body(ws) }
    }

    /// Runs one sample from rest. Writes yₘ into `outputs`; records pₙ into `pressure` when given and
    /// the start-of-step displacements into the workspace trajectory when it was allocated for them.
    func integrate(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>, workspace ws: Workspace,
        pressure: UnsafeMutablePointer<Double>?, outputs: UnsafeMutablePointer<Double>
    ) {
        let d = configuration.drive
        let m = shape.outputs
        let epsilon = configuration.driveDistortion
        for s in 0 ..< d.segments {
            let u = d.segmentValue(s, x: x, theta: theta)
            ws.rawDrive[s] = u
            ws.drive[s] = u + epsilon * u * u
        }
        for k in 0 ..< ws.modes { ws.q[k] = 0; ws.v[k] = 0 }
        for j in 0 ..< m { outputs[j] = 0 }

        let K = ws.modes
        let (q, v) = (ws.q, ws.v)
        let (pa, pb, pc, pd) = (ws.phiA, ws.phiB, ws.phiC, ws.phiD)
        let (gq, gv, cub, cpl, mic) = (ws.gammaQ, ws.gammaV, ws.cubic,
                                       ws.coupling, ws.microphone)
        var n = 0
        for s in 0 ..< d.segments {
            let us = ws.drive[s]
            for _ in 0 ..< d.substeps {
                if ws.storesTrajectory {
                    let row = ws.trajectory + n * K
                    for k in 0 ..< K { row[k] = q[k] }
                }
                var p = 0.0
                for k in 0 ..< K {
                    let qk = q[k], vk = v[k]
                    let f = cpl[k] * us - cub[k] * qk * qk * qk
                    q[k] = pa[k] * qk + pb[k] * vk + gq[k] * f
                    let nv = pc[k] * qk + pd[k] * vk + gv[k] * f
                    v[k] = nv
                    p += mic[k] * nv
                }
                pressure?[n] = p
                if n >= d.windowStart { outputs[binOfStep[n - d.windowStart]] += p * p }
                n += 1
            }
        }
        let gain = configuration.detectorGain
        for j in 0 ..< m {
            outputs[j] *= gain / Double(binLength[j])
        }
    }

    /// Discrete adjoint of `integrate` for one sample whose forward pass just filled the workspace
    /// (trajectory, pressure, drive). Leaves ∂L/∂u per segment in `workspace.driveBar`.
    ///
    /// Forward step n:  sₙ₊₁ = Φ sₙ + Γe₂ (b ũ − ω²γ qₙ³),  pₙ = c·vₙ₊₁,  yₘ = G/Lₘ Σ pₙ².
    /// Adjoint (λₙ = ∂L/∂sₙ):  λₙ₊₁.v += c · 2G ȳₘ pₙ / Lₘ;  f̄ = (Γe₂)·λₙ₊₁;
    /// λₙ = Φᵀλₙ₊₁ − e₁ 3ω²γ qₙ² f̄;  ũ̄_seg += b·f̄;  finally ū = ũ̄ (1 + 2εu).
    func adjoint(
        x: UnsafeBufferPointer<Double>, theta: UnsafeBufferPointer<Double>, yBar: UnsafeBufferPointer<Double>,
        workspace ws: Workspace
    ) {
        let d = configuration.drive
        let K = ws.modes
        let gain = configuration.detectorGain
        let (lq, lv) = (ws.lambdaQ, ws.lambdaV)
        let (pa, pb, pc, pd) = (ws.phiA, ws.phiB, ws.phiC, ws.phiD)
        let (gq, gv, cub, cpl, mic) = (ws.gammaQ, ws.gammaV, ws.cubic,
                                       ws.coupling, ws.microphone)
        let trajectory = ws.trajectory
        for k in 0 ..< K { lq[k] = 0; lv[k] = 0 }
        for s in 0 ..< d.segments { ws.driveBar[s] = 0 }

        var n = d.steps - 1
        for s in stride(from: d.segments - 1, through: 0, by: -1) {
            var uBar = 0.0
            for _ in 0 ..< d.substeps {
                if n >= d.windowStart {
                    let bin = binOfStep[n - d.windowStart]
                    let pBar = 2 * gain * yBar[bin] / Double(binLength[bin]) * ws.pressure[n]
                    for k in 0 ..< K { lv[k] += mic[k] * pBar }
                }
                let row = trajectory + n * K
                for k in 0 ..< K {
                    let a = lq[k], b = lv[k]
                    let fBar = gq[k] * a + gv[k] * b
                    uBar += cpl[k] * fBar
                    let qn = row[k]
                    lq[k] = pa[k] * a + pc[k] * b - 3 * cub[k] * qn * qn * fBar
                    lv[k] = pb[k] * a + pd[k] * b
                }
                n -= 1
            }
            ws.driveBar[s] = uBar * (1 + 2 * configuration.driveDistortion * ws.rawDrive[s])
        }
    }
}
