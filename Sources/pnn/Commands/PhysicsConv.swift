import ArgumentParser
import Foundation
import PNNPhysics

/// `pnn physics conv`: the mechanical plate as a (controllable) convolution.
struct PhysicsConv: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Show the mechanical oscillator is a convolution when linear, and that θ reshapes its kernel when not.",
        discussion: """
            Drives an impulse into the linear plate (Duffing term off), measures the microphone's impulse \
            response h, and compares the response to a random drive x with h ∗ x. Then, with the \
            nonlinearity on, measures the data kernel with θ = 0 and with three parameter settings \
            (random, constant, a resonant pump) and reports how much θ changed it. Writes the curves as \
            an SVG figure.
            """)

    @Option(help: "Seed of the random drive and parameters.")
    var seed: UInt64 = 5

    @Option(help: ArgumentHelp("Where to write the SVG figure.", valueName: "FILE.svg"))
    var svg: String = "physics-conv.svg"

    @OptionGroup var format: OutputOptions

    struct Report: Encodable {
        var report: ConvolutionAnalysis.Report
        var linearConvolutionRelativeError: Double
        var nonlinearKernelChangeByTheta: Double
        var figure: String
    }

    func run() throws {
        let (report, figure) = try ConvolutionAnalysis(seed: seed).run()
        do {
            try figure.svg().write(toFile: svg, atomically: true, encoding: .utf8)
        } catch {
            throw CLIError.cannotCreate("cannot write '\(svg)': \(error.localizedDescription)")
        }
        if format.json {
            try JSONOutput.print(Report(report: report,
                                        linearConvolutionRelativeError: report.linearConvolutionRelativeError,
                                        nonlinearKernelChangeByTheta: report.nonlinearKernelChangeByTheta,
                                        figure: svg))
        } else {
            print("mechanical plate \(report.shape), microphone at \(Int(report.sampleRateHz)) Hz")
            print("linear regime:  ‖p − h∗x‖/‖p‖ = \(sci(report.linearConvolutionRelativeError))")
            print("Duffing on:     ‖p − h∗x‖/‖p‖ = \(sci(report.nonlinearConvolutionRelativeError))")
            print("kernel change ‖k_θ − k_0‖/‖k_0‖   linear      nonlinear")
            for change in report.kernelChanges {
                print("  θ = \(change.theta.padding(toLength: 10, withPad: " ", startingAt: 0))                \(sci(change.linear))    \(sci(change.nonlinear))")
            }
            print("figure: \(svg)")
        }
    }
}
