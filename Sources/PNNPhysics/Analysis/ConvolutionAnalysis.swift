import PNNCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) private func _sin(_ x: Double) -> Double { sin(x) }

/// Shows that the mechanical oscillator is a convolution in its linear regime and that its parameters
/// control the effective kernel once the Duffing nonlinearity is on (Wright et al. 2022, Fig. 2 / SI).
///
/// All signals are raw microphone traces pₙ over the detector window (data + tail), i.e. before the
/// mean-square detector, which is itself nonlinear.
public struct ConvolutionAnalysis: Sendable {
    /// The numbers; `figure` holds the curves behind them.
    public struct Report: Sendable, Codable, Equatable {
        public var model: String
        public var shape: ModelShape
        public var seed: UInt64
        public var sampleRateHz: Double
        /// Drive amplitude of the impulse (one data segment), volts.
        public var impulseAmplitude: Double
        /// ‖p − h∗x‖/‖p‖ for a random drive x, linear plate (Duffing off).
        public var linearConvolutionRelativeError: Double
        /// The same prediction on the nonlinear plate (Duffing on): the convolution picture breaks down.
        public var nonlinearConvolutionRelativeError: Double
        /// How much θ changes the data kernel k, ‖k_θ − k₀‖/‖k₀‖, for several parameter settings.
        public var kernelChanges: [KernelChange]
        /// The largest kernel change with the nonlinearity on (the resonant pump).
        public var nonlinearKernelChangeByTheta: Double { kernelChanges.map(\.nonlinear).max() ?? 0 }
        /// The largest kernel change of the linear plate (≈ 0: there θ only adds its own response).
        public var linearKernelChangeByTheta: Double { kernelChanges.map(\.linear).max() ?? 0 }
    }

    /// Kernel change caused by one parameter setting, on the linear and on the nonlinear plate.
    public struct KernelChange: Sendable, Codable, Equatable {
        /// Which θ: `random` (uniform in [−1, 1]), `constant` (all +1), `resonant` (a unit sine burst
        /// at the lowest mode's frequency, pumping that mode).
        public var theta: String
        public var linear: Double
        public var nonlinear: Double
    }

    public var configuration: MechanicalModel.Configuration
    public var seed: UInt64
    public var impulseAmplitude: Double

    /// Defaults: 64 data segments, 32 parameter segments, 64 ring-down segments, the default plate.
    public init(configuration: MechanicalModel.Configuration? = nil, seed: UInt64 = 5, impulseAmplitude: Double = 0.1) {
        var c = configuration ?? MechanicalModel.Configuration(shape: ModelShape(inputs: 64, parameters: 32, outputs: 32))
        if configuration == nil { c.drive.tailSegments = 64 }
        self.configuration = c
        self.seed = seed
        self.impulseAmplitude = impulseAmplitude
    }

    public func run() throws(ModelError) -> (report: Report, figure: Figure) {
        let nonlinearPlate = try MechanicalModel(configuration)
        let linearPlate = try MechanicalModel(configuration.linear)
        let d = configuration.drive
        var rng = SeededGenerator(seed: seed)
        let zeroTheta = [Double](repeating: 0, count: d.parameters)
        let lowestModeHz = configuration.modeFrequenciesHz.min() ?? 0
        let thetas: [(String, [Double])] = [
            ("random", (0 ..< d.parameters).map { _ in rng.nextUniform(in: -1 ... 1) }),
            ("constant", [Double](repeating: 1, count: d.parameters)),
            ("resonant", (0 ..< d.parameters).map { s in
                _sin(2 * .pi * lowestModeHz * (Double(s) + 0.5) * d.segmentSeconds) }),
        ]
        let drive = (0 ..< d.inputs).map { _ in rng.nextUniform() }
        var impulse = [Double](repeating: 0, count: d.inputs)
        impulse[0] = impulseAmplitude
        let silence = [Double](repeating: 0, count: d.inputs)

        func window(_ model: MechanicalModel, _ x: [Double], _ theta: [Double]) throws(ModelError) -> [Double] {
            Array(try model.microphoneTrace(x: x, theta: theta)[d.windowStart...])
        }
        /// Response to a data impulse at θ, with θ's own response removed.
        func kernel(_ model: MechanicalModel, _ theta: [Double]) throws(ModelError) -> [Double] {
            let withImpulse = try window(model, impulse, theta)
            let without = try window(model, silence, theta)
            return zip(withImpulse, without).map { ($0 - $1) / impulseAmplitude }
        }
        func convolution(_ h: [Double], _ x: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: h.count)
            for (i, xi) in x.enumerated() where xi != 0 {
                let shift = i * d.substeps
                for n in shift ..< h.count { out[n] += xi * h[n - shift] }
            }
            return out
        }

        let linearKernel = try kernel(linearPlate, zeroTheta)
        let linearMeasured = try window(linearPlate, drive, zeroTheta)
        let linearPredicted = convolution(linearKernel, drive)
        let nonlinearKernel = try kernel(nonlinearPlate, zeroTheta)
        let nonlinearMeasured = try window(nonlinearPlate, drive, zeroTheta)
        let nonlinearPredicted = convolution(nonlinearKernel, drive)
        var changes: [KernelChange] = []
        var pumpedKernel = nonlinearKernel
        for (name, theta) in thetas {
            let linear = try kernel(linearPlate, theta)
            let nonlinear = try kernel(nonlinearPlate, theta)
            if name == "resonant" { pumpedKernel = nonlinear }
            changes.append(KernelChange(theta: name, linear: Self.relativeDistance(linear, linearKernel),
                                        nonlinear: Self.relativeDistance(nonlinear, nonlinearKernel)))
        }

        let report = Report(
            model: "mechanical", shape: linearPlate.shape, seed: seed, sampleRateHz: 1 / d.stepSeconds,
            impulseAmplitude: impulseAmplitude,
            linearConvolutionRelativeError: Self.relativeDistance(linearPredicted, linearMeasured),
            nonlinearConvolutionRelativeError: Self.relativeDistance(nonlinearPredicted, nonlinearMeasured),
            kernelChanges: changes)

        let ms = d.stepSeconds * 1e3
        let figure = Figure(panels: [
            LinePlot(title: "Impulse response of the linear plate (data impulse \(impulseAmplitude) V)",
                     xLabel: "time after data start (ms)", yLabel: "microphone (V per V)", xStep: ms,
                     series: [.init(label: "h[n]", values: linearKernel, color: "#1f77b4")]),
            LinePlot(title: "Linear regime: measured response = h ∗ x (rel. error \(Self.short(report.linearConvolutionRelativeError)))",
                     xLabel: "time after data start (ms)", yLabel: "microphone (V)", xStep: ms,
                     series: [.init(label: "measured p", values: linearMeasured, color: "#1f77b4"),
                              .init(label: "h ∗ x", values: linearPredicted, color: "#d62728", dashed: true)]),
            LinePlot(title: "Duffing on: θ changes the data kernel (rel. change \(Self.short(report.nonlinearKernelChangeByTheta)))",
                     xLabel: "time after data start (ms)", yLabel: "kernel (V per V)", xStep: ms,
                     series: [.init(label: "kernel, θ = 0", values: nonlinearKernel, color: "#2ca02c"),
                              .init(label: "kernel, θ = resonant pump", values: pumpedKernel, color: "#9467bd", dashed: true)]),
        ])
        return (report, figure)
    }

    /// ‖a − b‖₂ / ‖b‖₂.
    public static func relativeDistance(_ a: [Double], _ b: [Double]) -> Double {
        var diff = 0.0, norm = 0.0
        for (x, y) in zip(a, b) {
            diff += (x - y) * (x - y)
            norm += y * y
        }
        return norm == 0 ? (diff == 0 ? 0 : .infinity) : (diff / norm).squareRoot()
    }

    private static func short(_ v: Double) -> String {
        if v == 0 { return "0" }
        var exponent = 0
        var m = abs(v)
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        return "\((m * 10).rounded() / 10)e\(exponent)"
    }
}
