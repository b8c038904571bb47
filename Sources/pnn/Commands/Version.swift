import ArgumentParser
import PNNDevices

/// `pnn version`: pnn's version and the system libraries it links.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print pnn's version and the versions of libusb and libgpiod it links.")

    @OptionGroup var output: OutputOptions

    struct Report: Encodable {
        var pnn: String
        var libusb: String
        var libgpiod: String
    }

    func run() throws {
        let report = Report(
            pnn: PNN.version,
            libusb: SystemLibraries.libusbVersion,
            libgpiod: SystemLibraries.libgpiodVersion)
        if output.json {
            try JSONOutput.print(report)
        } else {
            print("pnn \(report.pnn)")
            print("libusb \(report.libusb)")
            print("libgpiod \(report.libgpiod)")
        }
    }
}
