import Foundation
import PNNCore
import Testing

/// Bad input to `pnn physics simulate` / `sample-input`: one `error:` line and the documented status
/// (64 usage, 65 data, 66 no input, 73 cannot create), never a trap.
@Suite struct PhysicsErrorTests {
    /// A valid 2×4 float32 input in a fresh sandbox.
    private func sandboxWithInput() throws -> Sandbox {
        let sandbox = try Sandbox()
        try sandbox.write(Tensor<Float>(repeating: 0.25, shape: [2, 4]), to: "x.npy")
        return sandbox
    }

    @Test func missingInputFile() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "nope/missing.npy", "--output", "y.npy")
        result.expectFailure(66, mentioning: ["nope/missing.npy"])
        #expect(!sandbox.exists("y.npy"))
    }

    @Test func missingParameterFile() throws {
        let sandbox = try sandboxWithInput()
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--params", "theta.npy", "--output", "y.npy")
        result.expectFailure(66, mentioning: ["theta.npy"])
    }

    @Test func inputIsADirectory() throws {
        let sandbox = try Sandbox()
        try FileManager.default.createDirectory(atPath: sandbox.path("dir.npy"), withIntermediateDirectories: false)
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "dir.npy", "--output", "y.npy")
        result.expectFailure(66, mentioning: ["dir.npy", "directory"])
    }

    @Test func nanInInput() throws {
        let sandbox = try Sandbox()
        var x = Tensor<Float>(repeating: 0.5, shape: [2, 3])
        x[1, 2] = .nan
        try sandbox.write(x, to: "nan.npy")
        let result = try sandbox.pnn("physics", "simulate", "electronic", "--input", "nan.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["nan.npy", "element 5", "sample 1", "feature 2"])
        #expect(!sandbox.exists("y.npy"))
    }

    @Test func infinityInParameters() throws {
        let sandbox = try sandboxWithInput()
        try sandbox.write(Tensor<Double>([0.1, -.infinity, 0.3]), to: "theta.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--params", "theta.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["theta.npy", "parameter 1"])
    }

    @Test func rankThreeInput() throws {
        let sandbox = try Sandbox()
        try sandbox.write(Tensor<Float>(repeating: 0, shape: [2, 3, 4]), to: "cube.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "cube.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["cube.npy", "[B×N]", "[2×3×4]"])
    }

    @Test func scalarInput() throws {
        let sandbox = try Sandbox()
        try sandbox.write(try Tensor<Double>(shape: [], scalars: [1]), to: "scalar.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "scalar.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["scalar.npy", "[B×N]"])
    }

    @Test func emptyInput() throws {
        let sandbox = try Sandbox()
        try sandbox.write(Tensor<Float>(repeating: 0, shape: [0, 4]), to: "empty.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "empty.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["empty.npy", "empty"])
    }

    @Test func parametersNotRankOne() throws {
        let sandbox = try sandboxWithInput()
        try sandbox.write(Tensor<Float>(repeating: 0, shape: [2, 2]), to: "theta.npy")
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--params", "theta.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["theta.npy", "[P]"])
    }

    @Test func garbageFile() throws {
        let sandbox = try Sandbox()
        try Data("this is not numpy\n".utf8).write(to: sandbox.url.appendingPathComponent("garbage.npy"))
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "garbage.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["garbage.npy", "not a .npy file"])
    }

    @Test func truncatedFile() throws {
        let sandbox = try Sandbox()
        let bytes = Tensor<Float>(repeating: 1, shape: [2, 4]).npyBytes().dropLast(5)
        try Data(bytes).write(to: sandbox.url.appendingPathComponent("short.npy"))
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "short.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["short.npy", "truncated"])
    }

    @Test func integerDtype() throws {
        let sandbox = try Sandbox()
        var bytes = NPYHeader(descriptor: "<i8", shape: [1, 2]).encoded()
        bytes += [UInt8](repeating: 0, count: 16)
        try Data(bytes).write(to: sandbox.url.appendingPathComponent("int.npy"))
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "int.npy", "--output", "y.npy")
        result.expectFailure(65, mentioning: ["int.npy", "'<i8'"])
    }

    @Test func unknownModel() throws {
        let sandbox = try sandboxWithInput()
        let result = try sandbox.pnn("physics", "simulate", "quantum", "--input", "x.npy", "--output", "y.npy")
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        for fragment in ["quantum", "mechanical", "electronic", "shg"] {
            #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)")
        }
        result.expectNoCrash()
    }

    @Test func zeroOutputs() throws {
        let sandbox = try sandboxWithInput()
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--output", "y.npy", "--outputs", "0")
        #expect(result.status != 0)
        #expect(result.stderr.contains("--outputs must be at least 1"), "stderr: \(result.stderr)")
        result.expectNoCrash()
        #expect(!sandbox.exists("y.npy"))
    }

    @Test func tooManyOutputs() throws {
        let sandbox = try sandboxWithInput()
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--output", "y.npy", "--outputs", "1000000")
        result.expectFailure(64, mentioning: ["mechanical", "M=1000000"])
    }

    @Test func badGapValue() throws {
        let sandbox = try sandboxWithInput()
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--output", "y.npy", "--gap", "huge")
        #expect(result.status == 64)
        #expect(result.stderr.contains("none") && result.stderr.contains("default"))
        result.expectNoCrash()
    }

    @Test func outputDirectoryIsAFile() throws {
        let sandbox = try sandboxWithInput()
        try Data("x".utf8).write(to: sandbox.url.appendingPathComponent("plain"))
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--output", "plain/y.npy")
        result.expectFailure(73, mentioning: ["plain/y.npy", "not a directory"])
    }

    @Test func outputDirectoryMissing() throws {
        let sandbox = try sandboxWithInput()
        let result = try sandbox.pnn("physics", "simulate", "mechanical", "--input", "x.npy", "--output", "no/such/dir/y.npy")
        result.expectFailure(73, mentioning: ["no/such/dir/y.npy", "does not exist"])
    }

    @Test func sampleInputUnwritableOutput() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("physics", "sample-input", "mechanical", "--batch", "1", "--output", "missing/x.npy")
        result.expectFailure(73, mentioning: ["missing/x.npy"])
    }

    @Test func sampleInputRejectsBadSizes() throws {
        let sandbox = try Sandbox()
        for arguments in [["--batch", "0"], ["--batch", "2", "--inputs", "0"], ["--batch", "2", "--params", "3"]] {
            let result = try PNNExecutable.run(["physics", "sample-input", "mechanical", "--output", "x.npy"] + arguments, in: sandbox.url)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            result.expectNoCrash()
        }
        #expect(!sandbox.exists("x.npy"))
    }
}
