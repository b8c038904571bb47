/// Why a data set could not be found, read or accepted.
///
/// `description` names the file and, for text formats, the line and column, then says what was expected
/// and what was found, e.g.
/// `…/vowels.csv:17: column 'label': must be an integer in 0…6 (got "9")`. A `kind` lets callers
/// react (skip a test when a data set is absent) without matching on message text.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Kind: Sendable, Hashable {
        /// The file does not exist.
        case fileNotFound
        /// The file exists but cannot be opened or read (permissions, a directory, an I/O error).
        case notReadable
        /// The gzip stream is damaged: bad header, invalid deflate data or a checksum mismatch.
        case corruptGzip
        /// The file (or its gzip stream) ends before the data it declares.
        case truncated
        /// The header is not what the format requires: wrong magic, element type or rank.
        case malformedHeader
        /// The file holds more bytes than its header declares.
        case sizeMismatch
        /// A text row cannot be parsed: wrong column count, not a number, an unknown value.
        case malformedRow
        /// Each file is well formed but they disagree (image vs label counts, a label's class name).
        case inconsistent
        /// No search location holds the data set.
        case datasetNotFound
        /// A caller-supplied option cannot be honoured (e.g. a downsampling factor that does not divide).
        case invalidArgument
    }

    public var kind: Kind
    /// The file (or, for `.datasetNotFound`, the data set name) the error is about, when there is one.
    public var path: String?
    /// 1-based line in a text file, when known.
    public var line: Int?
    /// Column name in a text file, when known.
    public var column: String?
    /// What is wrong: what was expected and what was found.
    public var message: String

    public init(_ kind: Kind, path: String? = nil, line: Int? = nil, column: String? = nil, _ message: String) {
        self.kind = kind
        self.path = path
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var text = ""
        if let path {
            text = path
            if let line { text += ":\(line)" }
            text += ": "
        } else if let line {
            text = "line \(line): "
        }
        if let column { text += "column '\(column)': " }
        return text + message
    }
}
