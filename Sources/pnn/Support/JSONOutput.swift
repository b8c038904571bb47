import Foundation

/// Prints a value as pretty, key-sorted JSON on stdout (the `--json` form of every command).
enum JSONOutput {
    static func print(_ value: some Encodable) throws(CLIError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            let data = try encoder.encode(value)
            Swift.print(String(decoding: data, as: UTF8.self))
        } catch {
            throw .software("cannot encode JSON output: \(error)")
        }
    }
}
