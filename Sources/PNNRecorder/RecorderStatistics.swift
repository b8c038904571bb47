/// Size and health of a recorder's store.
public struct RecorderStatistics: Sendable, Equatable {
    /// Segment files in the store, the active one included.
    public var segments: Int
    /// Bytes in all segment files.
    public var bytes: Int64
    /// Readable batch records in the store.
    public var records: Int
    /// Bytes cut from the end of the newest segment when the recorder opened: the torn tail of an append
    /// that never returned (0 after a clean shutdown). Worth a log line.
    public var recoveredBytes: Int64
    /// Damaged regions found so far (at open and by reads), each skipped over; every one is worth a warning.
    public var corruptRegions: Int
    /// Segments removed by retention since the recorder opened.
    public var deletedSegments: Int
    /// Why appends are being refused, or the last retention failure; nil while all is well.
    public var problem: String?

    public init(
        segments: Int, bytes: Int64, records: Int, recoveredBytes: Int64 = 0, corruptRegions: Int = 0,
        deletedSegments: Int = 0, problem: String? = nil
    ) {
        self.segments = segments
        self.bytes = bytes
        self.records = records
        self.recoveredBytes = recoveredBytes
        self.corruptRegions = corruptRegions
        self.deletedSegments = deletedSegments
        self.problem = problem
    }
}
