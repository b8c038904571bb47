extension Recorder {
    /// Writes `device`'s records started at or after `since` as float32 NumPy files for fitting a twin:
    /// inputs.npy [ΣB×N], parameters.npy [ΣB×P] and outputs.npy [ΣB×M], rows in append order, plus
    /// meta.json (sequence, kind, config hash, timestamps and row range of every record).
    ///
    /// A run's θ [P] is repeated on each of its B rows so the three files align row by row. Throws
    /// `.notFound` when no record matches, `.invalidArgument` when the widths change between records.
    public func export(device: String, since: Double? = nil, to directory: String) throws(RecorderError) -> ExportSummary {
        try RecordExport.run(device: device, since: since, to: directory, store: self.directory,
                             recorded: lastSequence(device: device) != nil, devices: devices) { () throws(RecorderError) in
            try cursor(device: device, since: since)
        }
    }
}

/// The export both ways of opening a store share (`Recorder` in the daemon and tests, `RecordReader`
/// in `pnn records export`).
enum RecordExport {
    /// `recorded`: the store has ever held a record of `device`; `devices`: those it has (for the message).
    static func run(device: String, since: Double?, to directory: String, store: String, recorded: Bool,
                    devices known: [String], cursor: () throws(RecorderError) -> RecordCursor)
        throws(RecorderError) -> ExportSummary
    {
        guard recorded else {
            throw RecorderError(
                .notFound,
                "no records for device '\(device)' in '\(store)'"
                    + (known.isEmpty ? " (nothing recorded yet)" : "; recorded devices: \(known.joined(separator: ", "))"))
        }
        let cursor = try cursor()
        var writer: ExportWriter?
        do throws(RecorderError) {
            while let record = try cursor.next() {
                if let writer {
                    try writer.append(record)
                } else {
                    let first = try ExportWriter(directory: directory, first: record)
                    writer = first
                    try first.append(record)
                }
            }
            guard let writer else {
                throw RecorderError(
                    .notFound,
                    "no records for device '\(device)'" + (since.map { " started at or after \($0)" } ?? "")
                        + " in '\(store)' (older ones may have been removed by retention)")
            }
            return try writer.finish(since: since)
        } catch {
            writer?.abandon()
            throw error
        }
    }
}
