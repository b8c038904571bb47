import Foundation
import NIOCore
import PNNCore
@testable import PNNProtocol
import Testing

/// The hand-written JSON of the hot messages against the Codable path it stands in for: the writer must
/// produce JSONEncoder's bytes exactly, and the reader must either give up or yield exactly what
/// JSONDecoder yields.
@Suite("Fast JSON vs Codable")
struct FastJSONTests {
    typealias RequestMetadata = WireFormat.RequestMetadata
    typealias ResponseMetadata = WireFormat.ResponseMetadata

    static func codableJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")  // as WireFormat does
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func codable<T: Decodable>(_ type: T.Type, _ json: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(json.utf8))
    }

    static let descriptors: [[TensorDescriptor]?] = [
        nil, [],
        [TensorDescriptor(name: "x", shape: [1, 64]), TensorDescriptor(name: "theta", shape: [0])],
        [TensorDescriptor(name: "x", shape: [4096, 64]), TensorDescriptor(name: "theta", shape: [16])],
        [TensorDescriptor(name: "y", shape: [])],
        [TensorDescriptor(name: "y", shape: [Int.max, 0, 3])],
    ]

    static let doubles: [Double] = [
        0, -0.0, 1, 17, 0.25, 0.5, 300, 1_750_000_000.5, 1_776_000_000.123456, 1e-7, 3e-06, 1.5e-5, 2.345e-6,
        1e15, 1e16, 1e17, 1.2345e20, 1e21, 1e22, 1e23, 0.1, 1.0 / 3, 2.0 / 3, 12345678.9, 9_007_199_254_740_994,
        .leastNormalMagnitude, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 123.456e-300, -42.5, .pi,
    ]

    static let strings = ["sim0", "echo0", "", "rig/øscillator ☃", "a\"b", "back\\slash", "tab\there", "line\nfeed",
                          "\u{7f}del", "nul\u{0}", "𝄞 music", "ab12"]

    // MARK: Writing

    @Test func requestWriterMatchesJSONEncoder() throws {
        var checked = 0
        for tensors in Self.descriptors {
            for device in [nil, "sim0", "rig/øscillator ☃", "a\"b"] as [String?] {
                for deadline in [nil, 1, 5000, Int.max] as [Int?] {
                    var meta = RequestMetadata(op: "run", device: device, deadlineMs: deadline, tensors: tensors)
                    try compare(meta)
                    meta.versions = [1, 2]
                    meta.client = device
                    meta.idleSeconds = Self.doubles[checked % Self.doubles.count]
                    meta.samples = checked
                    meta.seed = checked.isMultiple(of: 2) ? .max : UInt64(checked)
                    try compare(meta)
                    meta.acquisitions = [2, 64, Int.max][checked % 3]
                    try compare(meta)
                    checked += 1
                }
            }
        }
        for op in Request.operations + ["", "odd\u{1}op"] {
            try compare(RequestMetadata(op: op))
        }
        for value in Self.doubles + [.infinity, -.infinity, .nan] {
            try compare(RequestMetadata(op: "lease", device: "d", idleSeconds: value))
        }

        func compare(_ meta: RequestMetadata) throws {
            let expected = try Self.codableJSON(meta)
            if let fast = meta.fastJSON(allocator: allocator) {
                #expect(text(fast) == expected)
            } else {
                // Only what needs escaping or a non-finite number may be left to JSONEncoder.
                let needsEncoder = [meta.device, meta.client, meta.op].contains { $0.map(Self.needsEscaping) ?? false }
                    || meta.idleSeconds.map { !$0.isFinite } ?? false
                #expect(needsEncoder, "fast writer gave up on \(expected)")
            }
        }
    }

    @Test func responseWriterMatchesJSONEncoder() throws {
        var n = 0
        for tensors in Self.descriptors {
            for device in Self.strings {
                let d = Self.doubles
                let info = RunInfo(device: device, sequence: n.isMultiple(of: 3) ? .max : UInt64(n),
                                   queuedSeconds: d[n % d.count], deviceSeconds: d[(n + 7) % d.count],
                                   startedAt: d[(n + 13) % d.count], state: DeviceStateName.allCases[n % 5],
                                   configHash: n.isMultiple(of: 2) ? "ab12" : device)
                var meta = ResponseMetadata(op: "run", ok: true)
                meta.run = info
                meta.tensors = tensors
                try compare(meta, escaping: Self.needsEscaping(device))
                n += 1
            }
        }
        for code in ErrorCode.allCases {
            for message in Self.strings + ["no device named 'sim9'; devices: sim0", "samples ≥ 1"] {
                var meta = ResponseMetadata(op: "describe", ok: false)
                meta.error = ProtocolError(code, message)
                try compare(meta, escaping: Self.needsEscaping(message))
            }
        }
        var released = ResponseMetadata(op: "release", ok: true)
        released.released = "sim0"
        try compare(released, escaping: false)
        try compare(ResponseMetadata(op: "subscribe", ok: true), escaping: false)
        var nonFinite = ResponseMetadata(op: "run", ok: true)
        nonFinite.run = RunInfo(device: "d", sequence: 1, queuedSeconds: .nan, deviceSeconds: 0, startedAt: 0, state: .ready,
                                configHash: "")
        try compare(nonFinite, escaping: true)
        // Replies the fast writer leaves to JSONEncoder altogether.
        var hello = ResponseMetadata(op: "hello", ok: true)
        hello.hello = HelloReply(version: 1, server: "pnnd", capabilities: [], maxFrameBytes: 1)
        #expect(hello.fastJSON(allocator: allocator) == nil)

        func compare(_ meta: ResponseMetadata, escaping: Bool) throws {
            let expected = try Self.codableJSON(meta)
            if let fast = meta.fastJSON(allocator: allocator) {
                #expect(text(fast) == expected)
            } else {
                #expect(escaping, "fast writer gave up on \(expected)")
            }
        }
    }

    static func needsEscaping(_ s: String) -> Bool {
        s.utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    // MARK: Reading

    /// Request metadata as clients write it, and as they might: reordered, spaced, odd numbers, escapes,
    /// unknown or repeated keys, nulls, invalid JSON.
    static let requestTexts: [String] = [
        #"{"deadlineMs":5000,"device":"sim0","op":"run","tensors":[{"name":"x","shape":[2,3]},{"name":"theta","shape":[2]}]}"#,
        #"{"device":"echo0","op":"run","tensors":[{"name":"x","shape":[1,64]},{"name":"theta","shape":[0]}]}"#,
        #"{"op":"listDevices"}"#,
        #"{"op":"hello"}"#,
        #"{"client":"py","op":"hello","versions":[1]}"#,
        #" { "versions" : [1] , "op" : "hello" , "client" : "x" } "#,
        "{\n\t\"op\":\r\n\"status\"\n}\n",
        #"{"op":"lease","device":"a"}"#,
        #"{"device":"sim0","idleSeconds":60,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":12.5,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":1e-7,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":1E+2,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":-0,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":0.1000000000000000055511151231257827,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":1e400,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":1e-400,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":01,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":1.,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":.5,"op":"lease"}"#,
        #"{"device":"sim0","idleSeconds":"60","op":"lease"}"#,
        #"{"op":"calibrate","device":"a","samples":2}"#,
        #"{"device":"sim0","op":"calibrate","samples":8,"seed":18446744073709551615}"#,
        #"{"device":"sim0","op":"calibrate","samples":8,"seed":18446744073709551616}"#,
        #"{"device":"sim0","op":"calibrate","samples":8,"seed":-1}"#,
        #"{"device":"sim0","op":"calibrate","samples":8.0}"#,
        #"{"acquisitions":4,"device":"sim0","op":"run"}"#,
        #"{"op":"run","device":"sim0","acquisitions":64,"acquisitions":2}"#,
        #"{"acquisitions":4.5,"device":"sim0","op":"run"}"#,
        #"{"acquisitions":-1,"device":"sim0","op":"run"}"#,
        #"{"device":"sim0","op":"calibrate","samples":8e0}"#,
        #"{"device":"sim0","op":"calibrate","samples":-4}"#,
        #"{"device":"sim0","op":"calibrate","samples":9223372036854775807}"#,
        #"{"device":"sim0","op":"calibrate","samples":9223372036854775808}"#,
        #"{"op":"status","unknownField":[1,2,{"x":null}]}"#,
        #"{"op":"describe","device":"a","deadlineMs":10}"#,
        #"{"op":"describe","device":null}"#,
        #"{"op":"describe","device":"sim\u0030"}"#,
        #"{"op":"describe","device":"rig/øscillator ☃"}"#,
        #"{"op":"describe","device":"a","device":"b"}"#,
        #"{"op":"describe","device":"a",}"#,
        #"{"op":"describe" "device":"a"}"#,
        #"{"o\u0070":"status"}"#,
        #"{"tensors":[{"shape":[1,2],"name":"x"}],"device":"a","op":"run"}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"theta","shape":[1]},{"name":"x","shape":[1,1]}]}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"x","shape":[]}]}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"x","shape":[1],"extra":true}]}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"x"}]}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"x","shape":[1.5]}]}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"x","shape":[-1,3]}]}"#,
        #"{"op":"run","device":"a","tensors":[{"name":"x","shape":[4611686018427387904,4]}]}"#,
        #"{"op":"run","device":"a","tensors":[]}"#,
        #"{"op":"run","device":"a","tensors":[,]}"#,
        #"{"op":"run","device":"a","tensors":{}}"#,
        #"{"op":"run","device":"a","deadlineMs":-5}"#,
        #"{"op":"run","device":"a","deadlineMs":2.5}"#,
        #"{"op":"run","device":"a","deadlineMs":0}"#,
        #"{"device":"sim0"}"#,
        #"{"op":7}"#,
        #"{"op":null}"#,
        #"{"op":"run""#,
        #"{"op":"run"} x"#,
        #"{"op":"run"}{"#,
        #"["run"]"#,
        #""run""#,
        "{}",
        "",
        "op=run",
        "\u{FEFF}{\"op\":\"status\"}",
    ]

    @Test("request reader agrees with JSONDecoder", arguments: requestTexts)
    func requestReader(_ json: String) {
        let fast = RequestMetadata.fastDecode(buffer(json))
        if let fast {
            #expect(fast == Self.codable(RequestMetadata.self, json))
        }
    }

    @Test func requestReaderTakesWhatClientsSend() throws {
        // The fast path must actually be taken for the hot messages, from PNNClient and from the Python
        // client (same compact, sorted JSON).
        for json in Self.requestTexts.prefix(12) {
            #expect(RequestMetadata.fastDecode(buffer(json)) != nil, "\(json)")
        }
        for meta in [RequestMetadata(op: "run", device: "echo0", deadlineMs: 30_000, tensors: Self.descriptors[3]),
                     RequestMetadata(op: "lease", device: "d", idleSeconds: 2.5e-3),
                     RequestMetadata(op: "hello", versions: [1], client: "pnn")] {
            let json = try Self.codableJSON(meta)
            #expect(RequestMetadata.fastDecode(buffer(json)) == meta, "\(json)")
        }
    }

    @Test func doublesReadAsJSONDecoderReadsThem() throws {
        var rng = SeededGenerator(seed: 42)
        var values = Self.doubles
        for _ in 0 ..< 3000 {
            values.append(Double(bitPattern: rng.next()))  // any bit pattern
            values.append(Double.random(in: 0 ..< 1, using: &rng) * 1e-3)  // timings
            values.append(1_700_000_000 + Double.random(in: 0 ..< 1e8, using: &rng))  // Unix times
        }
        var texts: [String] = []
        for v in values where v.isFinite {
            texts.append(try Self.codableJSON(RequestMetadata(op: "lease", device: "d", idleSeconds: v)))
        }
        for digits in ["0.1", "123456789012345678901234567890", "1.7976931348623157e308", "2.2250738585072014e-308",
                       "4.9e-324", "1e23", "8.98846567431158e307", "9007199254740993", "9007199254740992.5",
                       "0.30000000000000004", "100000000000000000000000", "1e-22", "1e22", "123e-22", "123e20",
                       "0.000000000000000000000000000001", "-1.5e+300", "3.14159265358979323846264338327950288"] {
            texts.append(#"{"device":"d","idleSeconds":\#(digits),"op":"lease"}"#)
        }
        var fastCount = 0
        for json in texts {
            let reference = Self.codable(RequestMetadata.self, json)
            guard let fast = RequestMetadata.fastDecode(buffer(json)) else { continue }
            fastCount += 1
            #expect(fast.idleSeconds?.bitPattern == reference?.idleSeconds?.bitPattern, "\(json)")
        }
        #expect(fastCount >= values.count * 9 / 10)
    }

    static let responseTexts: [String] = [
        #"{"ok":true,"op":"run","run":{"configHash":"ab12","device":"sim0","deviceSeconds":0.25,"queuedSeconds":0.5,"sequence":17,"startedAt":1750000000.5,"state":"ready"},"tensors":[{"name":"y","shape":[1,1]}]}"#,
        #"{"ok":true,"op":"run","run":{"configHash":"","device":"echo0","deviceSeconds":2.1e-06,"queuedSeconds":0,"sequence":18446744073709551615,"startedAt":1776000000.123456,"state":"busy"},"tensors":[{"name":"y","shape":[4096,64]}]}"#,
        #"{"tensors":[],"run":{"state":"faulted","startedAt":0,"sequence":0,"queuedSeconds":0,"deviceSeconds":0,"device":"d","configHash":"h"},"op":"run","ok":true}"#,
        #"{"ok":true,"op":"run","run":{"configHash":"","device":"d","deviceSeconds":0,"queuedSeconds":0,"sequence":1,"startedAt":0,"state":"melting"}}"#,
        #"{"ok":true,"op":"run","run":{"configHash":"","device":"d","deviceSeconds":0,"queuedSeconds":0,"sequence":1,"startedAt":0}}"#,
        #"{"ok":true,"op":"run","run":{"configHash":"","device":"d","deviceSeconds":0,"queuedSeconds":0,"sequence":1,"startedAt":0,"state":"ready","new":1}}"#,
        #"{"ok":true,"op":"run","run":{"configHash":"","device":"d","deviceSeconds":0,"queuedSeconds":0,"sequence":-1,"startedAt":0,"state":"ready"}}"#,
        #"{"ok":true,"op":"release","released":"sim0"}"#,
        #"{"ok":true,"op":"subscribe"}"#,
        #"{"ok":true,"op":"subscribe","ok":true}"#,
        #"{"ok":1,"op":"subscribe"}"#,
        #"{"ok":false,"op":"run"}"#,
        #"{"error":{"code":"notFound","message":"no device"},"ok":false,"op":"describe"}"#,
        #"{"op":"status"}"#,
        #"{"ok":true}"#,
        #"{"ok":true,"op":"run","tensors":[{"name":"y","shape":[1]}]} "#,
        #"{"ok":tru,"op":"run"}"#,
        #"{"ok":true,"op":"metrics","metrics":"a 1\n"}"#,
    ]

    @Test("response reader agrees with JSONDecoder", arguments: responseTexts)
    func responseReader(_ json: String) {
        if let fast = ResponseMetadata.fastDecode(buffer(json)) {
            #expect(fast == Self.codable(ResponseMetadata.self, json))
        }
    }

    @Test func responseReaderTakesWhatPnndSends() {
        for json in Self.responseTexts.prefix(3) + Self.responseTexts[7 ... 8] {
            #expect(ResponseMetadata.fastDecode(buffer(json)) != nil, "\(json)")
        }
    }

    /// Whole messages through `WireFormat` both ways: fast writer → fast reader and Codable writer →
    /// fast reader give the typed values back.
    @Test func wireFormatRoundTripsThroughTheFastPath() throws {
        let x = sampleTensor([3, 64], seed: 1)
        let theta = sampleTensor([5], seed: 2)
        let envelope = RequestEnvelope(id: 9, deadlineMilliseconds: 1500, request: .run(device: "echo0", input: x, parameters: theta))
        let frame = WireFormat.frame(for: envelope, allocator: allocator)
        #expect(RequestMetadata.fastDecode(frame.metadata) != nil)
        #expect(try WireFormat.request(from: frame) == envelope)

        let info = RunInfo(device: "echo0", sequence: 12, queuedSeconds: 0, deviceSeconds: 1.25e-6,
                           startedAt: 1_776_000_000.654321, state: .ready, configHash: "9f86d081884c7d65")
        let reply = WireFormat.frame(for: .ran(info, output: x), id: 9, op: "run", allocator: allocator)
        #expect(ResponseMetadata.fastDecode(reply.metadata) != nil)
        #expect(try WireFormat.response(from: reply) == .ran(info, output: x))
    }
}
