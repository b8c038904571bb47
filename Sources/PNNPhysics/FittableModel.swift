/// A model whose physical constants a digital-twin fit may adjust: the quantities a real rig's
/// reality gap moves (resonance frequencies, damping, component values, optical alignment).
///
/// Values are exposed as one flat vector so a fitter can treat every model alike; all entries are
/// positive or centred far from zero, so relative steps are meaningful.
public protocol FittableModel: PhysicalModel {
    /// One name per entry of `fittableParameters` ("f0 [Hz]", "Q0", "L [H]", …).
    var fittableParameterNames: [String] { get }
    var fittableParameters: [Double] { get }
    /// The same model with new values (validated like any configuration).
    func withFittableParameters(_ values: [Double]) throws(ModelError) -> Self
    /// The configuration as a codable value, to store a fitted twin.
    var storedConfiguration: ModelConfiguration { get }
}

/// A model configuration of any kind, for files (fitted twins).
public enum ModelConfiguration: Sendable, Codable, Equatable {
    case mechanical(MechanicalModel.Configuration)
    case electronic(ElectronicModel.Configuration)
    case shg(SHGModel.Configuration)

    public func makeModel() throws(ModelError) -> any FittableModel {
        switch self {
        case .mechanical(let c): try MechanicalModel(c)
        case .electronic(let c): try ElectronicModel(c)
        case .shg(let c): try SHGModel(c)
        }
    }
}

extension FittableModel {
    func checkCount(_ values: [Double]) throws(ModelError) {
        guard values.count == fittableParameters.count, values.allSatisfy(\.isFinite) else {
            throw ModelError(.invalidConfiguration,
                             "\(kind) takes \(fittableParameters.count) finite fittable parameters, got \(values.count)")
        }
    }
}

extension MechanicalModel: FittableModel {
    /// Mode frequencies, quality factors and drive couplings per mode, then the Duffing coefficient.
    public var fittableParameterNames: [String] {
        let k = configuration.modeFrequenciesHz.count
        return (0 ..< k).map { "f\($0) [Hz]" } + (0 ..< k).map { "Q\($0)" } + (0 ..< k).map { "b\($0) [m/s²/V]" }
            + ["γ [1/m²]"]
    }

    public var fittableParameters: [Double] {
        configuration.modeFrequenciesHz + configuration.qualityFactors + configuration.driveCouplings
            + [configuration.cubicStiffnessPerSquareMetre]
    }

    public func withFittableParameters(_ values: [Double]) throws(ModelError) -> MechanicalModel {
        try checkCount(values)
        let k = configuration.modeFrequenciesHz.count
        var c = configuration
        c.modeFrequenciesHz = Array(values[0 ..< k])
        c.qualityFactors = Array(values[k ..< 2 * k])
        c.driveCouplings = Array(values[2 * k ..< 3 * k])
        c.cubicStiffnessPerSquareMetre = values[3 * k]
        return try MechanicalModel(c)
    }

    public var storedConfiguration: ModelConfiguration { .mechanical(configuration) }
}

extension ElectronicModel: FittableModel {
    public var fittableParameterNames: [String] {
        ["L [H]", "C [F]", "R [Ω]", "I₀ [A]", "V_s [V]", "scope gain"]
    }

    public var fittableParameters: [Double] {
        let c = configuration
        return [c.inductanceHenries, c.capacitanceFarads, c.resistanceOhms, c.transistorCurrentAmps,
                c.transistorVoltsScale, c.scopeGain]
    }

    public func withFittableParameters(_ values: [Double]) throws(ModelError) -> ElectronicModel {
        try checkCount(values)
        var c = configuration
        (c.inductanceHenries, c.capacitanceFarads, c.resistanceOhms) = (values[0], values[1], values[2])
        (c.transistorCurrentAmps, c.transistorVoltsScale, c.scopeGain) = (values[3], values[4], values[5])
        return try ElectronicModel(c)
    }

    public var storedConfiguration: ModelConfiguration { .electronic(configuration) }
}

extension SHGModel: FittableModel {
    public var fittableParameterNames: [String] {
        ["envelope centre [bin]", "envelope width [bins]", "GDD [fs²]", "phase-matching centre [SH bin]",
         "phase-matching bandwidth [SH bins]", "detector gain"]
    }

    public var fittableParameters: [Double] {
        let c = configuration
        return [c.envelopeCentreBin, c.envelopeWidthBins, c.groupDelayDispersionFs2, c.phaseMatchingCentreBin,
                c.phaseMatchingBandwidthBins, c.detectorGain]
    }

    public func withFittableParameters(_ values: [Double]) throws(ModelError) -> SHGModel {
        try checkCount(values)
        var c = configuration
        (c.envelopeCentreBin, c.envelopeWidthBins, c.groupDelayDispersionFs2) = (values[0], values[1], values[2])
        (c.phaseMatchingCentreBin, c.phaseMatchingBandwidthBins, c.detectorGain) = (values[3], values[4], values[5])
        return try SHGModel(c)
    }

    public var storedConfiguration: ModelConfiguration { .shg(configuration) }
}
