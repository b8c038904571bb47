/// Line numbers of the tables and keys of a TOML document, found by a light scan of its text.
///
/// TOMLKit hands back values without their source positions, so after toml++ has accepted the
/// document this scanner walks it once more: it follows table headers, counts `[[array]]` elements
/// and records the line of every key. Paths are dotted with array elements as `name#index`
/// (`device#1.limits.maximum` is `maximum` under `[device.limits]` of the second `[[device]]`).
/// A path that was never written (an inline-table member, a missing key) resolves to its nearest
/// recorded ancestor, so errors still point at the line that holds it.
struct SourceMap: Sendable {
    private var lines: [String: Int] = [:]
    /// The path of the key written on each key/value line.
    private var keys: [Int: String] = [:]
    /// The first table header without a key after its `[` or `[[` (see `Scanner.checkHeaderKey`).
    private(set) var malformedHeader: MalformedHeader?

    /// Where a header lacks its key, and what stands there instead.
    struct MalformedHeader: Sendable, Equatable {
        var line: Int
        /// 1-based, in bytes.
        var column: Int
        /// The offending character, or nil at the end of the line.
        var found: String?
    }

    /// Scans `text`; it need not be valid TOML (a syntax error still gets the key of its line).
    init(text: String) {
        var scanner = Scanner()
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if let path = scanner.scan(line: Array(line.utf8), number: number, into: &lines) { keys[number] = path }
            if malformedHeader == nil, let column = scanner.malformedHeaderColumn {
                // The character at `column` (a whole one, however many bytes), or nil at the line's end.
                let rest = line.utf8.dropFirst(column - 1)
                let found = rest.first == UInt8(ascii: "\r") ? nil : String(decoding: rest, as: UTF8.self).first.map(String.init)
                malformedHeader = MalformedHeader(line: number, column: column, found: found)
            }
            scanner.malformedHeaderColumn = nil
        }
    }

    /// Path of the key written on `line`, if a key/value pair starts there.
    func key(onLine line: Int) -> String? { keys[line] }

    /// The line of `path`, or of its nearest recorded ancestor; nil when none is recorded.
    func line(of path: String) -> Int? {
        var path = Substring(path)
        while true {
            if let line = lines[String(path)] { return line }
            // Drop an element index first (`device#1` → `device`), then the last key.
            if let hash = path.lastIndex(of: "#"), !path[hash...].contains(".") {
                path = path[..<hash]
            } else if let dot = path.lastIndex(of: ".") {
                path = path[..<dot]
            } else {
                return nil
            }
        }
    }

    /// The exact line of `path`, without falling back to an ancestor.
    func exactLine(of path: String) -> Int? { lines[path] }
}

extension SourceMap {
    /// Scanner state carried from line to line.
    private struct Scanner {
        /// Path of the table the following keys belong to ("" for the root table).
        var table = ""
        /// Elements seen so far per array-of-tables path (with the indices of enclosing arrays).
        var arrayCounts: [String: Int] = [:]
        /// Inside a multi-line string: its closing delimiter (`"""` or `'''`).
        var openString: [UInt8]? = nil
        /// Open `[`/`{` of a value spanning several lines.
        var depth = 0
        /// Set by `scan` when the line is a table header with no key where one must start.
        var malformedHeaderColumn: Int?

        /// Records the table or keys of one line; returns the path of the key when a key/value pair starts here.
        mutating func scan(line: [UInt8], number: Int, into lines: inout [String: Int]) -> String? {
            var i = 0
            if openString != nil || depth > 0 {
                skipValue(line, from: &i)
                return nil
            }
            skipSpace(line, &i)
            guard i < line.count, line[i] != UInt8(ascii: "#"), line[i] != UInt8(ascii: "\r") else { return nil }
            if line[i] == UInt8(ascii: "[") {
                let isArray = i + 1 < line.count && line[i + 1] == UInt8(ascii: "[")
                i += isArray ? 2 : 1
                checkHeaderKey(line, after: i, isArray: isArray)
                let keys = parseKey(line, &i)
                guard !keys.isEmpty else { return nil }
                table = resolve(keys, appending: isArray)
                lines[table] = number
                return nil
            }
            let keys = parseKey(line, &i)
            guard !keys.isEmpty else { return nil }
            let prefix = table.isEmpty ? "" : table + "."
            for end in 1 ... keys.count {
                let path = prefix + keys[..<end].joined(separator: ".")
                if lines[path] == nil || end == keys.count { lines[path] = number }
            }
            skipSpace(line, &i)
            if i < line.count, line[i] == UInt8(ascii: "=") { i += 1 }
            skipValue(line, from: &i)
            return prefix + keys.joined(separator: ".")
        }

        /// A header's key must start right after its brackets (and blanks): with a bare-key character or a
        /// quote. toml++ (the version TOMLKit bundles) does not check this itself, and an assertion then
        /// aborts the process — pnnd, on a reload — instead of reporting an error. So such a header is
        /// noted here and reported before toml++ sees the text. `]` and a spaced-out `[ [` are left to
        /// toml++, which reports them.
        private mutating func checkHeaderKey(_ line: [UInt8], after start: Int, isArray: Bool) {
            var i = start
            skipSpace(line, &i)
            guard i < line.count else {
                malformedHeaderColumn = i + 1
                return
            }
            let c = line[i]
            if Self.isBareKeyByte(c) || c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "]") { return }
            // `[ [name]]`: toml++ reports the spaced-out array brackets itself. After `[[` a third `[` is
            // where the key should be.
            if c == UInt8(ascii: "["), !isArray, i > start { return }
            malformedHeaderColumn = i + 1
        }

        /// The path of a header's keys, with array elements indexed; a `[[header]]` adds an element.
        private mutating func resolve(_ keys: [String], appending: Bool) -> String {
            var path = ""
            for (n, key) in keys.enumerated() {
                path = path.isEmpty ? key : path + "." + key
                if appending && n == keys.count - 1 {
                    let index = arrayCounts[path, default: 0]
                    arrayCounts[path] = index + 1
                    path += "#\(index)"
                } else if let count = arrayCounts[path] {
                    path += "#\(count - 1)"
                }
            }
            return path
        }

        /// Reads a dotted key (bare or quoted parts) up to `=` or `]`.
        private func parseKey(_ line: [UInt8], _ i: inout Int) -> [String] {
            var keys: [String] = []
            while i < line.count {
                skipSpace(line, &i)
                guard i < line.count else { break }
                let c = line[i]
                if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    i += 1
                    var bytes: [UInt8] = []
                    while i < line.count, line[i] != c {
                        if c == UInt8(ascii: "\""), line[i] == UInt8(ascii: "\\"), i + 1 < line.count {
                            i += 1
                        }
                        bytes.append(line[i])
                        i += 1
                    }
                    i += 1
                    keys.append(String(decoding: bytes, as: UTF8.self))
                } else {
                    let start = i
                    while i < line.count, Self.isBareKeyByte(line[i]) { i += 1 }
                    guard i > start else { break }
                    keys.append(String(decoding: line[start ..< i], as: UTF8.self))
                }
                skipSpace(line, &i)
                guard i < line.count, line[i] == UInt8(ascii: ".") else { break }
                i += 1
            }
            return keys
        }

        /// Skips a value (or the rest of one), tracking strings and brackets that continue on later lines.
        private mutating func skipValue(_ line: [UInt8], from i: inout Int) {
            while i < line.count {
                if let close = openString {
                    if matches(line, at: i, close) {
                        i += close.count
                        // A multi-line string may end with up to two extra quotes.
                        while i < line.count, line[i] == close[0] { i += 1 }
                        openString = nil
                    } else {
                        if close[0] == UInt8(ascii: "\""), line[i] == UInt8(ascii: "\\") { i += 1 }
                        i += 1
                    }
                    continue
                }
                let c = line[i]
                switch c {
                case UInt8(ascii: "#"):
                    return
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    let triple = [c, c, c]
                    if matches(line, at: i, triple) {
                        openString = triple
                        i += 3
                    } else {
                        i += 1
                        while i < line.count, line[i] != c {
                            if c == UInt8(ascii: "\""), line[i] == UInt8(ascii: "\\") { i += 1 }
                            i += 1
                        }
                        i += 1
                    }
                case UInt8(ascii: "["), UInt8(ascii: "{"):
                    depth += 1
                    i += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth = max(0, depth - 1)
                    i += 1
                default:
                    i += 1
                }
            }
        }

        private func matches(_ line: [UInt8], at i: Int, _ pattern: [UInt8]) -> Bool {
            guard i + pattern.count <= line.count else { return false }
            return line[i ..< i + pattern.count].elementsEqual(pattern)
        }

        private func skipSpace(_ line: [UInt8], _ i: inout Int) {
            while i < line.count, line[i] == UInt8(ascii: " ") || line[i] == UInt8(ascii: "\t") { i += 1 }
        }

        private static func isBareKeyByte(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}
