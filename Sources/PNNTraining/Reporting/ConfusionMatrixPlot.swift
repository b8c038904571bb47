/// A confusion matrix as an SVG heat map (rows: true class, columns: predicted), counts in the cells.
public struct ConfusionMatrixPlot: Sendable {
    public var title: String
    public var classNames: [String]
    public var counts: [[Int]]

    public init(title: String, classNames: [String], counts: [[Int]]) {
        self.title = title
        self.classNames = classNames
        self.counts = counts
    }

    public func svg() -> String {
        let n = counts.count
        let cell = n > 8 ? 36.0 : 48.0
        let left = 90.0, top = 60.0
        let width = left + cell * Double(n) + 20, height = top + cell * Double(n) + 50
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(Int(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        out += "<text x=\"\(Int(left + cell * Double(n) / 2))\" y=\"44\" text-anchor=\"middle\" font-size=\"11\">predicted</text>\n"
        out += "<text x=\"14\" y=\"\(Int(top + cell * Double(n) / 2))\" font-size=\"11\" transform=\"rotate(-90 14 \(Int(top + cell * Double(n) / 2)))\" text-anchor=\"middle\">true</text>\n"
        for (t, row) in counts.enumerated() {
            let total = max(row.reduce(0, +), 1)
            for (p, count) in row.enumerated() {
                // Shade by the fraction of the true class, so rare classes read as clearly as common ones.
                let level = Double(count) / Double(total)
                let shade = Int(255 - 200 * level)
                let x = left + Double(p) * cell, y = top + Double(t) * cell
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(shade),\(shade),255)\" stroke=\"#ccc\"/>"
                out += "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" font-size=\"11\" fill=\"\(level > 0.6 ? "white" : "black")\">\(count)</text>\n"
            }
            let name = t < classNames.count ? classNames[t] : "\(t)"
            out += "<text x=\"\(left - 6)\" y=\"\(top + Double(t) * cell + cell / 2 + 4)\" text-anchor=\"end\" font-size=\"11\">\(escape(name))</text>\n"
            out += "<text x=\"\(left + Double(t) * cell + cell / 2)\" y=\"\(top + cell * Double(n) + 16)\" text-anchor=\"middle\" font-size=\"11\">\(escape(name))</text>\n"
        }
        out += "</svg>\n"
        return out
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
