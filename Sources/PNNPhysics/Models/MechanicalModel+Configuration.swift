/// Physical parameters of the plate, coil, microphone and detector.
extension MechanicalModel {
    public struct Configuration: Sendable, Codable, Equatable {
        /// Drive layout: θ segments, x segments, ring-down tail; segment length and steps per segment.
        public var drive: SegmentedDrive
        /// Detector bins M over the data + tail window.
        public var outputs: Int
        /// Mode frequencies fₖ in Hz (ωₖ = 2πfₖ).
        public var modeFrequenciesHz: [Double]
        /// Mode quality factors Qₖ (damping rate ωₖ/Qₖ).
        public var qualityFactors: [Double]
        /// bₖ: modal acceleration per volt of coil drive, in m/s² per V (mode shape at the coil × force
        /// constant / modal mass; its sign is the mode shape's sign at the coil).
        public var driveCouplings: [Double]
        /// cₖ: microphone volts per m/s of modal velocity (mode shape at the microphone × sensitivity).
        public var microphoneWeights: [Double]
        /// γ in 1/m²: Duffing hardening of every mode, restoring force ωₖ²(qₖ + γqₖ³). 0 = linear plate.
        public var cubicStiffnessPerSquareMetre: Double
        /// ε in 1/V: second-order coil/amplifier distortion ũ = u + εu². Not in the nominal model; the
        /// reality gap switches it on as its unmodelled term.
        public var driveDistortion: Double
        /// G: detector output per V² of mean-square microphone signal.
        public var detectorGain: Double
        /// Largest detector reading before the ADC saturates (output units).
        public var detectorFullScale: Double

        /// Size of ε the reality gap adds per unit of `RealityGap.unmodelled`.
        public static let unmodelledDistortion = 0.08

        /// Defaults: an 8-mode titanium plate (112–941 Hz, Q 30–52), 0.5 ms drive segments sampled
        /// four times each (8 kHz microphone rate), 16 ring-down segments, moderate Duffing hardening.
        /// Four steps, not two: the Duffing force is applied explicitly once per step, and at two steps
        /// a resonantly pumped plate gained energy from the scheme itself (a ±0.5 V drive that trained
        /// networks found gave 250 instead of 21 at the detector, and ±1 V gave inf).
        public init(shape: ModelShape) {
            drive = SegmentedDrive(inputs: shape.inputs, parameters: shape.parameters, tailSegments: 16,
                                   substeps: 4, segmentSeconds: 0.5e-3)
            outputs = shape.outputs
            modeFrequenciesHz = [112, 231, 347, 419, 583, 667, 798, 941]
            qualityFactors = [38, 45, 30, 52, 41, 35, 47, 40]
            driveCouplings = [1.0, -0.8, 0.7, 0.9, -0.6, 0.5, -0.7, 0.4].map { $0 * 30 }
            microphoneWeights = [0.9, 0.7, -0.8, 0.5, 0.6, -0.4, 0.5, 0.3].map { $0 * 20 }
            cubicStiffnessPerSquareMetre = 2e6
            driveDistortion = 0
            detectorGain = 1
            detectorFullScale = 10
        }

        /// The same plate with the Duffing term off: its drive → microphone map is linear.
        public var linear: Configuration {
            var c = self
            c.cubicStiffnessPerSquareMetre = 0
            return c
        }

        func validate() throws(ModelError) {
            try drive.validate(outputs: outputs)
            let k = modeFrequenciesHz.count
            guard k >= 1 else { throw ModelError(.invalidConfiguration, "at least one mode is needed") }
            guard qualityFactors.count == k, driveCouplings.count == k, microphoneWeights.count == k else {
                throw ModelError(.invalidConfiguration,
                                 "mode tables differ in length: \(k) frequencies, \(qualityFactors.count) Q factors, \(driveCouplings.count) couplings, \(microphoneWeights.count) microphone weights")
            }
            guard modeFrequenciesHz.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw ModelError(.invalidConfiguration, "mode frequencies must be positive and finite")
            }
            guard qualityFactors.allSatisfy({ $0 > 0.5 && $0.isFinite }) else {
                throw ModelError(.invalidConfiguration, "quality factors must exceed 0.5 (underdamped modes)")
            }
            // Nyquist for the microphone samples, so the recorded trace resolves every mode.
            let sampleRate = 1 / drive.stepSeconds
            if let f = modeFrequenciesHz.first(where: { 2 * $0 >= sampleRate }) {
                throw ModelError(.invalidConfiguration,
                                 "mode at \(f) Hz is above the Nyquist frequency \(sampleRate / 2) Hz of the \(drive.substeps) samples per segment")
            }
            let scalars = driveCouplings + microphoneWeights + [cubicStiffnessPerSquareMetre, driveDistortion, detectorGain]
            guard scalars.allSatisfy(\.isFinite), cubicStiffnessPerSquareMetre >= 0,
                  detectorGain > 0, detectorFullScale > 0 else {
                throw ModelError(.invalidConfiguration, "couplings, gains and stiffness must be finite; γ ≥ 0, G > 0, full scale > 0")
            }
        }
    }
}
