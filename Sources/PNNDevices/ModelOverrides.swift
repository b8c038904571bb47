import PNNPhysics

/// Physics settings a device spec may override, per model, and the model they build.
///
/// Keys are the `Configuration` field names (units in the name or in docs/physics.md); anything not
/// listed keeps the model's default. Whole-number keys (`substeps`, `tailSegments`) must be integral.
public enum ModelOverrides {
    /// The keys `modelOverrides` accepts for `model`, sorted.
    public static func keys(for model: ModelKind) -> [String] {
        switch model {
        case .mechanical:
            ["cubicStiffnessPerSquareMetre", "detectorFullScale", "detectorGain", "segmentSeconds", "substeps",
             "tailSegments"]
        case .electronic:
            ["capacitanceFarads", "inductanceHenries", "resistanceOhms", "scopeFullScaleVolts", "segmentSeconds",
             "substeps", "tailSegments", "transistorCurrentAmps", "transistorVoltsScale"]
        case .shg:
            ["detectorFullScale", "envelopeWidthBins", "groupDelayDispersionFs2", "phaseMatchingBandwidthBins"]
        }
    }

    /// A model of `kind` with `shape`, default physics, and `overrides` applied; `device` names the
    /// device in error messages.
    public static func model(
        _ kind: ModelKind, shape: ModelShape, overrides: [String: Double], device: String
    ) throws(DeviceError) -> any PhysicalModel {
        // Sorted: the first bad key reported is the same on every run.
        let settings = overrides.sorted { $0.key < $1.key }
        let apply = Setter(device: device, kind: kind)
        do {
            switch kind {
            case .mechanical:
                var c = MechanicalModel.Configuration(shape: shape)
                for (key, value) in settings { try apply.mechanical(&c, key, value) }
                return try MechanicalModel(c)
            case .electronic:
                var c = ElectronicModel.Configuration(shape: shape)
                for (key, value) in settings { try apply.electronic(&c, key, value) }
                return try ElectronicModel(c)
            case .shg:
                var c = SHGModel.Configuration(shape: shape)
                for (key, value) in settings { try apply.shg(&c, key, value) }
                return try SHGModel(c)
            }
        } catch let error as DeviceError {
            throw error
        } catch let error as ModelError {
            throw DeviceError(.invalidConfiguration, "\(device): \(error.message)")
        } catch {
            throw DeviceError(.invalidConfiguration, "\(device): \(error)")
        }
    }
}

/// Applies one key to one configuration; the switch per model is the table of keys.
private struct Setter {
    let device: String
    let kind: ModelKind

    func mechanical(_ c: inout MechanicalModel.Configuration, _ key: String, _ value: Double) throws(DeviceError) {
        let value = try finite(key, value)
        switch key {
        case "cubicStiffnessPerSquareMetre": c.cubicStiffnessPerSquareMetre = value
        case "detectorFullScale": c.detectorFullScale = value
        case "detectorGain": c.detectorGain = value
        case "segmentSeconds": c.drive.segmentSeconds = value
        case "substeps": c.drive.substeps = try whole(key, value, atLeast: 1)
        case "tailSegments": c.drive.tailSegments = try whole(key, value, atLeast: 0)
        default: throw unknown(key)
        }
    }

    func electronic(_ c: inout ElectronicModel.Configuration, _ key: String, _ value: Double) throws(DeviceError) {
        let value = try finite(key, value)
        switch key {
        case "capacitanceFarads": c.capacitanceFarads = value
        case "inductanceHenries": c.inductanceHenries = value
        case "resistanceOhms": c.resistanceOhms = value
        case "scopeFullScaleVolts": c.scopeFullScaleVolts = value
        case "segmentSeconds": c.drive.segmentSeconds = value
        case "substeps": c.drive.substeps = try whole(key, value, atLeast: 1)
        case "tailSegments": c.drive.tailSegments = try whole(key, value, atLeast: 0)
        case "transistorCurrentAmps": c.transistorCurrentAmps = value
        case "transistorVoltsScale": c.transistorVoltsScale = value
        default: throw unknown(key)
        }
    }

    func shg(_ c: inout SHGModel.Configuration, _ key: String, _ value: Double) throws(DeviceError) {
        let value = try finite(key, value)
        switch key {
        case "detectorFullScale": c.detectorFullScale = value
        case "envelopeWidthBins": c.envelopeWidthBins = value
        case "groupDelayDispersionFs2": c.groupDelayDispersionFs2 = value
        case "phaseMatchingBandwidthBins": c.phaseMatchingBandwidthBins = value
        default: throw unknown(key)
        }
    }

    private func finite(_ key: String, _ value: Double) throws(DeviceError) -> Double {
        guard value.isFinite else {
            throw DeviceError(.invalidConfiguration, "\(device): model override \(key) must be a finite number, got \(value)")
        }
        return value
    }

    /// Whole numbers up to 10⁶ (a larger substep or tail count is a typo, and would exhaust memory).
    private func whole(_ key: String, _ value: Double, atLeast minimum: Int) throws(DeviceError) -> Int {
        guard value.rounded() == value, value >= Double(minimum), value <= 1e6 else {
            throw DeviceError(.invalidConfiguration,
                              "\(device): model override \(key) must be a whole number from \(minimum) to 1000000, got \(value)")
        }
        return Int(value)
    }

    private func unknown(_ key: String) -> DeviceError {
        DeviceError(.invalidConfiguration,
                    "\(device): unknown model override '\(key)' for \(DeviceKind.simulated(kind).name); known keys: \(ModelOverrides.keys(for: kind).joined(separator: ", "))")
    }
}
