import PNNCore
import PNNDevices
import PNNPhysics
import Testing

@Suite struct DeviceDescriptionTests {
    static let description = DeviceDescription(
        name: "rig", kind: "echo", model: nil, inputs: 4, parameters: 2, outputs: 4,
        limits: DriveLimits(minimum: -1, maximum: 1), driveOrder: .inputsFirst, secondsPerSample: nil,
        gap: "none", summary: "test rig", notes: [])

    @Test func rightShapesPass() {
        #expect(Self.description.checkShapes(input: .zeros([3, 4]), parameters: .zeros([2])) == nil)
        #expect(Self.description.checkShapes(input: .zeros([1, 4]), parameters: .zeros([2])) == nil)
    }

    @Test func aSingleSampleMustStillBeABatch() throws {
        let message = try #require(Self.description.checkShapes(input: .zeros([4]), parameters: .zeros([2])))
        #expect(message.contains("[B×4]"))
        #expect(message.contains("rank 1"))
        #expect(message.hasPrefix("input must have shape"))
    }

    @Test func wrongFeatureCountNamesBoth() throws {
        let message = try #require(Self.description.checkShapes(input: .zeros([3, 5]), parameters: .zeros([2])))
        #expect(message.contains("[B×4]"))
        #expect(message.contains("[3, 5]"))
    }

    @Test func emptyBatchIsRejected() throws {
        let message = try #require(Self.description.checkShapes(input: .zeros([0, 4]), parameters: .zeros([2])))
        #expect(message.contains("empty batch"))
        #expect(message.hasPrefix("input is an empty batch"))
    }

    @Test func parametersMustBeAVectorOfP() throws {
        let short = try #require(Self.description.checkShapes(input: .zeros([1, 4]), parameters: .zeros([3])))
        #expect(short.contains("[2]"))
        #expect(short.contains("[3]"))
        #expect(Self.description.checkShapes(input: .zeros([1, 4]), parameters: .zeros([1, 2])) != nil)
    }

    @Test func noParametersMeansAnEmptyVector() {
        var description = Self.description
        description.parameters = 0
        #expect(description.checkShapes(input: .zeros([1, 4]), parameters: .zeros([0])) == nil)
        #expect(description.checkShapes(input: .zeros([1, 4]), parameters: .zeros([])) != nil, "a scalar is not [0]")
    }

    @Test func shapeCollectsTheSizes() {
        #expect(Self.description.shape == ModelShape(inputs: 4, parameters: 2, outputs: 4))
    }
}
