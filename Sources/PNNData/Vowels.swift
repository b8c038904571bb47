import PNNCore

/// The 7-class vowel formant set of the SHG-PNN experiment (Wright et al., Nature 601, 549 (2022);
/// data from Hillenbrand et al. 1995): 12 normalised formant features per utterance, 210 training
/// and 49 test rows in the paper code's fixed split.
///
/// Stored as `vowels/vowels.csv` with the header `split,label,vowel,x0,…,x11`. Class names come from
/// the file's own label → vowel pairs rather than a list here, so they cannot drift from the data;
/// the parser insists that the pairing is one-to-one and names the line and column of anything it
/// rejects.
public enum Vowels {
    /// Directory name under a data set root.
    public static let name = "vowels"
    /// The CSV file in that directory (`vowels.csv.gz` is accepted too).
    public static let fileName = "vowels.csv"
    /// Labels are `0 ..< classCount`.
    public static let classCount = 7
    /// Feature columns `x0 … x11`.
    public static let featureCount = 12
    /// The required header columns.
    public static let columns = ["split", "label", "vowel"] + (0 ..< featureCount).map { "x\($0)" }

    /// The first of `locator`'s candidate directories holding `vowels.csv`.
    public static func locate(using locator: DatasetLocator = .standard()) throws(DatasetError) -> String {
        try locator.locate(name, containing: [fileName])
    }

    /// Reads `vowels.csv` from `directory`, or from the first place `locator` finds it.
    public static func load(directory: String? = nil, locator: DatasetLocator = .standard()) throws(DatasetError) -> DatasetSplit {
        let directory = if let directory { directory } else { try locate(using: locator) }
        return try load(path: DatasetLocator.requireFile(fileName, in: directory))
    }

    /// Reads a vowels CSV file (gzip-compressed or not).
    public static func load(path: String) throws(DatasetError) -> DatasetSplit {
        let bytes = try DatasetFile.read(path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DatasetError(.malformedRow, path: path, "not valid UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses vowels CSV text; `path` is only used to name the source in errors.
    ///
    /// - Throws: `.malformedHeader` for a wrong header line; `.malformedRow` (line and column) for a
    ///   wrong column count, a non-numeric or non-finite feature, an unknown split or a label outside
    ///   0…6; `.inconsistent` when a label is paired with two vowels (or a vowel with two labels), a
    ///   label never occurs, or a split has no rows.
    public static func parse(_ text: String, path: String = fileName) throws(DatasetError) -> DatasetSplit {
        // "\r\n" is a single Character in Swift, so it is a separator of its own, not "\n" plus a "\r".
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        guard let headerLine = lines.first else {
            throw DatasetError(.malformedHeader, path: path, line: 1, "empty file, expected the header '\(columns.joined(separator: ","))'")
        }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { String(trimmed($0)) }
        guard header == columns else {
            throw DatasetError(.malformedHeader, path: path, line: 1,
                               "expected the header '\(columns.joined(separator: ","))', found '\(headerLine)'")
        }

        var features: [DatasetPart: [Double]] = [.train: [], .test: []]
        var labels: [DatasetPart: [Int]] = [.train: [], .test: []]
        var vowelOfLabel = [(vowel: String, line: Int)?](repeating: nil, count: classCount)
        var labelOfVowel: [String: (label: Int, line: Int)] = [:]
        for (offset, line) in lines.enumerated().dropFirst() where !trimmed(line).isEmpty {
            let number = offset + 1
            func rowError(_ message: String, column: String? = nil, kind: DatasetError.Kind = .malformedRow) -> DatasetError {
                DatasetError(kind, path: path, line: number, column: column, message)
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(trimmed)
            guard fields.count == columns.count else {
                throw rowError("expected \(columns.count) columns (split,label,vowel,x0…x\(featureCount - 1)), found \(fields.count)")
            }
            guard let part = DatasetPart(rawValue: String(fields[0])) else {
                throw rowError("unknown split '\(fields[0])', expected 'train' or 'test'", column: "split")
            }
            guard let label = Int(fields[1]), (0 ..< classCount).contains(label) else {
                throw rowError("must be an integer in 0…\(classCount - 1) (got \"\(fields[1])\")", column: "label")
            }
            let vowel = String(fields[2])
            guard !vowel.isEmpty else { throw rowError("is empty", column: "vowel") }
            if let known = vowelOfLabel[label], known.vowel != vowel {
                throw rowError("label \(label) is '\(known.vowel)' on line \(known.line) but '\(vowel)' here",
                               column: "vowel", kind: .inconsistent)
            }
            if let known = labelOfVowel[vowel], known.label != label {
                throw rowError("vowel '\(vowel)' is label \(known.label) on line \(known.line) but \(label) here",
                               column: "label", kind: .inconsistent)
            }
            if vowelOfLabel[label] == nil {
                vowelOfLabel[label] = (vowel, number)
                labelOfVowel[vowel] = (label, number)
            }
            for (index, field) in fields.dropFirst(3).enumerated() {
                guard let value = Double(field), value.isFinite else {
                    throw rowError("not a finite number: \"\(field)\"", column: columns[3 + index])
                }
                features[part, default: []].append(value)
            }
            labels[part, default: []].append(label)
        }

        var classNames: [String] = []
        for (label, entry) in vowelOfLabel.enumerated() {
            guard let entry else {
                throw DatasetError(.inconsistent, path: path, "label \(label) never occurs, so its vowel name is unknown")
            }
            classNames.append(entry.vowel)
        }
        func dataset(_ part: DatasetPart) throws(DatasetError) -> Dataset {
            let rows = labels[part, default: []]
            guard !rows.isEmpty else {
                throw DatasetError(.inconsistent, path: path, "no '\(part.rawValue)' rows")
            }
            let tensor = Tensor(uncheckedRows: features[part, default: []], columns: featureCount)
            return try Dataset(name: "\(name)/\(part.rawValue)", features: tensor, labels: rows, classNames: classNames)
        }
        return try DatasetSplit(train: dataset(.train), test: dataset(.test))
    }

    private static func trimmed(_ field: Substring) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = field.firstIndex(where: { !isBlank($0) }), let end = field.lastIndex(where: { !isBlank($0) }) else {
            return field[field.endIndex...]
        }
        return field[start ... end]
    }
}
