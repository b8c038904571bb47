/// The meta.json of an export: where each record's rows are in the `.npy` files, and its provenance.
struct ExportMetadata: Codable, Equatable {
    struct Record: Codable, Equatable {
        var sequence: UInt64
        var kind: String
        var configHash: String
        /// Unix seconds.
        var startedAt: Double
        var finishedAt: Double
        /// This record's rows are `firstRow ..< firstRow + rows` in every `.npy` file.
        var firstRow: Int
        var rows: Int
        /// Readings averaged into each of this record's output rows; absent when 1.
        var acquisitions: Int?
    }

    var format = "pnn-recorder-export"
    var version = 1
    var device: String
    /// The `since` the export was asked for (Unix seconds), absent for the whole history.
    var since: Double?
    var samples: Int
    var inputShape: [Int]
    var parameterShape: [Int]
    var outputShape: [Int]
    var records: [Record]
}
