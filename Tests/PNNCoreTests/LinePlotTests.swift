import Foundation
import PNNCore
import Testing

@Suite struct LinePlotTests {
    static func svg(_ values: [Double]) -> String {
        Figure(panels: [LinePlot(title: "t", xLabel: "x", yLabel: "y", series: [
            .init(label: "a", values: values, color: "#000"),
        ])]).svg()
    }

    /// The points of the one polyline, as (x, y) pairs.
    static func points(_ svg: String) -> [(Double, Double)] {
        guard let start = svg.range(of: "points=\"")?.upperBound,
              let end = svg[start...].firstIndex(of: "\"") else { return [] }
        return svg[start ..< end].split(separator: " ").compactMap { pair in
            let xy = pair.split(separator: ",").compactMap { Double($0) }
            return xy.count == 2 ? (xy[0], xy[1]) : nil
        }
    }

    @Test func drawsEveryValueInsideThePanel() {
        let svg = Self.svg([0, 1, 4, 9])
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        let points = Self.points(svg)
        #expect(points.count == 4)
        // Larger values sit higher (smaller SVG y); x increases along the series.
        #expect(zip(points, points.dropFirst()).allSatisfy { $0.0 < $1.0 && $0.1 > $1.1 })
    }

    /// Found by fuzzing twin files: a twin offset of 1e308 made the axis range overflow, and the
    /// conversion of an infinite coordinate to Int trapped `pnn train` after training had finished.
    @Test func valuesThatWouldOverflowTheAxisAreGapsNotACrash() {
        let svg = Self.svg([1, 1e308, -1e308, .infinity, .nan, 2, .greatestFiniteMagnitude])
        #expect(Self.points(svg).count == 2, "only 1 and 2 are drawn")
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        let empty = Self.svg([.nan, .infinity])
        #expect(Self.points(empty).isEmpty)
    }
}
