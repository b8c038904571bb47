extension Duration {
    /// The duration in seconds, as a Double: what timings, reports and protocol fields carry.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
