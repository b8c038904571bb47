@testable import PNNConfig
import Testing

@Suite struct SourceMapTests {
    static let text = #"""
        # comment = 1
        top = "x"
        [server]
        socket = "/a" # trailing
        list = [
            "not = a key",
            2,
        ]
        text = """
        fake = 3
        [fake]
        """
        "quoted key" = 1
        dotted.inner = 2

        [[device]]
        name = "a"
        limits = { minimum = 0, maximum = 1 }
        [device.model]
        k = 1
        [[device]]
        name = "b"
        [device.limits]
        maximum = 2
        """#

    @Test func recordsTablesAndKeysByLine() {
        let map = SourceMap(text: Self.text)
        #expect(map.exactLine(of: "top") == 2)
        #expect(map.exactLine(of: "server") == 3)
        #expect(map.exactLine(of: "server.socket") == 4)
        #expect(map.exactLine(of: "server.list") == 5)
        #expect(map.exactLine(of: "server.text") == 9)
        #expect(map.exactLine(of: "server.quoted key") == 13)
        #expect(map.exactLine(of: "server.dotted") == 14)
        #expect(map.exactLine(of: "server.dotted.inner") == 14)
        #expect(map.exactLine(of: "device#0") == 16)
        #expect(map.exactLine(of: "device#0.name") == 17)
        #expect(map.exactLine(of: "device#0.limits") == 18)
        #expect(map.exactLine(of: "device#0.model") == 19)
        #expect(map.exactLine(of: "device#0.model.k") == 20)
        #expect(map.exactLine(of: "device#1") == 21)
        #expect(map.exactLine(of: "device#1.name") == 22)
        #expect(map.exactLine(of: "device#1.limits") == 23)
        #expect(map.exactLine(of: "device#1.limits.maximum") == 24)
    }

    @Test func skipsStringsAndMultiLineValues() {
        let map = SourceMap(text: Self.text)
        #expect(map.exactLine(of: "server.fake") == nil)
        #expect(map.exactLine(of: "fake") == nil)
        #expect(map.exactLine(of: "comment") == nil)
        #expect(map.exactLine(of: "server.not") == nil)
    }

    @Test func unwrittenPathsFallBackToTheirTable() {
        let map = SourceMap(text: Self.text)
        #expect(map.line(of: "device#0.limits.maximum") == 18)
        #expect(map.line(of: "device#1.seed") == 21)
        #expect(map.line(of: "device#5.name") == nil)
        #expect(map.line(of: "nothing") == nil)
    }
}
