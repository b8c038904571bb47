extension Recorder {
    /// Writes `device`'s records started at or after `since` as float32 NumPy files for fitting a twin:
    /// inputs.npy [ΣB×N], parameters.npy [ΣB×P] and outputs.npy [ΣB×M], rows in append order, plus
    /// meta.json (sequence, kind, config hash, timestamps and row range of every record).
    ///
    /// A run's θ [P] is repeated on each of its B rows so the three files align row by row. Throws
    /// `.notFound` when no record matches, `.invalidArgument` when the widths change between records.
    public func export(device: String, since: Double? = nil, to directory: String) throws(RecorderError) -> ExportSummary {
        guard lastSequence(device: device) != nil else {
            let known = devices
            throw RecorderError(
                .notFound,
                "no records for device '\(device)' in '\(self.directory)'"
                    + (known.isEmpty ? " (nothing recorded yet)" : "; recorded devices: \(known.joined(separator: ", "))"))
        }
        let cursor = try self.cursor(device: device, since: since)
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
                        + " in '\(self.directory)' (older ones may have been removed by retention)")
            }
            return try writer.finish(since: since)
        } catch {
            writer?.abandon()
            throw error
        }
    }
}
