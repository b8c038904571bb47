/// The first place a batch breaks a device's `DriveLimits` (see `DriveLimits.check`).
public struct LimitViolation: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Which rule was broken (bounded set: usable as a metrics label).
    public enum Rule: String, Sendable, Codable, Equatable, CaseIterable {
        /// A value is NaN or ±Inf.
        case nonFinite
        /// A value is below `DriveLimits.minimum`.
        case belowMinimum
        /// A value is above `DriveLimits.maximum`.
        case aboveMaximum
        /// Two consecutive drive values differ by more than `maxStep`.
        case step
        /// A sample's mean u² exceeds `maxMeanPower`.
        case meanPower
    }

    /// A sentence a person understands, e.g. "input sample 3 feature 17 = 2.5 exceeds the maximum drive 1.0".
    public var message: String
    /// Sample of the batch; nil when θ itself is at fault (it is shared by all samples).
    public var sample: Int?
    /// Element of `which` at fault: the value itself; for `step` the value after the jump; for
    /// `meanPower` the sample's largest-magnitude drive value (its biggest contributor).
    public var index: Int
    /// `"input"` (x, feature `index` of `sample`) or `"parameter"` (θ[`index`]).
    public var which: String
    public var rule: Rule

    public init(message: String, sample: Int?, index: Int, which: String, rule: Rule) {
        self.message = message
        self.sample = sample
        self.index = index
        self.which = which
        self.rule = rule
    }

    public var description: String { message }
}
