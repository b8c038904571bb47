@testable import PNNConfig
import Testing

@Suite struct KeySuggestionTests {
    static let keys = ConfigParser.serverKeys

    @Test func typosFindTheirKey() {
        #expect(KeySuggestion.closest(to: "sokcet", in: Self.keys) == "socket")
        #expect(KeySuggestion.closest(to: "queueDepth", in: Self.keys) == "queue_depth")
        #expect(KeySuggestion.closest(to: "state_directory", in: Self.keys) == "state_dir")
        #expect(KeySuggestion.closest(to: "drain_second", in: Self.keys) == "drain_seconds")
        #expect(KeySuggestion.closest(to: "warn", in: ServerSettings.logLevels) == "warning")
    }

    @Test func unrelatedWordsGetNoSuggestion() {
        #expect(KeySuggestion.closest(to: "colour", in: Self.keys) == nil)
        #expect(KeySuggestion.closest(to: "x", in: Self.keys) == nil)
        #expect(KeySuggestion.hint(for: "colour", in: Self.keys) == "")
        #expect(KeySuggestion.closest(to: "abc", in: []) == nil)
    }

    @Test func editDistance() {
        func d(_ a: String, _ b: String) -> Int { KeySuggestion.editDistance(Array(a), Array(b)) }
        #expect(d("", "abc") == 3)
        #expect(d("kitten", "sitting") == 3)
        #expect(d("ab", "ba") == 1)
        #expect(d("same", "same") == 0)
    }
}
