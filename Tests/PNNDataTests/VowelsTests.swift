import PNNCore
import PNNData
import Testing

@Suite struct VowelsTests {
    static let directory: String? = try? Vowels.locate()

    @Test(.enabled("vowels/vowels.csv not found by DatasetLocator.standard(); set PNN_DATASETS") { directory != nil })
    func realFileSplitAndClasses() throws {
        let directory = try #require(Self.directory)
        let split = try Vowels.load(directory: directory)
        #expect(split.train.count == 210)
        #expect(split.test.count == 49)
        #expect(split.train.featureCount == 12 && split.test.featureCount == 12)
        #expect(split.train.classNames == ["ae", "ah", "aw", "uw", "er", "iy", "ih"])
        #expect(split.test.classNames == split.train.classNames)
        #expect(split.train.labelCounts() == [29, 30, 31, 28, 33, 29, 30])
        #expect(split.test.labelCounts() == [8, 7, 6, 9, 4, 8, 7])
        let all = split.train.features.scalars + split.test.features.scalars
        #expect(all.allSatisfy { $0 > 0 && $0 <= 1 }, "features are divided by their column maximum")
        // First data row of the file: train, 6, ih, 0.407566636800766, …
        #expect(split.train.labels.first == 6)
        #expect(split.train.sample(0).first == 0.407566636800766)
    }

    static let header = "split,label,vowel," + (0 ..< 12).map { "x\($0)" }.joined(separator: ",")
    static func row(_ split: String, _ label: String, _ vowel: String, _ x: String = "0.5") -> String {
        "\(split),\(label),\(vowel)," + [String](repeating: "0.25", count: 11).joined(separator: ",") + ",\(x)"
    }

    /// One row per class in each split, plus `extra` lines appended (so the first extra is line 16).
    static func csv(_ extra: [String] = []) -> String {
        let vowels = ["ae", "ah", "aw", "uw", "er", "iy", "ih"]
        let rows = vowels.indices.map { row("train", "\($0)", vowels[$0]) } + vowels.indices.map { row("test", "\($0)", vowels[$0]) }
        return ([header] + rows + extra).joined(separator: "\n") + "\n"
    }

    @Test func parsesAMinimalFileWithCRLFAndSpaces() throws {
        let text = Self.csv([" test , 2 , aw ," + [String](repeating: "1", count: 12).joined(separator: ", ")])
            .replacing("\n", with: "\r\n")
        let split = try Vowels.parse(text)
        #expect(split.train.count == 7 && split.test.count == 8)
        #expect(split.test.labels.last == 2)
        #expect(split.test.sample(7) == [Double](repeating: 1, count: 12))
        #expect(split.train.name == "vowels/train")
    }

    @Test func loadsAGzippedFileFromADirectory() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("vowels.csv.gz", Fixtures.gzipStored(Array(Self.csv().utf8)))
        #expect(try Vowels.load(directory: directory.path).test.count == 7)
    }

    struct BadLine: Sendable, CustomTestStringConvertible {
        var line: String
        var column: String?
        var kind: DatasetError.Kind
        var message: String
        var testDescription: String { message }
    }

    static let badLines: [BadLine] = [
        BadLine(line: row("train", "1", "ah") + ",0.1", column: nil, kind: .malformedRow,
                message: "expected 15 columns (split,label,vowel,x0…x11), found 16"),
        BadLine(line: row("validation", "1", "ah"), column: "split", kind: .malformedRow,
                message: "unknown split 'validation', expected 'train' or 'test'"),
        BadLine(line: row("train", "7", "xx"), column: "label", kind: .malformedRow, message: "must be an integer in 0…6 (got \"7\")"),
        BadLine(line: row("train", "one", "ah"), column: "label", kind: .malformedRow, message: "must be an integer in 0…6 (got \"one\")"),
        BadLine(line: row("train", "1", "ah", "abc"), column: "x11", kind: .malformedRow, message: "not a finite number: \"abc\""),
        BadLine(line: row("train", "1", "ah", "nan"), column: "x11", kind: .malformedRow, message: "not a finite number: \"nan\""),
        BadLine(line: row("train", "1", "uw"), column: "vowel", kind: .inconsistent, message: "label 1 is 'ah' on line 3 but 'uw' here"),
        BadLine(line: row("train", "1", ""), column: "vowel", kind: .malformedRow, message: "is empty"),
    ]

    @Test(arguments: badLines)
    func badLineIsNamed(_ bad: BadLine) {
        let error = datasetError { () throws(DatasetError) in try Vowels.parse(Self.csv(["", bad.line]), path: "/d/vowels.csv") }
        #expect(error?.kind == bad.kind)
        #expect(error?.path == "/d/vowels.csv")
        #expect(error?.line == 17, "the blank line 16 is skipped but still counted")
        #expect(error?.column == bad.column)
        #expect(error?.message == bad.message)
    }

    @Test func vowelNamingTwoLabelsIsInconsistent() {
        // Line 3 gives label 1 the vowel that line 2 already gave label 0.
        let text = Self.csv().replacing("train,1,ah,", with: "train,1,ae,")
        let error = datasetError { () throws(DatasetError) in try Vowels.parse(text) }
        #expect(error?.kind == .inconsistent)
        #expect(error?.description == "vowels.csv:3: column 'label': vowel 'ae' is label 0 on line 2 but 1 here")
    }

    @Test func headerAndCoverageAreChecked() {
        let header = datasetError { () throws(DatasetError) in try Vowels.parse("split,label,vowel,x0\n") }
        #expect(header?.kind == .malformedHeader)
        #expect(header?.line == 1)
        let missing = Self.csv().split(separator: "\n").filter { !$0.contains(",4,er,") }.joined(separator: "\n")
        let error = datasetError { () throws(DatasetError) in try Vowels.parse(missing) }
        #expect(error?.kind == .inconsistent)
        #expect(error?.message == "label 4 never occurs, so its vowel name is unknown")
        let noTest = Self.csv().split(separator: "\n").filter { !$0.hasPrefix("test") }.joined(separator: "\n")
        #expect(datasetError { () throws(DatasetError) in try Vowels.parse(noTest) }?.message == "no 'test' rows")
    }
}
