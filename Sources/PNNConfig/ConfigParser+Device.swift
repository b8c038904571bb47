import PNNCore
import PNNDevices
import PNNPhysics

extension ConfigParser {
    /// Keys of one `[[device]]`.
    static let deviceKeys = [
        "name", "kind", "inputs", "parameters", "outputs", "gap", "seed", "latency_seconds", "limits", "model",
    ]
    /// Keys of `[device.limits]`.
    static let limitKeys = ["minimum", "maximum", "max_step", "max_mean_power"]
    /// Keys of `[device.gap]`, the `RealityGap` figures.
    static let gapKeys = [
        "parameter_spread", "gain_spread", "unmodelled", "additive_noise", "multiplicative_noise", "drift_per_call",
        "adc_bits", "saturates",
    ]
    /// Largest `inputs`, `parameters` or `outputs` a device may declare.
    static let maxShapeSize = 1 << 16
    /// Device names: what a metrics label and a file name can both carry.
    static let maxNameLength = 32

    /// Reads one `[[device]]`: keys left out take the kind's defaults (`DeviceSpec`).
    static func device(_ table: TableReader) throws(ConfigError) -> DeviceSpec {
        var table = table
        // Name the device in every error once its name is known to be good, unknown keys included.
        if let name = table.value("name")?.string, isValidName(name) { table.context.device = name }
        try table.rejectUnknownKeys(allowed: deviceKeys)

        guard table.contains("name") else { throw table.error("name", "missing; every [[device]] needs a name") }
        let name = try table.string("name") ?? ""
        guard isValidName(name) else {
            throw table.error("name", "must be 1–\(maxNameLength) characters from a–z, 0–9, '_' and '-' (got \"\(name)\")")
        }

        let kindNames = DeviceKind.allCases.map(\.name)
        guard table.contains("kind") else {
            throw table.error("kind", "missing; choose one of \(kindNames.joined(separator: ", "))")
        }
        let kindName = try table.string("kind") ?? ""
        guard let kind = DeviceKind(name: kindName) else {
            throw table.error("kind", "unknown kind \"\(kindName)\"; valid kinds: \(kindNames.joined(separator: ", "))"
                + KeySuggestion.hint(for: kindName, in: kindNames))
        }

        let shape = try shape(table, kind: kind)
        let gap = try gap(table, kind: kind)
        let seed = try table.integer("seed", in: 0 ... Int.max).map { UInt64($0) } ?? 0
        let latency = try table.nonNegativeNumber("latency_seconds") ?? 0
        let limits = try limits(table, kind: kind)
        let overrides = try modelOverrides(table, kind: kind, shape: shape)

        let spec = DeviceSpec(name: name, kind: kind, shape: shape, gap: gap, seed: seed, limits: limits,
                              latencySeconds: latency, modelOverrides: overrides)
        // Everything above should have caught what `validate` checks; this keeps the two in step.
        do {
            try spec.validate()
        } catch {
            throw table.error(nil, withoutDevicePrefix(error.message, name))
        }
        return spec
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxNameLength && name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }

    /// `inputs`, `parameters`, `outputs`, defaulting to `DeviceSpec.defaultShape(for:)`; an echo device's
    /// outputs default to its inputs.
    private static func shape(_ table: TableReader, kind: DeviceKind) throws(ConfigError) -> ModelShape {
        var shape = DeviceSpec.defaultShape(for: kind)
        if let inputs = try table.integer("inputs", in: 1 ... maxShapeSize) { shape.inputs = inputs }
        if let parameters = try table.integer("parameters", in: 0 ... maxShapeSize) { shape.parameters = parameters }
        if let outputs = try table.integer("outputs", in: 1 ... maxShapeSize) {
            shape.outputs = outputs
        } else if kind == .echo {
            shape.outputs = shape.inputs
        }
        if kind == .echo, shape.outputs != shape.inputs {
            throw table.error("outputs", "an echo device returns its input, so outputs must equal inputs (\(shape.inputs)) (got \(shape.outputs))")
        }
        return shape
    }

    /// `gap = "none" | "default"` or a `[device.gap]` table of figures (left-out figures are 0 / off).
    private static func gap(_ table: TableReader, kind: DeviceKind) throws(ConfigError) -> RealityGap {
        guard let value = table.value("gap") else { return DeviceSpec.defaultGap(for: kind) }
        let presets = RealityGap.presets.map(\.name)
        let gap: RealityGap
        if let name = value.string {
            guard let preset = RealityGap(presetName: name) else {
                throw table.error("gap", "must be \(presets.map { "\"\($0)\"" }.joined(separator: " or ")) or a [device.gap] table (got \"\(name)\")"
                    + KeySuggestion.hint(for: name, in: presets))
            }
            gap = preset
        } else if let figures = try? table.table("gap") {
            gap = try customGap(figures)
        } else {
            throw table.error("gap", "must be \(presets.map { "\"\($0)\"" }.joined(separator: " or ")) or a [device.gap] table (got \(TableReader.describe(value)))")
        }
        if kind == .echo, !gap.isNone {
            throw table.error("gap", "echo devices have no reality gap; write gap = \"none\" or leave it out")
        }
        return gap
    }

    private static func customGap(_ table: TableReader) throws(ConfigError) -> RealityGap {
        try table.rejectUnknownKeys(allowed: gapKeys)
        var gap = RealityGap()
        if let v = try table.nonNegativeNumber("parameter_spread") { gap.parameterSpread = v }
        if let v = try table.nonNegativeNumber("gain_spread") { gap.gainSpread = v }
        if let v = try table.nonNegativeNumber("unmodelled") { gap.unmodelled = v }
        if let v = try table.nonNegativeNumber("additive_noise") { gap.additiveNoise = v }
        if let v = try table.nonNegativeNumber("multiplicative_noise") { gap.multiplicativeNoise = v }
        if let v = try table.nonNegativeNumber("drift_per_call") { gap.driftPerCall = v }
        if let bits = try table.integer("adc_bits", in: 2 ... 24) { gap.adcBits = bits }
        if let saturates = try table.bool("saturates") { gap.saturates = saturates }
        do {
            try gap.validate()
        } catch {
            throw table.error(nil, error.message)
        }
        return gap
    }

    /// `[device.limits]`; keys left out keep `DeviceSpec.defaultLimits(for:)`.
    private static func limits(_ device: TableReader, kind: DeviceKind) throws(ConfigError) -> DriveLimits {
        var limits = DeviceSpec.defaultLimits(for: kind)
        guard let table = try device.table("limits") else { return limits }
        try table.rejectUnknownKeys(allowed: limitKeys)
        let minimum = try table.number("minimum")
        if let minimum { limits.minimum = minimum }
        if let maximum = try table.number("maximum", expected: "a number ≥ minimum") {
            guard maximum >= limits.minimum else {
                throw table.error("maximum", "must be a number ≥ minimum (\(limits.minimum)) (got \(maximum))")
            }
            limits.maximum = maximum
        } else if let minimum, minimum > limits.maximum {
            throw table.error("minimum", "must be ≤ maximum, the kind's default \(limits.maximum) (got \(minimum)); set maximum too")
        }
        if let step = try table.positiveNumber("max_step") { limits.maxStep = step }
        if let power = try table.positiveNumber("max_mean_power") { limits.maxMeanPower = power }
        if let problem = limits.problem { throw table.error(nil, problem) }
        return limits
    }

    /// `[device.model]`: physics overrides, checked by building the model with them.
    private static func modelOverrides(
        _ device: TableReader, kind: DeviceKind, shape: ModelShape
    ) throws(ConfigError) -> [String: Double] {
        guard let model = kind.model else {
            if device.contains("model") {
                throw device.error("model", "echo devices have no physics model, so no [device.model] overrides")
            }
            return [:]
        }
        var overrides: [String: Double] = [:]
        if let table = try device.table("model") {
            try table.rejectUnknownKeys(allowed: ModelOverrides.keys(for: model))
            for key in table.table.keys {
                overrides[key] = try table.number(key)
            }
        }
        try checkModel(device, model: model, shape: shape, overrides: overrides)
        return overrides
    }

    /// Builds the model to check the shape fits it and the overrides are physical; a failure is put on
    /// the override that causes it alone, else on the shape (no overrides) or the whole `[device.model]`.
    private static func checkModel(
        _ device: TableReader, model: ModelKind, shape: ModelShape, overrides: [String: Double]
    ) throws(ConfigError) {
        let name = device.context.device ?? ""
        func failure(_ overrides: [String: Double]) -> String? {
            do {
                _ = try ModelOverrides.model(model, shape: shape, overrides: overrides, device: name)
                return nil
            } catch {
                return withoutDevicePrefix(error.message, name)
            }
        }
        if let problem = failure([:]) {
            let key = ["outputs", "parameters", "inputs"].first(where: device.contains)
            throw device.error(key, "shape \(shape) does not fit a \(model.rawValue) model: \(problem)")
        }
        guard !overrides.isEmpty, let problem = failure(overrides) else { return }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            if let alone = failure([key: value]) { throw device.error("model.\(key)", alone) }
        }
        throw device.error("model", problem)
    }

    /// DeviceError messages start with "name: "; the ConfigError names the device already.
    private static func withoutDevicePrefix(_ message: String, _ name: String) -> String {
        message.hasPrefix(name + ": ") ? String(message.dropFirst(name.count + 2)) : message
    }
}
