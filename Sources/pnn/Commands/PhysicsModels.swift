import ArgumentParser
import PNNPhysics

/// `pnn physics models`: the model kinds with their MNIST layer sizes and detector ranges.
struct PhysicsModels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the physical models with their MNIST layer sizes N/P/M and output range.")

    @OptionGroup var output: OutputOptions

    struct Entry: Encodable {
        var kind: String
        /// MNIST layer sizes: inputs N, parameters P, outputs M.
        var mnistShape: ModelShape
        /// [lower, upper] of the simulated detector.
        var outputRange: [Double]
    }

    func run() throws {
        var entries: [Entry] = []
        for kind in ModelKind.allCases {
            let shape = ModelCatalog.mnistShape(kind)
            let model: any PhysicalModel
            do {
                model = try ModelCatalog.make(kind, shape: shape)
            } catch {
                throw CLIError.software("cannot build \(kind.rawValue) at its MNIST shape \(shape): \(error.message)")
            }
            let range = model.outputRange
            entries.append(Entry(kind: kind.rawValue, mnistShape: shape, outputRange: [range.lowerBound, range.upperBound]))
        }
        if output.json {
            try JSONOutput.print(entries)
            return
        }
        let rows = [["model", "N", "P", "M", "output range"]] + entries.map {
            [$0.kind, "\($0.mnistShape.inputs)", "\($0.mnistShape.parameters)", "\($0.mnistShape.outputs)",
             "[\(format($0.outputRange[0])), \(format($0.outputRange[1]))]"]
        }
        let widths = (0 ..< rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { c, cell in
                // Numbers right-aligned, text left-aligned.
                (1 ... 3).contains(c) ? pad(cell, widths[c], left: true) : pad(cell, widths[c], left: false)
            }
            print(cells.joined(separator: "  ").trimmingTrailingSpaces())
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : "\(value)"
    }

    private func pad(_ s: String, _ width: Int, left: Bool) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return left ? fill + s : s + fill
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
