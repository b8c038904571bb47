/// One panel of line series with axes, tick labels and a legend, rendered as SVG.
///
/// Deliberately dependency-free: the lab machine has no plotting stack, and an SVG opens in any browser.
public struct LinePlot: Sendable {
    /// One curve: y values at x = 0, 1, 2 … times `xStep` (plus `xStart`).
    public struct Series: Sendable {
        public var label: String
        public var values: [Double]
        public var color: String
        public var dashed: Bool
        public init(label: String, values: [Double], color: String, dashed: Bool = false) {
            self.label = label
            self.values = values
            self.color = color
            self.dashed = dashed
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var xStart: Double
    public var xStep: Double
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, xStart: Double = 0, xStep: Double = 1,
                series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.xStart = xStart
        self.xStep = xStep
        self.series = series
    }

    /// Values drawn: finite, and small enough that the axis range (max − min, plus its padding) stays
    /// finite. A diverged run's 1e308 or ∞ is left out, as a gap, rather than collapsing the axis.
    static func plottable(_ v: Double) -> Bool { v.isFinite && abs(v) <= 1e300 }

    /// SVG elements for this panel inside the rectangle (x, y, width, height).
    func elements(x left: Double, y top: Double, width: Double, height: Double) -> String {
        let margin = (left: 64.0, right: 16.0, top: 28.0, bottom: 40.0)
        let plotX = left + margin.left, plotY = top + margin.top
        let plotW = width - margin.left - margin.right, plotH = height - margin.top - margin.bottom
        let finite = series.flatMap(\.values).filter(Self.plottable)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi - lo < 1e-300 { lo -= 1; hi += 1 }
        let pad = (hi - lo) * 0.05
        lo -= pad
        hi += pad
        let count = max(2, series.map(\.values.count).max() ?? 2)
        let xEnd = xStart + Double(count - 1) * xStep
        func px(_ i: Int) -> Double { plotX + Double(i) / Double(count - 1) * plotW }
        func py(_ v: Double) -> Double { plotY + (hi - v) / (hi - lo) * plotH }

        var out = ""
        out += "<text x=\"\(f(left + width / 2))\" y=\"\(f(top + 18))\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(escape(title))</text>\n"
        out += "<rect x=\"\(f(plotX))\" y=\"\(f(plotY))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"#444\"/>\n"
        for t in 0 ... 4 {
            let v = lo + (hi - lo) * Double(t) / 4
            let yy = py(v)
            out += "<line x1=\"\(f(plotX - 4))\" y1=\"\(f(yy))\" x2=\"\(f(plotX))\" y2=\"\(f(yy))\" stroke=\"#444\"/>"
            out += "<text x=\"\(f(plotX - 6))\" y=\"\(f(yy + 4))\" text-anchor=\"end\" font-size=\"10\">\(tick(v))</text>\n"
            let xv = xStart + (xEnd - xStart) * Double(t) / 4
            let xx = plotX + plotW * Double(t) / 4
            out += "<line x1=\"\(f(xx))\" y1=\"\(f(plotY + plotH))\" x2=\"\(f(xx))\" y2=\"\(f(plotY + plotH + 4))\" stroke=\"#444\"/>"
            out += "<text x=\"\(f(xx))\" y=\"\(f(plotY + plotH + 16))\" text-anchor=\"middle\" font-size=\"10\">\(tick(xv))</text>\n"
        }
        out += "<text x=\"\(f(plotX + plotW / 2))\" y=\"\(f(top + height - 6))\" text-anchor=\"middle\" font-size=\"11\">\(escape(xLabel))</text>\n"
        out += "<text x=\"\(f(left + 14))\" y=\"\(f(plotY + plotH / 2))\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 \(f(left + 14)) \(f(plotY + plotH / 2)))\">\(escape(yLabel))</text>\n"
        for s in series {
            let points = s.values.enumerated().filter { Self.plottable($0.element) }
                .map { "\(f(px($0.offset))),\(f(py($0.element)))" }.joined(separator: " ")
            let dash = s.dashed ? " stroke-dasharray=\"5,3\"" : ""
            out += "<polyline fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"1.4\"\(dash) points=\"\(points)\"/>\n"
        }
        for (i, s) in series.enumerated() {
            let ly = plotY + 12 + Double(i) * 14
            let dash = s.dashed ? " stroke-dasharray=\"5,3\"" : ""
            out += "<line x1=\"\(f(plotX + plotW - 150))\" y1=\"\(f(ly - 4))\" x2=\"\(f(plotX + plotW - 130))\" y2=\"\(f(ly - 4))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dash)/>"
            out += "<text x=\"\(f(plotX + plotW - 125))\" y=\"\(f(ly))\" font-size=\"10\">\(escape(s.label))</text>\n"
        }
        return out
    }
}

/// Several `LinePlot` panels stacked vertically in one SVG document.
public struct Figure: Sendable {
    public var panels: [LinePlot]
    public var width: Double
    public var panelHeight: Double

    public init(panels: [LinePlot], width: Double = 760, panelHeight: Double = 240) {
        self.panels = panels
        self.width = width
        self.panelHeight = panelHeight
    }

    /// The complete SVG document.
    public func svg() -> String {
        let height = panelHeight * Double(panels.count)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"sans-serif\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for (i, panel) in panels.enumerated() {
            out += panel.elements(x: 0, y: Double(i) * panelHeight, width: width, height: panelHeight)
        }
        return out + "</svg>\n"
    }
}

private func f(_ v: Double) -> String {
    let r = (v * 10).rounded() / 10
    // Coordinates and labels are never this large, but a conversion to Int must not trap if they are.
    guard r.isFinite, abs(r) < 1e15 else { return r.isFinite ? String(r) : "0" }
    return r == r.rounded() ? String(Int(r)) : String(r)
}

private func tick(_ v: Double) -> String {
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e4 || a < 1e-3 {
        // Short scientific notation without Foundation's formatters.
        var exponent = 0
        var m = a
        while m >= 10 { m /= 10; exponent += 1 }
        while m < 1 { m *= 10; exponent -= 1 }
        let mantissa = (m * 100).rounded() / 100
        return "\(v < 0 ? "-" : "")\(mantissa)e\(exponent)"
    }
    let digits = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3
    var scale = 1.0
    for _ in 0 ..< digits { scale *= 10 }
    let r = (v * scale).rounded() / scale
    return digits == 0 && abs(r) < 1e15 ? String(Int(r)) : String(r)
}

private func escape(_ s: String) -> String {
    s.replacingOccurrences("&", "&amp;").replacingOccurrences("<", "&lt;").replacingOccurrences(">", "&gt;")
}

extension String {
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
