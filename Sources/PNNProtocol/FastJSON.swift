import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Hand-written JSON for the metadata of the messages on the hot path (`run` requests and replies, and
// error replies). Foundation's JSONEncoder/JSONDecoder cost 10–50 µs per message here (generic Codable
// containers, metadata look-ups, dictionaries, Data ↔ ByteBuffer copies), which was most of a small
// request's round trip.
//
// The wire format does not change: the writer produces byte for byte what `JSONEncoder` with
// `[.sortedKeys, .withoutEscapingSlashes]` produces, and the reader yields exactly the struct
// `JSONDecoder` would. Both only handle the plain shapes pnnd and PNNClient actually exchange and give
// up (return nil) on anything else — an escaped or control character in a string, a number written
// unusually, an unknown or repeated key, `null` — so the caller falls back to Codable, which stays the
// reference for every corner of JSON and for the error messages. Tests/PNNProtocolTests/FastJSONTests
// compares the two paths.

// MARK: Writing

/// Writes compact JSON straight into a ByteBuffer's memory (one capacity check per message instead of
/// one per token). Every method returns false when the value needs something only JSONEncoder handles
/// (escaping, non-finite numbers); `write` then returns nil. Running out of the reserved room also
/// returns nil — slower (Codable) but never wrong.
struct FastJSONWriter {
    private let out: UnsafeMutableRawBufferPointer
    private(set) var count = 0
    private(set) var overflowed = false

    private init(_ out: UnsafeMutableRawBufferPointer) {
        self.out = out
    }

    /// A buffer holding what `body` writes into at most `capacity` bytes, or nil if `body` gave up.
    static func write(allocator: ByteBufferAllocator, capacity: Int,
                      _ body: (inout FastJSONWriter) -> Bool) -> ByteBuffer? {
        var buffer = allocator.buffer(capacity: capacity)
        var ok = false
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { raw in
            var w = FastJSONWriter(raw)
            ok = body(&w) && !w.overflowed
            return ok ? w.count : 0
        }
        return ok ? buffer : nil
    }

    /// Where the next `n` bytes go, or nil (marking the writer overflowed) when they do not fit.
    @inline(__always)
    private mutating func reserve(_ n: Int) -> UnsafeMutableRawPointer? {
        guard !overflowed, out.count - count >= n, let base = out.baseAddress else {
            overflowed = true
            return nil
        }
        return base + count
    }

    mutating func raw(_ text: StaticString) {
        let n = text.utf8CodeUnitCount
        guard let at = reserve(n) else { return }
        at.copyMemory(from: text.utf8Start, byteCount: n)
        count += n
    }

    mutating func byte(_ byte: UInt8) {
        guard let at = reserve(1) else { return }
        at.storeBytes(of: byte, as: UInt8.self)
        count += 1
    }

    /// A string that JSONEncoder writes verbatim between quotes: no control character, quote or
    /// backslash (those it escapes). Other bytes, UTF-8 included, pass through unchanged, as `/` does
    /// under `.withoutEscapingSlashes`.
    mutating func string(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            guard let at = reserve(utf8.count + 2) else { return false }
            at.storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
            if let base = utf8.baseAddress {
                (at + 1).copyMemory(from: base, byteCount: utf8.count)
            }
            (at + 1 + utf8.count).storeBytes(of: UInt8(ascii: "\""), as: UInt8.self)
            count += utf8.count + 2
            return true
        }
    }

    mutating func integer(_ value: some BinaryInteger) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            unsigned(UInt64(value.magnitude))
        } else {
            unsigned(UInt64(value))
        }
    }

    private mutating func unsigned(_ value: UInt64) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        guard let at = reserve(digits) else { return }
        var value = value
        var i = digits
        repeat {
            i -= 1
            (at + i).storeBytes(of: UInt8(ascii: "0") + UInt8(value % 10), as: UInt8.self)
            value /= 10
        } while value > 0
        count += digits
    }

    /// JSONEncoder writes a Double as its `description` without a trailing ".0" (`17`, `0.25`, `3e-06`,
    /// `1e+16`); non-finite values it turns into strings, which is left to it.
    mutating func double(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        var text = value.description
        return text.withUTF8 { utf8 in
            var n = utf8.count
            if n >= 2, utf8[n - 2] == UInt8(ascii: "."), utf8[n - 1] == UInt8(ascii: "0") { n -= 2 }
            guard let base = utf8.baseAddress, let at = reserve(n) else { return false }
            at.copyMemory(from: base, byteCount: n)
            count += n
            return true
        }
    }

    mutating func tensors(_ descriptors: [TensorDescriptor]) -> Bool {
        raw("[")
        for (i, d) in descriptors.enumerated() {
            if i > 0 { raw(",") }
            raw(#"{"name":"#)
            guard string(d.name) else { return false }
            raw(#","shape":"#)
            integers(d.shape)
            raw("}")
        }
        raw("]")
        return true
    }

    mutating func integers(_ values: [Int]) {
        raw("[")
        for (i, v) in values.enumerated() {
            if i > 0 { raw(",") }
            integer(v)
        }
        raw("]")
    }

    /// Room `tensors(_:)` needs at most.
    static func capacity(of descriptors: [TensorDescriptor]?) -> Int {
        descriptors?.reduce(2) { $0 + 32 + $1.name.utf8.count + 21 * $1.shape.count } ?? 0
    }

    /// Room `string(_:)` needs at most.
    static func capacity(of text: String?) -> Int { text.map { $0.utf8.count + 2 } ?? 0 }
}

extension WireFormat.RequestMetadata {
    /// This metadata as JSONEncoder would write it (keys sorted, optional fields left out when nil), or
    /// nil when only JSONEncoder can write it.
    func fastJSON(allocator: ByteBufferAllocator) -> ByteBuffer? {
        typealias W = FastJSONWriter
        // Keys and punctuation, then every value at its widest (numbers ≤ 32 bytes).
        let capacity = 140 + W.capacity(of: client) + W.capacity(of: device) + W.capacity(of: op)
            + W.capacity(of: tensors) + 21 * (versions?.count ?? 0) + 5 * 32
        return W.write(allocator: allocator, capacity: capacity) { w in
            var first = true
            func key(_ name: StaticString) {
                w.raw(first ? "{" : ",")
                first = false
                w.raw(name)
            }
            if let acquisitions {
                key(#""acquisitions":"#)
                w.integer(acquisitions)
            }
            if let client {
                key(#""client":"#)
                guard w.string(client) else { return false }
            }
            if let deadlineMs {
                key(#""deadlineMs":"#)
                w.integer(deadlineMs)
            }
            if let device {
                key(#""device":"#)
                guard w.string(device) else { return false }
            }
            if let idleSeconds {
                key(#""idleSeconds":"#)
                guard w.double(idleSeconds) else { return false }
            }
            key(#""op":"#)
            guard w.string(op) else { return false }
            if let samples {
                key(#""samples":"#)
                w.integer(samples)
            }
            if let seed {
                key(#""seed":"#)
                w.integer(seed)
            }
            if let tensors {
                key(#""tensors":"#)
                guard w.tensors(tensors) else { return false }
            }
            if let versions {
                key(#""versions":"#)
                w.integers(versions)
            }
            w.raw("}")
            return true
        }
    }
}

extension WireFormat.ResponseMetadata {
    /// This metadata as JSONEncoder would write it, for the replies on the hot path (`run`, errors, and
    /// the bare ones such as `subscribe` or `release`); nil for the rest, which JSONEncoder writes.
    func fastJSON(allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard calibration == nil, device == nil, devices == nil, hello == nil, lease == nil, metrics == nil,
              status == nil
        else { return nil }
        typealias W = FastJSONWriter
        let capacity = 200 + W.capacity(of: op) + W.capacity(of: released) + W.capacity(of: tensors)
            + W.capacity(of: error?.code.rawValue) + W.capacity(of: error?.message)
            + W.capacity(of: run?.configHash) + W.capacity(of: run?.device) + 4 * 32
        return W.write(allocator: allocator, capacity: capacity) { w in
            // Keys in sorted order: error, ok, op, released, run, tensors.
            w.raw("{")
            if let error {
                w.raw(#""error":{"code":"#)
                guard w.string(error.code.rawValue) else { return false }
                w.raw(#","message":"#)
                guard w.string(error.message) else { return false }
                w.raw("},")
            }
            w.raw(ok ? #""ok":true,"op":"# : #""ok":false,"op":"#)
            guard w.string(op) else { return false }
            if let released {
                w.raw(#","released":"#)
                guard w.string(released) else { return false }
            }
            if let run {
                w.raw(#","run":{"configHash":"#)
                guard w.string(run.configHash) else { return false }
                w.raw(#","device":"#)
                guard w.string(run.device) else { return false }
                w.raw(#","deviceSeconds":"#)
                guard w.double(run.deviceSeconds) else { return false }
                w.raw(#","queuedSeconds":"#)
                guard w.double(run.queuedSeconds) else { return false }
                w.raw(#","sequence":"#)
                w.integer(run.sequence)
                w.raw(#","startedAt":"#)
                guard w.double(run.startedAt) else { return false }
                w.raw(#","state":"#)
                guard w.string(run.state.rawValue) else { return false }
                w.raw("}")
            }
            if let tensors {
                w.raw(#","tensors":"#)
                guard w.tensors(tensors) else { return false }
            }
            w.raw("}")
            return true
        }
    }
}

// MARK: Reading

/// A strict, forward-only reader of the plain JSON subset described above. Every method returns nil
/// (or false) on anything it does not handle; the caller then lets JSONDecoder judge the bytes.
struct FastJSONReader {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return) and returns the next byte.
    private mutating func next() -> UInt8? {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            case let byte: return byte
            }
        }
        return nil
    }

    /// Consumes `byte` if it comes next (after whitespace).
    mutating func take(_ byte: UInt8) -> Bool {
        guard next() == byte else { return false }
        index += 1
        return true
    }

    /// Only whitespace is left.
    mutating func atEnd() -> Bool { next() == nil }

    /// The raw bytes of a string without escapes or control characters (quotes consumed), and whether
    /// they are all ASCII.
    private mutating func stringBytes() -> (bytes: UnsafeRawBufferPointer, ascii: Bool)? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var high: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start ..< index])
                index += 1
                return (slice, high < 0x80)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            high |= byte
            index += 1
        }
        return nil
    }

    /// An object key and its colon.
    mutating func key() -> UnsafeRawBufferPointer? {
        guard let key = stringBytes(), take(UInt8(ascii: ":")) else { return nil }
        return key.bytes
    }

    /// A string value; nil also for invalid UTF-8 (which JSONDecoder refuses).
    mutating func string() -> String? {
        guard let raw = stringBytes() else { return nil }
        // ASCII is valid UTF-8 as it stands; only other text needs the (slower) validating initialiser.
        return raw.ascii ? String(decoding: raw.bytes, as: UTF8.self) : String(validating: raw.bytes, as: UTF8.self)
    }

    mutating func bool() -> Bool? {
        guard let byte = next() else { return nil }
        if byte == UInt8(ascii: "t"), literal("true") { return true }
        if byte == UInt8(ascii: "f"), literal("false") { return false }
        return nil
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard bytes.count - index >= n, let base = bytes.baseAddress, memcmp(base + index, word.utf8Start, n) == 0 else {
            return false
        }
        index += n
        return true
    }

    /// A non-negative integer written plainly (`0` or digits without a leading zero, no sign, fraction or
    /// exponent) that fits `limit`.
    mutating func unsigned(limit: UInt64) -> UInt64? {
        guard let first = next(), first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { return nil }
        var value: UInt64 = 0
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let digit = UInt64(bytes[index] - UInt8(ascii: "0"))
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            guard !o1, !o2, sum <= limit else { return nil }
            value = sum
            index += 1
        }
        if first == UInt8(ascii: "0") && index - start > 1 { return nil }  // leading zero: not JSON
        if index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        return value
    }

    mutating func int() -> Int? {
        unsigned(limit: UInt64(Int.max)).map { Int($0) }
    }

    mutating func integers() -> [Int]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var values: [Int] = []
        if take(UInt8(ascii: "]")) { return values }
        repeat {
            guard let v = int() else { return nil }
            values.append(v)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? values : nil
    }

    /// A JSON number as a Double, rounded as strtod rounds. Values that would under- or overflow are left
    /// to JSONDecoder.
    mutating func double() -> Double? {
        guard let first = next() else { return nil }
        let start = index
        var negative = false
        if first == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        // Integer part: 0 or [1-9][0-9]*.
        var mantissa: UInt64 = 0
        var digits = 0  // significant digits accumulated in `mantissa`
        var exponent = 0
        var exact = true  // mantissa holds every digit (otherwise use the slow path)
        let bytes = self.bytes
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        guard isDigit(index) else { return nil }
        let leadingZero = bytes[index] == UInt8(ascii: "0")
        let integerStart = index
        while isDigit(index) {
            accumulate(bytes[index], &mantissa, &digits, &exact)
            index += 1
        }
        if leadingZero && index - integerStart > 1 { return nil }
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return nil }
            while isDigit(index) {
                accumulate(bytes[index], &mantissa, &digits, &exact)
                exponent -= 1
                index += 1
            }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            var exponentNegative = false
            if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { return nil }
            var e = 0
            while isDigit(index) {
                guard e < 100_000 else { return nil }
                e = e * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            exponent += exponentNegative ? -e : e
        }
        // Exact fast path (Clinger): an integer mantissa below 2^53 and a power of ten up to 10^22 are both
        // exact Doubles, so one multiplication or division is correctly rounded — the same value strtod gives.
        if exact, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            if exponent < 0 { value /= Self.powersOfTen[-exponent] } else { value *= Self.powersOfTen[exponent] }
            return negative ? -value : value
        }
        // Anything longer: the standard library's correctly rounded parser (C locale).
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start ..< index]), as: UTF8.self)
        guard let value = Double(text), value.isNormal || (value == 0 && mantissa == 0) else { return nil }
        return value
    }

    private func accumulate(_ byte: UInt8, _ mantissa: inout UInt64, _ digits: inout Int, _ exact: inout Bool) {
        let digit = UInt64(byte - UInt8(ascii: "0"))
        if mantissa == 0 && digit == 0 { return }  // leading zeros carry no precision
        digits += 1
        guard digits <= 19 else {
            exact = false
            return
        }
        mantissa = mantissa * 10 + digit
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    ]

    /// `[{"name":…,"shape":[…]}, …]`, both keys required (as TensorDescriptor's Codable requires).
    mutating func tensors() -> [TensorDescriptor]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var list: [TensorDescriptor] = []
        if take(UInt8(ascii: "]")) { return list }
        repeat {
            guard take(UInt8(ascii: "{")) else { return nil }
            var name: String?
            var shape: [Int]?
            repeat {
                guard let key = key() else { return nil }
                if key.equals("name"), name == nil {
                    name = string()
                    if name == nil { return nil }
                } else if key.equals("shape"), shape == nil {
                    shape = integers()
                    if shape == nil { return nil }
                } else {
                    return nil
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")), let name, let shape else { return nil }
            list.append(TensorDescriptor(name: name, shape: shape))
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? list : nil
    }
}

extension UnsafeRawBufferPointer {
    /// Same bytes as `text`.
    func equals(_ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard count == n else { return false }
        guard n > 0, let base = baseAddress else { return n == 0 }
        return memcmp(base, text.utf8Start, n) == 0
    }
}

extension WireFormat.RequestMetadata {
    /// Reads request metadata that uses only the plain subset; nil means "ask JSONDecoder".
    static func fastDecode(_ buffer: ByteBuffer) -> Self? {
        buffer.withUnsafeReadableBytes { bytes in
            var r = FastJSONReader(bytes)
            var meta = Self(op: "")
            var seenOp = false
            var seen: UInt16 = 0  // one bit per key, to leave repeated keys to JSONDecoder
            guard r.take(UInt8(ascii: "{")) else { return nil }
            if !r.take(UInt8(ascii: "}")) {
                repeat {
                    guard let key = r.key() else { return nil }
                    let number: Int
                    if key.equals("op") {
                        number = 0
                        guard let op = r.string() else { return nil }
                        meta.op = op
                        seenOp = true
                    } else if key.equals("device") {
                        number = 1
                        guard let device = r.string() else { return nil }
                        meta.device = device
                    } else if key.equals("tensors") {
                        number = 2
                        guard let tensors = r.tensors() else { return nil }
                        meta.tensors = tensors
                    } else if key.equals("deadlineMs") {
                        number = 3
                        guard let deadline = r.int() else { return nil }
                        meta.deadlineMs = deadline
                    } else if key.equals("versions") {
                        number = 4
                        guard let versions = r.integers() else { return nil }
                        meta.versions = versions
                    } else if key.equals("client") {
                        number = 5
                        guard let client = r.string() else { return nil }
                        meta.client = client
                    } else if key.equals("idleSeconds") {
                        number = 6
                        guard let idle = r.double() else { return nil }
                        meta.idleSeconds = idle
                    } else if key.equals("samples") {
                        number = 7
                        guard let samples = r.int() else { return nil }
                        meta.samples = samples
                    } else if key.equals("seed") {
                        number = 8
                        guard let seed = r.unsigned(limit: .max) else { return nil }
                        meta.seed = seed
                    } else if key.equals("acquisitions") {
                        number = 9
                        guard let acquisitions = r.int() else { return nil }
                        meta.acquisitions = acquisitions
                    } else {
                        return nil  // unknown keys (ignored by JSONDecoder) take the slow path
                    }
                    guard seen & (1 << number) == 0 else { return nil }
                    seen |= 1 << number
                } while r.take(UInt8(ascii: ","))
                guard r.take(UInt8(ascii: "}")) else { return nil }
            }
            guard r.atEnd(), seenOp else { return nil }
            return meta
        }
    }
}

extension WireFormat.ResponseMetadata {
    /// Reads a successful reply's metadata with only `ok`, `op`, `run`, `released` and `tensors`; nil
    /// means "ask JSONDecoder" (errors and every other reply go there).
    static func fastDecode(_ buffer: ByteBuffer) -> Self? {
        buffer.withUnsafeReadableBytes { bytes in
            var r = FastJSONReader(bytes)
            var op: String?
            var ok: Bool?
            var run: RunInfo?
            var released: String?
            var tensors: [TensorDescriptor]?
            guard r.take(UInt8(ascii: "{")), !r.take(UInt8(ascii: "}")) else { return nil }
            repeat {
                guard let key = r.key() else { return nil }
                if key.equals("op"), op == nil {
                    op = r.string()
                    if op == nil { return nil }
                } else if key.equals("ok"), ok == nil {
                    ok = r.bool()
                    if ok == nil { return nil }
                } else if key.equals("run"), run == nil {
                    run = r.runInfo()
                    if run == nil { return nil }
                } else if key.equals("released"), released == nil {
                    released = r.string()
                    if released == nil { return nil }
                } else if key.equals("tensors"), tensors == nil {
                    tensors = r.tensors()
                    if tensors == nil { return nil }
                } else {
                    return nil
                }
            } while r.take(UInt8(ascii: ","))
            guard r.take(UInt8(ascii: "}")), r.atEnd(), let op, ok == true else { return nil }
            var meta = Self(op: op, ok: true)
            meta.run = run
            meta.released = released
            meta.tensors = tensors
            return meta
        }
    }
}

extension FastJSONReader {
    /// A `run` reply's `RunInfo` object with all of its fields, each once.
    mutating func runInfo() -> RunInfo? {
        var configHash: String?, device: String?, state: DeviceStateName?
        var deviceSeconds: Double?, queuedSeconds: Double?, startedAt: Double?
        var sequence: UInt64?
        guard take(UInt8(ascii: "{")), !take(UInt8(ascii: "}")) else { return nil }
        repeat {
            guard let key = key() else { return nil }
            if key.equals("configHash"), configHash == nil {
                configHash = string()
                if configHash == nil { return nil }
            } else if key.equals("device"), device == nil {
                device = string()
                if device == nil { return nil }
            } else if key.equals("deviceSeconds"), deviceSeconds == nil {
                deviceSeconds = double()
                if deviceSeconds == nil { return nil }
            } else if key.equals("queuedSeconds"), queuedSeconds == nil {
                queuedSeconds = double()
                if queuedSeconds == nil { return nil }
            } else if key.equals("sequence"), sequence == nil {
                sequence = unsigned(limit: .max)
                if sequence == nil { return nil }
            } else if key.equals("startedAt"), startedAt == nil {
                startedAt = double()
                if startedAt == nil { return nil }
            } else if key.equals("state"), state == nil {
                guard let name = string(), let value = DeviceStateName(rawValue: name) else { return nil }
                state = value
            } else {
                return nil
            }
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")), let configHash, let device, let deviceSeconds, let queuedSeconds, let sequence,
              let startedAt, let state
        else { return nil }
        return RunInfo(device: device, sequence: sequence, queuedSeconds: queuedSeconds, deviceSeconds: deviceSeconds,
                       startedAt: startedAt, state: state, configHash: configHash)
    }
}
