#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A straightforward, single-threaded rendering of `MechanicalModel.forward` for one sample.
///
/// Written for obviousness, not speed: Swift arrays, the drive built as one array, every mode stepped
/// through `Matrix2`, bins averaged with explicit ranges. It is the test oracle for the optimised kernel
/// and the baseline `pnn-bench physics` reports its speed against.
public enum MechanicalReference {
    public static func forward(configuration c: MechanicalModel.Configuration, x: [Double], theta: [Double]) throws(ModelError) -> [Double] {
        let d = c.drive
        let drive = theta + x + [Double](repeating: 0, count: d.tailSegments)
        var steppers: [ZeroOrderHold] = []
        for k in c.modeFrequenciesHz.indices {
            let omega = 2 * Double.pi * c.modeFrequenciesHz[k]
            steppers.append(try ZeroOrderHold(system: Matrix2(0, 1, -omega * omega, -omega / c.qualityFactors[k]),
                                              step: d.stepSeconds))
        }
        var displacement = [Double](repeating: 0, count: steppers.count)
        var velocity = [Double](repeating: 0, count: steppers.count)
        var pressure: [Double] = []
        for u in drive {
            let coil = u + c.driveDistortion * u * u
            for _ in 0 ..< d.substeps {
                for k in steppers.indices {
                    let omega = 2 * Double.pi * c.modeFrequenciesHz[k]
                    let force = c.driveCouplings[k] * coil
                        - omega * omega * c.cubicStiffnessPerSquareMetre * pow(displacement[k], 3)
                    let free = steppers[k].phi.apply(displacement[k], velocity[k])
                    let forced = steppers[k].gamma.apply(0, force)
                    displacement[k] = free.0 + forced.0
                    velocity[k] = free.1 + forced.1
                }
                pressure.append(zip(c.microphoneWeights, velocity).map { $0 * $1 }.reduce(0, +))
            }
        }
        return (0 ..< c.outputs).map { m in
            let bin = pressure[d.binStart(m, outputs: c.outputs) ..< d.binStart(m + 1, outputs: c.outputs)]
            return c.detectorGain * bin.map { $0 * $0 }.reduce(0, +) / Double(bin.count)
        }
    }
}
