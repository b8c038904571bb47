import PNNCore
import PNNDevices
import Testing

@Suite struct DriveLimitsCheckTests {
    static let volts = DriveLimits(minimum: -1, maximum: 1)

    @Test(arguments: DriveOrder.allCases)
    func valuesOnTheLimitsAreAllowed(order: DriveOrder) {
        let limits = DriveLimits(minimum: -1, maximum: 1, maxStep: 2, maxMeanPower: 1)
        // Steps of exactly 2 and a mean power of exactly 1, whichever part comes first.
        let x = batch([[1, -1, 1, -1], [-1, 1, -1, 1]])
        let theta = Tensor<Float>([-1, 1])
        let ordered: Tensor<Float> = order == .parametersFirst ? theta : Tensor([1, -1])
        #expect(limits.check(input: x, parameters: ordered, order: order) == nil)
    }

    @Test func aConfiguredLimitAcceptsTheSameNumberSentAsFloat32() {
        // 0.1 and 0.6 are not exact in Float32: compared in Float64 they would overshoot by ~1e-8.
        let limits = DriveLimits(minimum: 0, maximum: 0.6, maxStep: 0.5, maxMeanPower: 0.185)
        let x = batch([[0.1, 0.6]])
        #expect(limits.check(input: x, parameters: Tensor([]), order: .inputsFirst) == nil)
    }

    @Test func aboveTheMaximumNamesSampleAndFeature() throws {
        var rows = [[Float]](repeating: [Float](repeating: 0.5, count: 20), count: 5)
        rows[3][17] = 2.5
        let violation = try #require(Self.volts.check(input: batch(rows), parameters: Tensor([0]), order: .parametersFirst))
        #expect(violation.message == "input sample 3 feature 17 = 2.5 exceeds the maximum drive 1.0")
        #expect(violation == LimitViolation(message: violation.message, sample: 3, index: 17, which: "input", rule: .aboveMaximum))
    }

    @Test func belowTheMinimumInTheParameters() throws {
        let violation = try #require(Self.volts.check(
            input: batch([[0, 0]]), parameters: Tensor([0, 0.5, -1.5, 3]), order: .parametersFirst))
        #expect(violation.message == "parameter 2 = -1.5 is below the minimum drive -1.0")
        #expect(violation.sample == nil)
        #expect(violation.index == 2)
        #expect(violation.which == "parameter")
        #expect(violation.rule == .belowMinimum)
    }

    @Test func nanAndInfinityAreReportedByName() throws {
        let nan = try #require(Self.volts.check(
            input: batch([[0, 0, 0, 0, .nan]]), parameters: Tensor([]), order: .parametersFirst))
        #expect(nan.message == "input sample 0 feature 4 is NaN")
        #expect(nan.rule == .nonFinite)
        let inf = try #require(Self.volts.check(
            input: batch([[0, 0]]), parameters: Tensor([0, -.infinity]), order: .parametersFirst))
        #expect(inf.message == "parameter 1 is -Inf")
        let plus = try #require(Self.volts.check(
            input: batch([[0, 0], [.infinity, 0]]), parameters: Tensor([]), order: .inputsFirst))
        #expect(plus.message == "input sample 1 feature 0 is +Inf")
        #expect(plus.sample == 1)
    }

    @Test func nanIsCaughtEvenWithUnlimitedRange() throws {
        let wide = DriveLimits(minimum: -.greatestFiniteMagnitude, maximum: .greatestFiniteMagnitude)
        let violation = try #require(wide.check(input: batch([[0, .nan]]), parameters: Tensor([]), order: .inputsFirst))
        #expect(violation.rule == .nonFinite)
    }

    // MARK: Scan order

    @Test func parametersAreScannedBeforeAnySample() throws {
        let violation = try #require(Self.volts.check(
            input: batch([[5, 0]]), parameters: Tensor([0, 0, 0, 7]), order: .inputsFirst))
        #expect(violation.which == "parameter")
        #expect(violation.index == 3)
    }

    @Test func samplesAreScannedInOrderAndFeaturesWithinThem() throws {
        let x = batch([[0, 0, 0], [0, 2, -2], [9, 9, 9]])
        let violation = try #require(Self.volts.check(input: x, parameters: Tensor([]), order: .parametersFirst))
        #expect(violation.sample == 1)
        #expect(violation.index == 1)
        #expect(violation.rule == .aboveMaximum)
    }

    @Test func rangeIsCheckedElementByElementNotNaNsFirst() throws {
        // Feature 1 is out of range and comes before the NaN at feature 2.
        let violation = try #require(Self.volts.check(
            input: batch([[0, 2, .nan]]), parameters: Tensor([]), order: .parametersFirst))
        #expect(violation.index == 1)
        #expect(violation.rule == .aboveMaximum)
    }

    @Test func valuesBeforeStepsAndStepsBeforePower() throws {
        let limits = DriveLimits(minimum: -1, maximum: 1, maxStep: 0.5, maxMeanPower: 0.01)
        // Sample 0 breaks all three rules; the value is reported.
        let all = try #require(limits.check(input: batch([[0, 1, 1.5]]), parameters: Tensor([]), order: .inputsFirst))
        #expect(all.rule == .aboveMaximum)
        // Without the bad value: the step at drive value 1.
        let steps = try #require(limits.check(input: batch([[0, 1, 1]]), parameters: Tensor([]), order: .inputsFirst))
        #expect(steps.rule == .step)
        #expect(steps.index == 1)
        // Smooth but loud: the power.
        let power = try #require(limits.check(input: batch([[0.3, 0.4, 0.5]]), parameters: Tensor([]), order: .inputsFirst))
        #expect(power.rule == .meanPower)
    }

    @Test func anEarlierSampleWinsOverAnEarlierRule() throws {
        // Sample 0 is too loud; sample 1 has a bad value. Sample 0 is reported.
        let limits = DriveLimits(minimum: -1, maximum: 1, maxMeanPower: 0.5)
        let violation = try #require(limits.check(
            input: batch([[1, 1], [0, 3]]), parameters: Tensor([]), order: .parametersFirst))
        #expect(violation.sample == 0)
        #expect(violation.rule == .meanPower)
    }

    // MARK: Drive order

    @Test func stepFromParametersIntoInputs() throws {
        let limits = DriveLimits(minimum: -2, maximum: 2, maxStep: 0.5)
        // u = θ ‖ x = [0, 0.5 | 1.5, 1.5]: the jump 0.5 → 1.5 is drive value 1 → 2, x feature 0.
        let violation = try #require(limits.check(
            input: batch([[0, 0], [1.5, 1.5]]), parameters: Tensor([0, 0.5]), order: .parametersFirst))
        #expect(violation.message == "step from drive value 1 to 2 of sample 1 is 1.0 > maxStep 0.5 (value 2 is input feature 0; the drive plays θ, then x)")
        #expect(violation.sample == 1)
        #expect(violation.which == "input")
        #expect(violation.index == 0)
        #expect(violation.rule == .step)
    }

    @Test func sameNumbersInTheOtherOrderJumpIntoTheParameters() throws {
        let limits = DriveLimits(minimum: -2, maximum: 2, maxStep: 0.5)
        // u = x ‖ θ: sample 0 = [0, 0 | 0, 0.5] is smooth; sample 1 = [1.5, 1.5 | 0, 0.5] jumps at value 2.
        let violation = try #require(limits.check(
            input: batch([[0, 0], [1.5, 1.5]]), parameters: Tensor([0, 0.5]), order: .inputsFirst))
        #expect(violation.message == "step from drive value 1 to 2 of sample 1 is 1.5 > maxStep 0.5 (value 2 is parameter 0; the drive plays x, then θ)")
        #expect(violation.which == "parameter")
        #expect(violation.index == 0)
    }

    @Test func aJumpInsideTheParametersIsReportedForTheFirstSample() throws {
        let limits = DriveLimits(minimum: -1, maximum: 1, maxStep: 1)
        let violation = try #require(limits.check(
            input: batch([[0], [0]]), parameters: Tensor([-1, 1]), order: .parametersFirst))
        #expect(violation.sample == 0)
        #expect(violation.which == "parameter")
        #expect(violation.index == 1)
    }

    @Test func meanPowerCoversParametersAndInputs() throws {
        let limits = DriveLimits(minimum: -1, maximum: 1, maxMeanPower: 0.5)
        // Inputs alone: mean 0.5 (allowed). With θ = [0.9, 0.9]: (0.81·2 + 1 + 0) / 4 = 0.655.
        #expect(limits.check(input: batch([[1, 0]]), parameters: Tensor([]), order: .parametersFirst) == nil)
        let violation = try #require(limits.check(
            input: batch([[0, 0], [1, 0]]), parameters: Tensor([0.9, 0.9]), order: .parametersFirst))
        #expect(violation.sample == 1)
        #expect(violation.rule == .meanPower)
        // Its largest contributor is x feature 0 of sample 1.
        #expect(violation.which == "input")
        #expect(violation.index == 0)
        #expect(violation.message == "mean drive power of sample 1 is 0.655 > maxMeanPower 0.5 (mean of u² over its 4 drive values; the largest is input feature 0 = 1.0)")
    }

    @Test func unlimitedStepAndPowerAreNotChecked() {
        let x = batch([[-1, 1, -1, 1]])
        #expect(Self.volts.check(input: x, parameters: Tensor([1, 1]), order: .parametersFirst) == nil)
    }
}
