import ArgumentParser
import PNNTraining

/// Where the device comes from, shared by `pnn train`, `pnn eval` and `pnn twin fit`.
struct DeviceSourceOptions: ParsableArguments {
    @Flag(help: "Start an embedded pnnd with the simulated devices on a private socket (the same protocol path as the lab).")
    var simulate = false

    @Flag(name: .customLong("in-process"), help: "Use the simulator inside pnn, without pnnd (benchmarks, quick checks).")
    var inProcess = false

    @Option(help: ArgumentHelp("Device to run on (default: the experiment's, e.g. shg0).", valueName: "DEV"))
    var device: String?

    @Option(name: .customLong("reconnect-seconds"), help: ArgumentHelp(
        "When the connection to pnnd is lost, keep trying this long to connect and lease the device again, then go on (0: fail at once).",
        valueName: "S"))
    var reconnectSeconds: Double = 60

    func validate() throws {
        if simulate && inProcess { throw ValidationError("--simulate and --in-process are alternatives") }
        if !(reconnectSeconds >= 0 && reconnectSeconds <= 86_400) {
            throw ValidationError("--reconnect-seconds must be 0…86400, got \(reconnectSeconds)")
        }
    }

    var source: DeviceSession.Source { simulate ? .simulate : (inProcess ? .inProcess : .daemon) }
}

extension TrainingMode: ExpressibleByArgument {}
