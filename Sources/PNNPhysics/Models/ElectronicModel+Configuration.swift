/// Component values of the circuit, the AWG and the scope.
extension ElectronicModel {
    public struct Configuration: Sendable, Codable, Equatable {
        /// AWG waveform layout: θ segments, x segments, ring-down tail; segment length, scope samples per segment.
        public var drive: SegmentedDrive
        /// Scope bins M over the data + tail window.
        public var outputs: Int
        /// L in henries.
        public var inductanceHenries: Double
        /// C in farads.
        public var capacitanceFarads: Double
        /// Series R in ohms (inductor copper + sense resistor).
        public var resistanceOhms: Double
        /// I₀: transistor saturation current in amperes.
        public var transistorCurrentAmps: Double
        /// V_s: voltage scale of the transistor's tanh characteristic, in volts.
        public var transistorVoltsScale: Double
        /// η: even-order asymmetry of the transistor (dimensionless). 0 in the nominal model.
        public var transistorAsymmetry: Double
        /// G: scope gain, output volts per capacitor volt (probe attenuation × channel gain).
        public var scopeGain: Double
        /// Scope input range ±full scale, volts.
        public var scopeFullScaleVolts: Double

        /// Size of η the reality gap adds per unit of `RealityGap.unmodelled`.
        public static let unmodelledAsymmetry = 0.15

        /// Defaults: L = 1 mH, C = 100 nF, R = 10 Ω (f₀ = 15.9 kHz, Q = 10 without the transistor),
        /// I₀ = 2 mA, V_s = 0.5 V (small-signal shunt 250 Ω: Q ≈ 2 until the transistor saturates),
        /// 20 µs AWG segments (50 kS/s) sampled twice by the scope, 16 ring-down segments.
        public init(shape: ModelShape) {
            drive = SegmentedDrive(inputs: shape.inputs, parameters: shape.parameters, tailSegments: 16,
                                   substeps: 2, segmentSeconds: 20e-6)
            outputs = shape.outputs
            inductanceHenries = 1e-3
            capacitanceFarads = 100e-9
            resistanceOhms = 10
            transistorCurrentAmps = 2e-3
            transistorVoltsScale = 0.5
            transistorAsymmetry = 0
            scopeGain = 1
            scopeFullScaleVolts = 5
        }

        func validate() throws(ModelError) {
            try drive.validate(outputs: outputs)
            let positive = [inductanceHenries, capacitanceFarads, resistanceOhms, transistorVoltsScale, scopeGain,
                            scopeFullScaleVolts]
            guard positive.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw ModelError(.invalidConfiguration, "L, C, R, V_s, scope gain and full scale must be positive and finite")
            }
            guard transistorCurrentAmps >= 0, transistorCurrentAmps.isFinite, transistorAsymmetry.isFinite,
                  abs(transistorAsymmetry) < 1 else {
                throw ModelError(.invalidConfiguration, "I₀ must be ≥ 0 and |η| < 1")
            }
            let resonanceHz = 1 / (2 * Double.pi * (inductanceHenries * capacitanceFarads).squareRoot())
            let sampleRate = 1 / drive.stepSeconds
            guard 2 * resonanceHz < sampleRate else {
                throw ModelError(.invalidConfiguration,
                                 "resonance \(resonanceHz) Hz is above the scope's Nyquist frequency \(sampleRate / 2) Hz")
            }
        }
    }
}
