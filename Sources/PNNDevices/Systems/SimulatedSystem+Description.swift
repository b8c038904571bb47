import PNNCore
import PNNPhysics

extension DeviceDescription {
    /// Typical time per sample of the simulated SHG rig: one LC-SLM refresh plus a spectrometer
    /// exposure. Nominal only — the SHG model has no time axis.
    static let shgSecondsPerSample = 0.02

    /// What a simulated device says about itself, read off its model's configuration.
    static func simulated(name: String, model: any PhysicalModel, gap: RealityGap, limits: DriveLimits) -> DeviceDescription {
        let kind = DeviceKind.simulated(model.kind)
        let (n, p, m) = (model.shape.inputs, model.shape.parameters, model.shape.outputs)
        let simulated = "simulated, " + (gap.isNone ? "no" : gap.presetName) + " reality gap"
        var summary = "\(model.kind) model (\(simulated))"
        var notes = ["x [B×\(n)], θ [\(p)], y [B×\(m)] in the model's units"]
        var secondsPerSample: Double?

        if let c = (model as? MechanicalModel)?.configuration {
            let segment = Text.seconds(c.drive.segmentSeconds)
            let total = Double(c.drive.segments) * c.drive.segmentSeconds
            let hz = c.modeFrequenciesHz
            summary = "\(hz.count)-mode plate, voice coil in, microphone out (\(simulated))"
            notes = [
                "x [B×\(n)]: voice-coil drive in volts, one \(segment) segment per feature, played after θ",
                "θ [\(p)]: voice-coil drive in volts, one \(segment) segment per parameter, played first",
                "y [B×\(m)]: detector reading (mean-square microphone signal, V²) per bin, 0 … \(Text.number(c.detectorFullScale)) full scale",
                "one sample plays \(p) + \(n) + \(c.drive.tailSegments) ring-down segments = \(Text.seconds(total)); plate modes \(Text.number(hz.min() ?? 0)) … \(Text.number(hz.max() ?? 0)) Hz",
            ]
            secondsPerSample = total
        } else if let c = (model as? ElectronicModel)?.configuration {
            let segment = Text.seconds(c.drive.segmentSeconds)
            let total = Double(c.drive.segments) * c.drive.segmentSeconds
            let resonanceHz = 1 / (2 * Double.pi * (c.inductanceHenries * c.capacitanceFarads).squareRoot())
            summary = "\(Text.number(resonanceHz / 1000)) kHz RLC oscillator with a saturating transistor, AWG in, oscilloscope out (\(simulated))"
            notes = [
                "x [B×\(n)]: AWG drive in volts, one \(segment) segment per feature, played after θ",
                "θ [\(p)]: AWG drive in volts, one \(segment) segment per parameter, played first",
                "y [B×\(m)]: oscilloscope volts averaged per bin, range ±\(Text.number(c.scopeFullScaleVolts)) V",
                "one sample plays \(p) + \(n) + \(c.drive.tailSegments) ring-down segments = \(Text.seconds(total))",
            ]
            secondsPerSample = total
        } else if let c = (model as? SHGModel)?.configuration {
            let k = c.bins
            summary = "pulse shaper → χ² crystal → spectrometer, \(k) shaper bins, \(m) pixels (\(simulated))"
            var theta = c.parameterBins == 0
                ? "θ: no amplitude parameters"
                : "θ [\(c.parameterBins)]: amplitude transmission 0 … 1 of shaper bins \(n) … \(k - 1)"
            if c.trainablePhases { theta += ", then \(k) spectral phases in rad (θ [\(p)])" }
            notes = [
                "x [B×\(n)]: amplitude transmission 0 … 1 of shaper bins 0 … \(n - 1)",
                theta,
                "y [B×\(m)]: second-harmonic spectrometer pixels in kilocounts, 0 … \(Text.number(c.detectorFullScale)) full scale",
                "shaper window \(Text.number(c.binWidthTerahertz * Double(k))) THz around 800 nm; ≈ \(Text.seconds(shgSecondsPerSample)) per sample (SLM refresh + exposure, nominal)",
            ]
            secondsPerSample = shgSecondsPerSample
        }

        return DeviceDescription(
            name: name, kind: kind.name, model: model.kind, inputs: n, parameters: p, outputs: m,
            limits: limits, driveOrder: kind.driveOrder, secondsPerSample: secondsPerSample,
            gap: gap.presetName, summary: summary, notes: notes)
    }
}

/// Numbers for people: three significant digits, no trailing ".0".
private enum Text {
    static func number(_ value: Double) -> String {
        guard value.isFinite, value != 0 else { return "\(value)" }
        var places = 0
        var scaled = abs(value)
        while scaled < 100, places < 12 {
            scaled *= 10
            places += 1
        }
        var factor = 1.0
        for _ in 0 ..< places { factor *= 10 }
        let rounded = (value * factor).rounded() / factor
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? "\(Int(rounded))" : "\(rounded)"
    }

    static func seconds(_ value: Double) -> String {
        if value >= 1 { return "\(number(value)) s" }
        if value >= 1e-4 { return "\(number(value * 1e3)) ms" }
        return "\(number(value * 1e6)) µs"
    }
}
