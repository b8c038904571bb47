import TOMLKit

/// Typed, checked access to one TOML table, turning every problem into a `ConfigError` that names the
/// file, the line and the key.
struct TableReader {
    /// Where errors point: the file, its source map and the device being read.
    struct Context {
        var file: String
        var map: SourceMap
        /// Device name (or `#n`) for keys under `[[device]]`.
        var device: String?
    }

    let table: TOMLTable
    var context: Context
    /// Source-map path of this table (`server`, `device#0`, `device#0.limits`).
    let path: String
    /// Prefix of the keys named in errors (`server.`, ``, `limits.`).
    let keyPrefix: String
    /// The table as the user writes it, for messages (`[server]`, `[[device]]`).
    let section: String

    /// The dotted key named in errors for `key` of this table.
    func errorKey(_ key: String) -> String { keyPrefix + key }

    /// An error about `key` of this table (or the table itself when nil), at the key's line.
    func error(_ key: String?, _ message: String) -> ConfigError {
        let line = context.map.line(of: key.map(childPath) ?? path)
        let named = key.map(errorKey) ?? (keyPrefix.isEmpty ? nil : String(keyPrefix.dropLast()))
        return ConfigError(file: context.file, line: line, key: named, device: context.device, message: message)
    }

    /// Rejects keys outside `allowed`, the first in the file first, suggesting the closest allowed key.
    func rejectUnknownKeys(allowed: [String]) throws(ConfigError) {
        let unknown = table.keys.filter { !allowed.contains($0) }
        let first = unknown.min { (line(of: $0) ?? .max) < (line(of: $1) ?? .max) }
        if let key = first {
            throw error(key, "unknown key '\(key)' in \(section)" + KeySuggestion.hint(for: key, in: allowed))
        }
    }

    private func line(of key: String) -> Int? { context.map.exactLine(of: childPath(key)) }

    /// Source-map path of `key` in this table.
    func childPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func value(_ key: String) -> TOMLValue? { table[key]?.tomlValue }

    func contains(_ key: String) -> Bool { table[key] != nil }

    // MARK: Scalars

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.string else { throw error(key, "must be a string (got \(Self.describe(value)))") }
        return string
    }

    /// A non-empty string.
    func nonEmptyString(_ key: String) throws(ConfigError) -> String? {
        guard let string = try string(key) else { return nil }
        guard !string.isEmpty else { throw error(key, "must not be empty") }
        return string
    }

    func integer(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.int else {
            let what = range.map { "an integer in \($0.lowerBound)…\($0.upperBound)" } ?? "an integer"
            throw error(key, "must be \(what) (got \(Self.describe(value)))")
        }
        if let range, !range.contains(int) {
            throw error(key, "must be between \(range.lowerBound) and \(range.upperBound) (got \(int))")
        }
        return int
    }

    /// A finite number; TOML integers are accepted and converted. `expected` words the requirement in
    /// the message ("a number ≥ minimum").
    func number(_ key: String, expected: String = "a number") throws(ConfigError) -> Double? {
        guard let value = value(key) else { return nil }
        let number: Double
        if let double = value.double {
            number = double
        } else if let int = value.int {
            number = Double(int)
        } else {
            throw error(key, "must be \(expected) (got \(Self.describe(value)))")
        }
        guard number.isFinite else { throw error(key, "must be \(expected), and finite (got \(number))") }
        return number
    }

    /// A number > 0.
    func positiveNumber(_ key: String) throws(ConfigError) -> Double? {
        guard let number = try number(key, expected: "a number > 0") else { return nil }
        guard number > 0 else { throw error(key, "must be a number > 0 (got \(Self.describe(value(key)!)))") }
        return number
    }

    /// A number ≥ 0.
    func nonNegativeNumber(_ key: String) throws(ConfigError) -> Double? {
        guard let number = try number(key, expected: "a number ≥ 0") else { return nil }
        guard number >= 0 else { throw error(key, "must be a number ≥ 0 (got \(Self.describe(value(key)!)))") }
        return number
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.bool else { throw error(key, "must be true or false (got \(Self.describe(value)))") }
        return bool
    }

    // MARK: Arrays and tables

    func stringArray(_ key: String) throws(ConfigError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else {
            throw error(key, "must be an array of strings (got \(Self.describe(value)))")
        }
        var strings: [String] = []
        for element in array {
            guard let string = element.string, !string.isEmpty else {
                throw error(key, "must be an array of non-empty strings (got \(Self.describe(element.tomlValue)) at index \(strings.count))")
            }
            strings.append(string)
        }
        return strings
    }

    func integerArray(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> [Int]? {
        guard let value = value(key) else { return nil }
        guard let array = value.array else {
            throw error(key, "must be an array of integers (got \(Self.describe(value)))")
        }
        var ints: [Int] = []
        for element in array {
            guard let int = element.int, range.contains(int) else {
                throw error(key, "must be an array of integers in \(range.lowerBound)…\(range.upperBound) (got \(Self.describe(element.tomlValue)) at index \(ints.count))")
            }
            ints.append(int)
        }
        return ints
    }

    /// The sub-table `key` (a `[section.key]` header or an inline table), read with `keyPrefix + key + "."`.
    func table(_ key: String) throws(ConfigError) -> TableReader? {
        guard let value = value(key) else { return nil }
        guard let table = value.table else { throw error(key, "must be a table (got \(Self.describe(value)))") }
        let header = section.trimmingBrackets
        return TableReader(table: table, context: context, path: childPath(key),
                           keyPrefix: keyPrefix + key + ".", section: "[\(header).\(key)]")
    }

    // MARK: Messages

    /// A value as a message shows it: strings quoted, numbers as written, containers by kind.
    static func describe(_ value: TOMLValue) -> String {
        switch value.type {
        case .string: "\"\(value.string ?? "")\""
        case .int: value.int.map { "\($0)" } ?? "an integer"
        case .double: value.double.map { "\($0)" } ?? "a number"
        case .bool: value.bool.map { "\($0)" } ?? "a boolean"
        case .array: "an array"
        case .table: "a table"
        case .date: "a date"
        case .time: "a time"
        case .dateTime: "a date-time"
        }
    }
}

extension String {
    /// `[[device]]` → `device`, `[server]` → `server`.
    fileprivate var trimmingBrackets: String {
        String(drop { $0 == "[" }.reversed().drop { $0 == "]" }.reversed())
    }
}
