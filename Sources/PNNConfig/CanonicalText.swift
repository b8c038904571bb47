/// A deterministic text form of a value, for hashing: every stored property by label, dictionaries and
/// sets sorted, so the same value gives the same text in every run and every process.
///
/// Built on `Mirror`, so fields added to `DeviceSpec` or `ServerSettings` later are covered without
/// touching this file. Leaves are written with `String(reflecting:)` (strings quoted and escaped,
/// doubles in their shortest round-trip form).
enum CanonicalText {
    static func of(_ value: Any) -> String {
        var text = ""
        write(value, to: &text)
        return text
    }

    private static func write(_ value: Any, to text: inout String) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            if let wrapped = mirror.children.first { write(wrapped.value, to: &text) } else { text += "nil" }
        case .dictionary, .set:
            let entries = mirror.children.map { of($0.value) }.sorted()
            text += "{" + entries.joined(separator: ",") + "}"
        case .collection:
            text += "[" + mirror.children.map { of($0.value) }.joined(separator: ",") + "]"
        case .enum:
            if let payload = mirror.children.first {
                text += (payload.label ?? "") + "("
                write(payload.value, to: &text)
                text += ")"
            } else {
                text += String(describing: value)
            }
        case .struct, .class, .tuple:
            text += "("
            var first = true
            for child in mirror.children {
                if !first { text += "," }
                first = false
                text += (child.label ?? "") + ":"
                write(child.value, to: &text)
            }
            text += ")"
        default:
            text += String(reflecting: value)
        }
    }
}
