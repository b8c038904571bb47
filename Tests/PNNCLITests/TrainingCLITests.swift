import Foundation
import PNNCore
import PNNTestSupport
import Testing

/// `pnn train`, `pnn eval` and `pnn twin fit`: a short real run, and bad input to each verb giving one
/// clear `error:` line with the documented status, never a trap.
@Suite struct TrainingCLITests {
    @Test func shortTrainingRunWritesItsFilesAndEvaluates() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("train", "vowels-shg", "--in-process", "--epochs", "2", "--json", "--out", "run")
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        #expect(summary?["experiment"] as? String == "vowels-shg")
        #expect(summary?["mode"] as? String == "pat")
        #expect((summary?["testAccuracy"] as? Double).map { (0 ... 1).contains($0) } == true)
        #expect(summary?["baselineTestAccuracy"] is Double)
        for file in ["metrics.csv", "checkpoint.json", "curves.svg", "confusion.svg", "response.svg"] {
            #expect(sandbox.exists("run/\(file)"), "\(file)")
        }
        let csv = try String(contentsOfFile: sandbox.path("run/metrics.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 3)
        let eval = try sandbox.pnn("eval", "run/checkpoint.json", "--in-process", "--json", "--repeat", "3")
        #expect(eval.status == 0, "\(eval.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        #expect(report?["testSamples"] as? Int == 49)
        // Three passes over the noisy simulated device; the reported accuracy is their mean.
        let passes = report?["testAccuracies"] as? [Double] ?? []
        #expect(passes.count == 3)
        if let mean = report?["testAccuracy"] as? Double, passes.count == 3 {
            #expect(abs(mean - passes.reduce(0, +) / 3) < 1e-12)
        }
        #expect((report?["testAccuracySD"] as? Double).map { $0 >= 0 } == true)
    }

    @Test func channelsThroughPnndTrainExactlyAsInProcess() throws {
        // mnist-shg-hybrid plays shg0 16 times per layer; through the embedded pnnd those plays are
        // pipelined. Same seed, same device: the trained network must come out bit for bit the same.
        let sandbox = try Sandbox()
        var checkpoints: [[[Double]]] = []
        for source in ["--simulate", "--in-process"] {
            let out = "run\(checkpoints.count)"
            let result = try sandbox.pnn("train", "mnist-shg-hybrid", source, "--subset", "128", "--test-subset", "32",
                                         "--epochs", "1", "--no-baseline", "--json", "--out", out)
            #expect(result.status == 0, "\(result.stderr)")
            let checkpoint = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: sandbox.path("\(out)/checkpoint.json")))) as? [String: Any]
            let layers = checkpoint?["layers"] as? [[String: Any]] ?? []
            checkpoints.append(layers.map { $0["values"] as? [Double] ?? [] })
        }
        #expect(!checkpoints[0].isEmpty)
        #expect(checkpoints[0] == checkpoints[1])
    }

    @Test(.timeLimit(.minutes(1)))
    func ctrlCStopsTheRunWhichIsStillEvaluatedAndWritten() async throws {
        // Hours on a rig must not be lost to end a run early: the first SIGINT stops training after
        // the batch in progress, and the run is evaluated, summarised and written as it stands.
        let sandbox = try Sandbox()
        guard let pnn = PNNExecutable.url else { throw PNNExecutable.LocateError() }
        let out = sandbox.path("stdout"), err = sandbox.path("stderr")
        let run = try Subprocess(pnn.path, ["train", "vowels-shg", "--in-process", "--epochs", "100000", "--json",
                                            "--out", "run"], directory: sandbox.url.path, stdout: out, stderr: err)
        // Interrupted once training is under way: its first progress line.
        while run.isRunning, !((try? String(contentsOfFile: err, encoding: .utf8)) ?? "").contains("epoch 1/") {
            try await Task.sleep(for: .milliseconds(10))
        }
        run.signal(SIGINT)
        let end = run.wait()
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        #expect(end.exited && end.status == 130, "status \(end.status): \(stderr)")
        #expect(stderr.contains("stopped by SIGINT"), "\(stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        let epoch = summary?["stoppedInEpoch"] as? Int ?? 0
        #expect((1 ..< 100_000).contains(epoch), "\(String(describing: summary))")
        #expect((summary?["testAccuracy"] as? Double).map { (0 ... 1).contains($0) } == true)
        #expect(summary?["baselineTestAccuracy"] is Double)
        for file in ["metrics.csv", "checkpoint.json", "curves.svg"] {
            #expect(sandbox.exists("run/\(file)"), "\(file)")
        }
        let csv = try String(contentsOfFile: sandbox.path("run/metrics.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").count == epoch + 1, "a header and one line per epoch run")

        // The checkpoint resumes the run after its last complete epoch (stopped again here).
        let checkpoint = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: sandbox.path("run/checkpoint.json")))) as? [String: Any]
        let done = (checkpoint?["training"] as? [String: Any])?["epochsDone"] as? Int ?? -1
        #expect(done == epoch || done == epoch - 1, "state after the last complete epoch: \(done), stopped in \(epoch)")
        let out2 = sandbox.path("stdout2"), err2 = sandbox.path("stderr2")
        let again = try Subprocess(pnn.path, ["train", "vowels-shg", "--in-process", "--resume", "run/checkpoint.json",
                                              "--json", "--out", "run2"], directory: sandbox.url.path, stdout: out2, stderr: err2)
        while again.isRunning, !((try? String(contentsOfFile: err2, encoding: .utf8)) ?? "").contains("epoch \(done + 1)/") {
            try await Task.sleep(for: .milliseconds(10))
        }
        again.signal(SIGINT)
        let end2 = again.wait()
        let stderr2 = (try? String(contentsOfFile: err2, encoding: .utf8)) ?? ""
        #expect(end2.exited && end2.status == 130 && stderr2.contains("resuming run/checkpoint.json after epoch \(done)"),
                "status \(end2.status): \(stderr2)")
        let summary2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out2))) as? [String: Any]
        #expect(summary2?["resumedFromEpoch"] as? Int == done)
        #expect((summary2?["stoppedInEpoch"] as? Int ?? 0) > done)
    }

    @Test func aCompletedRunCannotBeResumed() throws {
        let sandbox = try Sandbox()
        let done = try sandbox.pnn("train", "vowels-shg", "--in-process", "--epochs", "1", "--no-baseline", "--out", "run")
        #expect(done.status == 0, "\(done.stderr)")
        try sandbox.pnn("train", "vowels-shg", "--in-process", "--resume", "run/checkpoint.json", "--out", "run2")
            .expectFailure(65, mentioning: ["no training state"])
        try sandbox.pnn("train", "vowels-shg", "--in-process", "--mode", "insilico", "--resume", "run/checkpoint.json")
            .expectFailure(64, mentioning: ["mode pat"])
    }

    @Test func unknownExperiment() throws {
        try Sandbox().pnn("train", "mnist-banana", "--in-process").expectFailure(64, mentioning: ["mnist-banana", "vowels-shg"])
    }

    @Test func badTrainOptions() throws {
        let sandbox = try Sandbox()
        do {
            try sandbox.pnn("train", "vowels-shg", "--epochs", "0").expectUsageError(["--epochs"])
            try sandbox.pnn("train", "vowels-shg", "--mode", "magic").expectUsageError(["magic"])
            try sandbox.pnn("train", "vowels-shg", "--mode", "baseline").expectUsageError(["baseline"])
            try sandbox.pnn("train", "vowels-shg", "--learning-rate=-1").expectUsageError(["--learning-rate"])
            try sandbox.pnn("train", "vowels-shg", "--micro-batches", "0").expectUsageError(["--micro-batches", "1…64"])
            try sandbox.pnn("train", "vowels-shg", "--simulate", "--in-process").expectUsageError(["alternatives"])
            try sandbox.pnn("train", "vowels-shg", "--reconnect-seconds=-1").expectUsageError(["--reconnect-seconds", "0…86400"])
            try sandbox.pnn("eval", "c.json", "--reconnect-seconds", "nan").expectUsageError(["--reconnect-seconds"])
            try sandbox.pnn("train", "vowels-shg", "--resume", "c.json", "--epochs", "5").expectUsageError(["--epochs", "--resume"])
            try sandbox.pnn("train", "vowels-shg", "--in-process", "--resume", "absent.json").expectFailure(66, mentioning: ["absent.json"])
        }
    }

    @Test func missingDatasetDirectory() throws {
        try Sandbox().pnn("train", "vowels-shg", "--in-process", "--data", "nowhere").expectFailure(66, mentioning: ["nowhere"])
    }

    @Test func daemonNotRunning() throws {
        try Sandbox().pnn("train", "vowels-shg", "--socket", "/tmp/pnn-no-such.sock", "--epochs", "1")
            .expectFailure(69, mentioning: ["/tmp/pnn-no-such.sock"])
    }

    @Test func badTwinFile() throws {
        let sandbox = try Sandbox()
        try "not json".write(toFile: sandbox.path("twin.json"), atomically: true, encoding: .utf8)
        try sandbox.pnn("train", "vowels-shg", "--in-process", "--twin", "twin.json").expectFailure(65, mentioning: ["twin.json"])
        try sandbox.pnn("train", "vowels-shg", "--in-process", "--twin", "absent.json").expectFailure(66, mentioning: ["absent.json"])
    }

    @Test func evalBadCheckpoints() throws {
        let sandbox = try Sandbox()
        try sandbox.pnn("eval", "missing.json", "--in-process").expectFailure(66, mentioning: ["missing.json"])
        try sandbox.pnn("eval", "missing.json", "--in-process", "--repeat", "0").expectUsageError(["--repeat"])
        try sandbox.pnn("eval", "missing.json", "--in-process", "--test-subset", "0").expectUsageError(["--test-subset"])
        try "{}".write(toFile: sandbox.path("empty.json"), atomically: true, encoding: .utf8)
        try sandbox.pnn("eval", "empty.json", "--in-process").expectFailure(65, mentioning: ["empty.json"])
    }

    @Test func twinFitBadInput() throws {
        let sandbox = try Sandbox()
        try sandbox.pnn("twin", "fit", "shg0", "--samples", "3").expectUsageError(["--samples"])
        try sandbox.pnn("twin", "fit", "shg0", "--from", "probes").expectUsageError(["--model"])
        try sandbox.pnn("twin", "fit", "shg0", "--from", "probes", "--model", "shg").expectFailure(66, mentioning: ["x.npy"])
        try FileManager.default.createDirectory(atPath: sandbox.path("probes"), withIntermediateDirectories: true)
        try sandbox.write(Tensor<Float>(repeating: 0.5, shape: [10, 48]), to: "probes/x.npy")
        try sandbox.write(Tensor<Float>(repeating: 0.5, shape: [9, 16]), to: "probes/theta.npy")
        try sandbox.write(Tensor<Float>(repeating: 0.5, shape: [10, 32]), to: "probes/y.npy")
        try sandbox.pnn("twin", "fit", "shg0", "--from", "probes", "--model", "shg").expectFailure(65, mentioning: ["probes"])
    }

    @Test func twinFitInProcessReportsErrorAndNoiseFloor() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.pnn("twin", "fit", "shg0", "--in-process", "--samples", "100", "--iterations", "20",
                                     "--output", "t.json", "--json")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("heldOutRMSError") && result.stdout.contains("noiseFloorRMS"))
        #expect(sandbox.exists("t.json"))
    }
}

extension PNNExecutable.Result {
    /// ArgumentParser's validation errors: status 64, the reason on stderr, followed by its usage text.
    func expectUsageError(_ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(exited && status == 64, "status \(status): \(stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(stderr.contains(fragment), "stderr lacks \(fragment): \(stderr)", sourceLocation: sourceLocation)
        }
    }
}
