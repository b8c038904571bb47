extension DeviceSpec {
    /// Longest allowed device name.
    public static let maxNameLength = 64

    /// Checks everything that can be checked without building the model: name, sizes, limits, latency,
    /// override keys, echo constraints. Throws `.invalidConfiguration` naming the device and the field.
    /// (Override *values* are checked by the model when `DeviceRegistry.make` builds it.)
    public func validate() throws(DeviceError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !name.isEmpty, name.count <= Self.maxNameLength, name.allSatisfy(allowed.contains) else {
            throw DeviceError(.invalidConfiguration,
                              "device name '\(name)' must be 1–\(Self.maxNameLength) characters from letters, digits, '-', '_' and '.'")
        }
        guard shape.inputs >= 1, shape.parameters >= 0, shape.outputs >= 1 else {
            throw DeviceError(.invalidConfiguration,
                              "\(name): shape needs N ≥ 1 inputs, P ≥ 0 parameters and M ≥ 1 outputs, got \(shape)")
        }
        if let problem = limits.problem {
            throw DeviceError(.invalidConfiguration, "\(name): \(problem)")
        }
        guard latencySeconds.isFinite, latencySeconds >= 0 else {
            throw DeviceError(.invalidConfiguration, "\(name): latencySeconds must be ≥ 0, got \(latencySeconds)")
        }
        if let failAfter, failAfter < 0 {
            throw DeviceError(.invalidConfiguration, "\(name): failAfter must be ≥ 0, got \(failAfter)")
        }
        switch kind {
        case .simulated(let model):
            let known = Set(ModelOverrides.keys(for: model))
            if let key = modelOverrides.keys.sorted().first(where: { !known.contains($0) }) {
                throw DeviceError(.invalidConfiguration,
                                  "\(name): unknown model override '\(key)' for \(kind.name); known keys: \(ModelOverrides.keys(for: model).joined(separator: ", "))")
            }
        case .echo:
            guard shape.outputs == shape.inputs else {
                throw DeviceError(.invalidConfiguration,
                                  "\(name): an echo device returns its input, so outputs must equal inputs (\(shape.inputs)), got \(shape.outputs)")
            }
            guard modelOverrides.isEmpty else {
                throw DeviceError(.invalidConfiguration,
                                  "\(name): echo devices have no physics model, so no model overrides (got \(modelOverrides.keys.sorted().joined(separator: ", ")))")
            }
            guard gap.isNone else {
                throw DeviceError(.invalidConfiguration, "\(name): echo devices have no reality gap; set gap to \"none\" or leave it out")
            }
        }
    }
}
