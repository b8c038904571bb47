/// A syntax check for udev rules files, for systems whose udevadm (systemd < 253) has no `verify`.
///
/// It knows the keys and operators of udev(7): match keys take `==`/`!=`, assignment keys
/// `=`/`+=`/`-=`/`:=`, values are double-quoted, `$…`/`%…` substitutions must be known ones,
/// every rule assigns something, and every GOTO has a later LABEL in the same file.
struct UdevRuleLinter {
    struct Token: Equatable {
        let key: String
        let attribute: String?
        let op: String
        let value: String
    }

    struct Rule {
        let line: Int
        let tokens: [Token]
    }

    static let matchOnly: Set<String> = [
        "ACTION", "DEVPATH", "KERNEL", "KERNELS", "SUBSYSTEMS", "DRIVERS", "ATTRS", "TAGS", "TEST", "PROGRAM",
        "RESULT", "CONST", "SUBSYSTEM", "DRIVER",
    ]
    static let assignOnly: Set<String> = [
        "OWNER", "GROUP", "MODE", "SECLABEL", "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS",
    ]
    static let both: Set<String> = ["NAME", "SYMLINK", "ATTR", "SYSCTL", "ENV", "TAG"]
    static let withAttribute: Set<String> = ["ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "IMPORT", "RUN", "SECLABEL"]
    static let attributeRequired: Set<String> = ["ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "IMPORT", "SECLABEL"]
    static let matchOperators: Set<String> = ["==", "!="]
    static let assignOperators: Set<String> = ["=", "+=", "-=", ":="]
    static let substitutions: Set<String> = [
        "kernel", "number", "devpath", "id", "driver", "attr", "sysfs", "env", "major", "minor", "result", "parent",
        "name", "links", "root", "sys", "devnode", "tempnode",
    ]
    static let percentSubstitutions: Set<Character> = ["k", "n", "p", "b", "d", "s", "E", "M", "m", "c", "P", "N", "l", "r", "S", "D", "%"]

    private(set) var rules: [Rule] = []
    private(set) var problems: [String] = []

    init(_ text: String) {
        var logical: [(line: Int, text: String)] = []
        var pending = ""
        var pendingStart = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = String(raw)
            if pending.isEmpty { pendingStart = index + 1 }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line
                continue
            }
            pending += line
            logical.append((pendingStart, pending))
            pending = ""
        }
        if !pending.isEmpty { problems.append("line \(pendingStart): continuation at end of file") }

        for (line, text) in logical {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if let tokens = parse(trimmed, line: line) {
                rules.append(Rule(line: line, tokens: tokens))
            }
        }
        checkLabels()
    }

    private mutating func parse(_ text: String, line: Int) -> [Token]? {
        var tokens: [Token] = []
        var rest = Substring(text)
        func skip(_ characters: Set<Character>) {
            while let first = rest.first, characters.contains(first) { rest.removeFirst() }
        }
        while true {
            skip([" ", "\t"])
            if rest.isEmpty { break }
            let key = String(rest.prefix { $0.isUppercase || $0 == "_" })
            guard !key.isEmpty else {
                problems.append("line \(line): expected a key at '\(rest.prefix(20))'")
                return nil
            }
            rest.removeFirst(key.count)
            var attribute: String?
            if rest.first == "{" {
                guard let close = rest.firstIndex(of: "}") else {
                    problems.append("line \(line): unterminated {} after \(key)")
                    return nil
                }
                attribute = String(rest[rest.index(after: rest.startIndex) ..< close])
                rest = rest[rest.index(after: close)...]
            }
            skip([" ", "\t"])
            let op = ["==", "!=", "+=", "-=", ":=", "="].first { rest.hasPrefix($0) }
            guard let op else {
                problems.append("line \(line): expected an operator after \(key)")
                return nil
            }
            rest.removeFirst(op.count)
            skip([" ", "\t"])
            guard rest.first == "\"" else {
                problems.append("line \(line): value of \(key) must be double-quoted")
                return nil
            }
            rest.removeFirst()
            var value = ""
            var closed = false
            while let character = rest.first {
                rest.removeFirst()
                if character == "\\", let next = rest.first {
                    value.append(character)
                    value.append(next)
                    rest.removeFirst()
                } else if character == "\"" {
                    closed = true
                    break
                } else {
                    value.append(character)
                }
            }
            guard closed else {
                problems.append("line \(line): unterminated value of \(key)")
                return nil
            }
            tokens.append(Token(key: key, attribute: attribute, op: op, value: value))
            skip([" ", "\t"])
            if rest.isEmpty { break }
            guard rest.first == "," else {
                problems.append("line \(line): expected ',' after \(key)")
                return nil
            }
            rest.removeFirst()
            skip([" ", "\t"])
            if rest.isEmpty {
                problems.append("line \(line): trailing comma")
                return nil
            }
        }
        check(tokens, line: line)
        return tokens
    }

    private mutating func check(_ tokens: [Token], line: Int) {
        var assigns = false
        for token in tokens {
            let key = token.key
            guard Self.matchOnly.contains(key) || Self.assignOnly.contains(key) || Self.both.contains(key) else {
                problems.append("line \(line): unknown key \(key)")
                continue
            }
            if token.attribute != nil, !Self.withAttribute.contains(key) {
                problems.append("line \(line): \(key) takes no {attribute}")
            }
            if token.attribute == nil, Self.attributeRequired.contains(key) {
                problems.append("line \(line): \(key) needs an {attribute}")
            }
            let isMatch = Self.matchOperators.contains(token.op)
            if isMatch, Self.assignOnly.contains(key) {
                problems.append("line \(line): \(key) cannot be matched (\(token.op))")
            }
            if !isMatch, Self.matchOnly.contains(key) {
                problems.append("line \(line): \(key) cannot be assigned (\(token.op))")
            }
            if !isMatch { assigns = true }
            if key == "MODE", !isMatch, token.value.count != 4 || !token.value.allSatisfy({ ("0" ... "7").contains($0) }) {
                problems.append("line \(line): MODE '\(token.value)' is not four octal digits")
            }
            checkSubstitutions(token.value, line: line)
        }
        if !assigns { problems.append("line \(line): rule only matches, assigns nothing") }
    }

    private mutating func checkSubstitutions(_ value: String, line: Int) {
        var index = value.startIndex
        while index < value.endIndex {
            let character = value[index]
            let next = value.index(after: index)
            if character == "$" {
                let name = String(value[next...].prefix { $0.isLetter })
                if name.isEmpty, value[next...].first == "$" {
                    index = value.index(after: next)
                    continue
                }
                if !Self.substitutions.contains(name) {
                    problems.append("line \(line): unknown substitution $\(name)")
                }
                index = value.index(next, offsetBy: name.count)
                if index < value.endIndex, value[index] == "{" {
                    guard let close = value[index...].firstIndex(of: "}") else {
                        problems.append("line \(line): unterminated ${…}")
                        return
                    }
                    index = value.index(after: close)
                }
                continue
            }
            if character == "%" {
                guard next < value.endIndex, Self.percentSubstitutions.contains(value[next]) else {
                    problems.append("line \(line): unknown substitution %\(next < value.endIndex ? String(value[next]) : "")")
                    return
                }
                index = value.index(after: next)
                continue
            }
            index = next
        }
    }

    private mutating func checkLabels() {
        for (position, rule) in rules.enumerated() {
            for token in rule.tokens where token.key == "GOTO" {
                let later = rules[(position + 1)...].contains { $0.tokens.contains { $0.key == "LABEL" && $0.value == token.value } }
                if !later { problems.append("line \(rule.line): GOTO \"\(token.value)\" has no LABEL after it") }
            }
        }
    }

    /// Every value assigned to `key` (with `attribute`) anywhere in the file.
    func assignedValues(_ key: String, attribute: String? = nil) -> Set<String> {
        Set(rules.flatMap { $0.tokens }.filter { $0.key == key && $0.attribute == attribute && !Self.matchOperators.contains($0.op) }.map(\.value))
    }
}
