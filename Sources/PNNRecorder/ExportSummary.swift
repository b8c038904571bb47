/// What `Recorder.export` wrote.
public struct ExportSummary: Sendable, Equatable {
    /// Batch records exported.
    public var records: Int
    /// Rows of each `.npy` file: the records' batch sizes summed.
    public var samples: Int
    /// Paths written: inputs.npy, parameters.npy, outputs.npy, meta.json.
    public var files: [String]

    public init(records: Int, samples: Int, files: [String]) {
        self.records = records
        self.samples = samples
        self.files = files
    }
}
