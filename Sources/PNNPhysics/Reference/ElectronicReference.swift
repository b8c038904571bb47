#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A straightforward, single-threaded rendering of `ElectronicModel.forward` for one sample: the
/// test oracle and the speed baseline of `pnn-bench physics` (see `MechanicalReference`).
public enum ElectronicReference {
    public static func forward(configuration c: ElectronicModel.Configuration, x: [Double], theta: [Double]) throws(ModelError) -> [Double] {
        let d = c.drive
        let waveform = theta + x + [Double](repeating: 0, count: d.tailSegments)
        let circuit = try ZeroOrderHold(
            system: Matrix2(0, 1 / c.capacitanceFarads, -1 / c.inductanceHenries, -c.resistanceOhms / c.inductanceHenries),
            step: d.stepSeconds)
        var state = (volts: 0.0, amps: 0.0)
        var scope: [Double] = []
        for u in waveform {
            for _ in 0 ..< d.substeps {
                let t = tanh(state.volts / c.transistorVoltsScale)
                let transistor = c.transistorCurrentAmps * (t + c.transistorAsymmetry * t * t)
                let free = circuit.phi.apply(state.volts, state.amps)
                let forced = circuit.gamma.apply(-transistor / c.capacitanceFarads, u / c.inductanceHenries)
                state = (free.0 + forced.0, free.1 + forced.1)
                scope.append(state.volts)
            }
        }
        return (0 ..< c.outputs).map { m in
            let bin = scope[d.binStart(m, outputs: c.outputs) ..< d.binStart(m + 1, outputs: c.outputs)]
            return c.scopeGain * bin.reduce(0, +) / Double(bin.count)
        }
    }
}
