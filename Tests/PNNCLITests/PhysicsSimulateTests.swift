import Foundation
import PNNCore
import Testing

/// `pnn physics simulate` (and `sample-input` feeding it), run as a subprocess.
@Suite struct PhysicsSimulateTests {
    /// M that `simulate` picks by default for N = 8 inputs and P = 4 parameters.
    static let defaultOutputs = ["mechanical": 8, "electronic": 8, "shg": 11]

    @Test(arguments: ["mechanical", "electronic", "shg"])
    func roundTripWithoutGap(model: String) throws {
        let sandbox = try Sandbox()
        let sample = try sandbox.pnn(
            "physics", "sample-input", model, "--batch", "3", "--inputs", "8", "--params", "4",
            "--output", "x.npy", "--params-output", "theta.npy", "--seed", "11")
        #expect(sample.status == 0, "\(sample.stderr)")

        let simulate = try sandbox.pnn(
            "physics", "simulate", model, "--input", "x.npy", "--params", "theta.npy",
            "--output", "y.npy", "--gap", "none", "--json")
        #expect(simulate.status == 0, "\(simulate.stderr)")
        simulate.expectNoCrash()

        let m = try #require(Self.defaultOutputs[model])
        let (descriptor, y) = try sandbox.read("y.npy")
        #expect(descriptor == "<f4")
        #expect(y.shape == [3, m])
        #expect(y.firstNonFiniteIndex == nil)

        let report = try simulate.jsonObject()
        #expect(report["model"] as? String == model)
        #expect(report["gap"] as? String == "none")
        #expect(report["seed"] as? Int == 1)
        #expect(report["outputShape"] as? [Int] == [3, m])
        #expect(report["output"] as? String == "y.npy")
        #expect(report["shape"] as? [String: Int] == ["inputs": 8, "parameters": 4, "outputs": m])
    }

    @Test func float64InGivesFloat64Out() throws {
        let sandbox = try Sandbox()
        let x = try Tensor<Double>(shape: [2, 5], scalars: (0 ..< 10).map { Double($0) / 10 })
        try sandbox.write(x, to: "x64.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x64.npy", "--output", "y.npy", "--gap", "none")
        #expect(result.status == 0, "\(result.stderr)")
        let (descriptor, y) = try sandbox.read("y.npy")
        #expect(descriptor == "<f8")
        #expect(y.shape == [2, 5])
    }

    @Test func float64SampleInputRoundTrip() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.pnn("physics", "sample-input", "electronic", "--batch", "2", "--inputs", "6",
                                "--output", "x.npy", "--dtype", "f64").status == 0)
        #expect(try sandbox.read("x.npy").descriptor == "<f8")
        let result = try sandbox.pnn("physics", "simulate", "electronic", "--input", "x.npy", "--output", "y.npy")
        #expect(result.status == 0, "\(result.stderr)")
        let (descriptor, y) = try sandbox.read("y.npy")
        #expect(descriptor == "<f8")
        #expect(y.shape == [2, 6])
    }

    @Test func rankOneInputIsOneSample() throws {
        let sandbox = try Sandbox()
        try sandbox.write(Tensor<Float>([0.1, 0.2, 0.3, 0.4]), to: "x.npy")
        let result = try sandbox.pnn("physics", "simulate", "electronic", "--input", "x.npy", "--output", "y.npy", "--gap", "none")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sandbox.read("y.npy").tensor.shape == [1, 4])
    }

    @Test func outputsOptionSetsM() throws {
        let sandbox = try Sandbox()
        try sandbox.write(Tensor<Float>(repeating: 0.5, shape: [4, 6]), to: "x.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--output", "y.npy",
                                     "--outputs", "3", "--gap", "none")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sandbox.read("y.npy").tensor.shape == [4, 3])
    }

    @Test func sameSeedSameMeasurementAndTheGapMatters() throws {
        let sandbox = try Sandbox()
        #expect(try sandbox.pnn("physics", "sample-input", "mechanical", "--batch", "2", "--inputs", "8", "--params", "4",
                                "--output", "x.npy", "--params-output", "theta.npy").status == 0)
        func measure(_ out: String, _ extra: String...) throws -> Tensor<Double> {
            let arguments = ["physics", "simulate", "mechanical", "--input", "x.npy", "--params", "theta.npy", "--output", out] + extra
            let result = try PNNExecutable.run(arguments, in: sandbox.url)
            #expect(result.status == 0, "\(result.stderr)")
            return try sandbox.read(out).tensor
        }
        let a = try measure("a.npy", "--gap", "default", "--seed", "3")
        let b = try measure("b.npy", "--gap", "default", "--seed", "3")
        let c = try measure("c.npy", "--gap", "default", "--seed", "4")
        let exact = try measure("exact.npy", "--gap", "none")
        #expect(a == b)
        #expect(a != c)
        #expect(a != exact)
        #expect(a.shape == exact.shape)
    }

    @Test func sampleInputIsSeededAndInRange() throws {
        let sandbox = try Sandbox()
        for name in ["1", "2"] {
            let result = try sandbox.pnn("physics", "sample-input", "shg", "--batch", "4", "--inputs", "5", "--params", "3",
                                         "--output", "x\(name).npy", "--params-output", "t\(name).npy", "--seed", "9")
            #expect(result.status == 0, "\(result.stderr)")
        }
        let x = try sandbox.read("x1.npy").tensor, theta = try sandbox.read("t1.npy").tensor
        #expect(x == (try sandbox.read("x2.npy").tensor))
        #expect(theta == (try sandbox.read("t2.npy").tensor))
        #expect(x.shape == [4, 5])
        #expect(theta.shape == [3])
        #expect(x.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(theta.scalars.allSatisfy { $0 >= -1 && $0 <= 1 })

        let other = try sandbox.pnn("physics", "sample-input", "shg", "--batch", "4", "--inputs", "5", "--output", "x3.npy", "--seed", "10")
        #expect(other.status == 0)
        #expect(x != (try sandbox.read("x3.npy").tensor))
        #expect(!sandbox.exists("t3.npy"))
    }

    @Test func sampleInputDefaultsToMNISTSizes() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("physics", "sample-input", "shg", "--batch", "1", "--output", "x.npy",
                                     "--params-output", "t.npy", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try sandbox.read("x.npy").tensor.shape == [1, 48])
        #expect(try sandbox.read("t.npy").tensor.shape == [16])
        let report = try result.jsonObject()
        #expect((report["input"] as? [String: Any])?["shape"] as? [Int] == [1, 48])
        #expect((report["params"] as? [String: Any])?["shape"] as? [Int] == [16])
    }
}
