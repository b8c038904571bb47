import PNNDevices
import TOMLKit

/// Turns the text of `pnnd.toml` into a checked `DaemonConfiguration`.
///
/// toml++ (through TOMLKit) checks the syntax; this type checks the layout, types and ranges of every
/// key. TOMLKit keeps no source positions on values, so a `SourceMap` of the text supplies the lines.
struct ConfigParser {
    let file: String
    let text: String

    /// Keys of the top-level table.
    static let rootKeys = ["server", "device"]

    func parse() throws(ConfigError) -> DaemonConfiguration {
        if let nul = text.utf8.firstIndex(of: 0) {
            let line = text.utf8[..<nul].count { $0 == UInt8(ascii: "\n") } + 1
            throw ConfigError(file: file, line: line, message: "the file contains a NUL byte")
        }
        let map = SourceMap(text: text)
        if let header = map.malformedHeader {
            // Caught here because toml++ would abort the process on it (see SourceMap.checkHeaderKey).
            let found = header.found.map { "'\($0)'" } ?? "the end of the line"
            throw ConfigError(file: file, line: header.line,
                              message: "TOML syntax error at column \(header.column): a table header needs a name after its '[': write [server] or [[device]] (found \(found))")
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line > 0 ? error.source.begin.line : nil
            let (device, key) = Self.split(line.flatMap(map.key(onLine:)))
            throw ConfigError(file: file, line: line, key: key, device: device,
                              message: "TOML syntax error at column \(error.source.begin.column): \(error.description)")
        } catch {
            throw ConfigError(file: file, message: "TOML syntax error: \(error)")
        }
        let top = TableReader(table: root, context: .init(file: file, map: map, device: nil),
                              path: "", keyPrefix: "", section: "the top level")
        try top.rejectUnknownKeys(allowed: Self.rootKeys)

        var server = ServerSettings()
        if let value = top.value("server") {
            guard let table = value.table else {
                throw top.error("server", "must be a table: write [server] (got \(TableReader.describe(value)))")
            }
            server = try Self.server(TableReader(table: table, context: top.context, path: "server",
                                                 keyPrefix: "server.", section: "[server]"))
        }
        let devices = try devices(top)
        return DaemonConfiguration(server: server, devices: devices)
    }

    /// A source-map path as an error names it: `device#1.limits.maximum` → (`#2`, `limits.maximum`).
    static func split(_ path: String?) -> (device: String?, key: String?) {
        guard let path, path.hasPrefix("device#"), let dot = path.firstIndex(of: ".") else { return (nil, path) }
        let index = Int(path[path.index(path.startIndex, offsetBy: 7) ..< dot]) ?? 0
        return ("#\(index + 1)", String(path[path.index(after: dot)...]))
    }

    /// Reads every `[[device]]`, in file order, and checks that names are unique.
    private func devices(_ top: TableReader) throws(ConfigError) -> [DeviceSpec] {
        guard let value = top.value("device") else {
            throw ConfigError(file: file, message: "no [[device]] defined; add at least one (see docs/configuration.md)")
        }
        guard let array = value.array else {
            throw top.error("device", "devices are an array of tables: write [[device]], not [device] (got \(TableReader.describe(value)))")
        }
        guard !array.isEmpty else { throw top.error("device", "no [[device]] defined; add at least one") }
        var specs: [DeviceSpec] = []
        var firstLine: [String: Int?] = [:]  // name → line of its `name` key, when known
        for index in array.indices {
            let element = array[index].tomlValue
            var context = top.context
            context.device = "#\(index + 1)"
            let reader: TableReader
            if let table = element.table {
                reader = TableReader(table: table, context: context, path: "device#\(index)", keyPrefix: "",
                                     section: "[[device]]")
            } else {
                throw ConfigError(file: file, line: context.map.line(of: "device#\(index)"), device: context.device,
                                  message: "must be a table (got \(TableReader.describe(element)))")
            }
            let spec = try Self.device(reader)
            let line = context.map.line(of: "device#\(index).name")
            if let earlier = firstLine[spec.name] {
                let first = earlier.map { " (first defined on line \($0))" } ?? ""
                throw ConfigError(file: file, line: line, key: "name", device: spec.name,
                                  message: "duplicate device name '\(spec.name)'\(first); device names must be unique")
            }
            firstLine[spec.name] = .some(line)
            specs.append(spec)
        }
        return specs
    }
}
