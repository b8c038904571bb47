import PNNCore
import PNNPhysics
import Testing

/// The controllable-convolution claim: a linear plate convolves, a nonlinear one lets θ reshape the kernel.
@Suite struct ConvolutionAnalysisTests {
    @Test func linearPlateIsAConvolutionAndThetaReshapesTheNonlinearKernel() throws {
        var c = MechanicalModel.Configuration(shape: ModelShape(inputs: 24, parameters: 16, outputs: 8))
        c.drive.tailSegments = 24
        let (report, figure) = try ConvolutionAnalysis(configuration: c, seed: 3).run()
        #expect(report.linearConvolutionRelativeError <= 1e-3)
        #expect(report.linearConvolutionRelativeError <= 1e-10, "exact ZOH stepping makes the linear plate exactly LTI")
        #expect(report.nonlinearConvolutionRelativeError > 1e-3, "the Duffing term must break the convolution")
        #expect(report.linearKernelChangeByTheta <= 1e-9)
        #expect(report.nonlinearKernelChangeByTheta > 1e-2)
        #expect(report.kernelChanges.map(\.theta) == ["random", "constant", "resonant"])
        let svg = figure.svg()
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("polyline"))
    }

    @Test func defaultAnalysisMeetsTheIssueFigures() throws {
        let report = try ConvolutionAnalysis().run().report
        #expect(report.linearConvolutionRelativeError <= 1e-3)
        #expect(report.nonlinearKernelChangeByTheta > 1e-2)
    }
}
