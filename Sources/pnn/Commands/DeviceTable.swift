import PNNProtocol

/// Plain-text tables for the daemon verbs: the device list of `devices` and `status`, and aligned
/// columns in general.
enum DeviceTable {
    /// name, kind, state, N/P/M, lease, queue — one row per device.
    static func lines(_ devices: [DeviceSummary]) -> [String] {
        guard !devices.isEmpty else { return ["no devices"] }
        let header = ["name", "kind", "state", "N/P/M", "lease", "queue"]
        let rows = devices.map { d in
            [d.name, d.kind, d.state.rawValue, "\(d.inputs)/\(d.parameters)/\(d.outputs)",
             d.leasedByUID.map { "uid \($0)" } ?? "-", "\(d.queueDepth)"]
        }
        return columns([header] + rows, rightAligned: [5])
    }

    /// Rows as space-separated columns padded to their widest cell; trailing spaces trimmed.
    static func columns(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
        let count = rows.map(\.count).max() ?? 0
        let widths = (0 ..< count).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            var line = row.enumerated().map { c, cell in
                let fill = String(repeating: " ", count: max(0, widths[c] - cell.count))
                return rightAligned.contains(c) ? fill + cell : cell + fill
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// Shortest faithful rendering of a setting: `1` rather than `1.0`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }
}
