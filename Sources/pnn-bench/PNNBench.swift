import ArgumentParser

/// `pnn-bench`: performance figures, always as ratios against a baseline measured in the same run
/// (machines here are shared and noisy; absolute numbers alone would mislead).
@main
struct PNNBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pnn-bench",
        abstract: "Benchmarks for pnn (build with -c release).",
        subcommands: [PhysicsBenchmark.self, ProtocolBenchmark.self, TrainBenchmark.self])
}
