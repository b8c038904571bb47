import PNNConfig
import Testing

/// Every class of configuration error names the file, the line and the key.
@Suite struct ConfigErrorTests {
    typealias F = ConfigFixtures

    @Test func descriptionFormat() {
        let error = ConfigError(file: "pnnd.toml", line: 12, key: "limits.maximum", device: "mech0",
                                message: "must be a number ≥ minimum (got \"abc\")")
        #expect(error.description == "pnnd.toml:12: device 'mech0' key 'limits.maximum': must be a number ≥ minimum (got \"abc\")")
        #expect(ConfigError(file: "a.toml", message: "no [[device]] defined").description == "a.toml: no [[device]] defined")
        #expect(ConfigError(file: "a.toml", line: 3, key: "name", device: "#2", message: "missing").description
            == "a.toml:3: device #2 key 'name': missing")
    }

    @Test func theBriefsExampleMessage() {
        let error = F.expectError(F.replacing("maximum = 1.0", with: "maximum = \"abc\""),
                                  line: 28, key: "limits.maximum", device: "mech0")
        #expect(error?.description == "pnnd.toml:28: device 'mech0' key 'limits.maximum': must be a number ≥ minimum (got \"abc\")")
    }

    // MARK: Unknown keys

    @Test func unknownKeysAreRefusedWithASuggestion() {
        F.expectError(F.replacing("socket = \"/run/pnn/pnnd.sock\"", with: "sokcet = \"/run/pnn/pnnd.sock\""),
                      line: 2, key: "server.sokcet", mentioning: ["unknown key 'sokcet' in [server]; did you mean 'socket'?"])
        F.expectError(F.replacing("queue_depth = 16", with: "queueDepth = 16"),
                      line: 5, key: "server.queueDepth", mentioning: ["did you mean 'queue_depth'?"])
        F.expectError(F.replacing("seed = 1", with: "sed = 1"),
                      line: 24, key: "sed", device: "mech0", mentioning: ["unknown key 'sed' in [[device]]; did you mean 'seed'?"])
        F.expectError(F.replacing("max_step = 2.0", with: "max_stpe = 2.0"),
                      line: 29, key: "limits.max_stpe", device: "mech0",
                      mentioning: ["in [device.limits]", "did you mean 'max_step'?"])
        F.expectError(F.replacing("[server]", with: "[servr]"),
                      line: 1, key: "servr", mentioning: ["unknown key 'servr' in the top level; did you mean 'server'?"])
        let far = F.expectError(F.replacing("drain_seconds = 10", with: "colour = \"blue\""),
                                line: 15, key: "server.colour")
        #expect(far?.message.contains("did you mean") == false)
    }

    @Test func theFirstUnknownKeyInTheFileIsReported() {
        // toml++ keeps keys sorted; the error must still point at the earliest line.
        let text = F.replacing("socket_group = \"pnn\"", with: "zzz = 1\naaa = 2")
        F.expectError(text, line: 3, key: "server.zzz")
    }

    // MARK: Types and ranges

    @Test func wrongTypes() {
        F.expectError(F.replacing("queue_depth = 16", with: "queue_depth = \"16\""),
                      line: 5, key: "server.queue_depth", mentioning: ["must be an integer in 1…4096 (got \"16\")"])
        F.expectError(F.replacing("queue_depth = 16", with: "queue_depth = 16.0"),
                      line: 5, key: "server.queue_depth", mentioning: ["(got 16.0)"])
        F.expectError(F.replacing("socket_mode = \"0660\"", with: "socket_mode = 660"),
                      line: 4, key: "server.socket_mode", mentioning: ["octal string such as \"0660\"", "(got 660)"])
        F.expectError(F.replacing("allowed_uids = [1000]", with: "allowed_uids = 1000"),
                      line: 8, key: "server.allowed_uids", mentioning: ["array of integers"])
        F.expectError(F.replacing("allowed_groups = [\"pnn\"]", with: "allowed_groups = [\"pnn\", 7]"),
                      line: 9, key: "server.allowed_groups", mentioning: ["(got 7 at index 1)"])
        F.expectError(F.replacing("default_deadline_seconds = 30", with: "default_deadline_seconds = true"),
                      line: 6, key: "server.default_deadline_seconds", mentioning: ["must be a number > 0 (got true)"])
        F.expectError(F.replacing("name = \"mech0\"", with: "name = 7"),
                      line: 18, key: "name", device: "#1", mentioning: ["must be a string (got 7)"])
        F.expectError("server = 3\n[[device]]\nname = \"e\"\nkind = \"echo\"\n", line: 1, key: "server",
                      mentioning: ["must be a table: write [server] (got 3)"])
        F.expectError("[[device]]\nname = \"e\"\nkind = \"echo\"\nlimits = 2\n",
                      line: 4, key: "limits", device: "e", mentioning: ["must be a table (got 2)"])
    }

    @Test func serverValuesOutOfRange() {
        let cases: [(old: String, new: String, line: Int, key: String, fragment: String)] = [
            ("queue_depth = 16", "queue_depth = 0", 5, "server.queue_depth", "between 1 and 4096 (got 0)"),
            ("queue_depth = 16", "queue_depth = 4097", 5, "server.queue_depth", "(got 4097)"),
            ("socket_mode = \"0660\"", "socket_mode = \"1777\"", 4, "server.socket_mode", "at most \"0777\""),
            ("socket_mode = \"0660\"", "socket_mode = \"0680\"", 4, "server.socket_mode", "(got \"0680\")"),
            ("default_deadline_seconds = 30", "default_deadline_seconds = 0", 6, "server.default_deadline_seconds", "> 0 (got 0)"),
            ("default_deadline_seconds = 30", "default_deadline_seconds = -1.5", 6, "server.default_deadline_seconds", "(got -1.5)"),
            ("default_deadline_seconds = 30", "default_deadline_seconds = inf", 6, "server.default_deadline_seconds", "finite"),
            ("max_frame_bytes = 67108864", "max_frame_bytes = 512", 10, "server.max_frame_bytes", "between 1024 and 1073741824"),
            ("max_frame_bytes = 67108864", "max_frame_bytes = 2147483648", 10, "server.max_frame_bytes", "(got 2147483648)"),
            ("log_level = \"info\"", "log_level = \"warn\"", 11, "server.log_level", "did you mean 'warning'?"),
            ("lease_idle_seconds = 300", "lease_idle_seconds = 0", 13, "server.lease_idle_seconds", "> 0"),
            ("record_retention_bytes = 4294967296", "record_retention_bytes = 0", 14, "server.record_retention_bytes", "(got 0)"),
            ("drain_seconds = 10", "drain_seconds = -1", 15, "server.drain_seconds", "≥ 0 (got -1)"),
            ("drain_seconds = 10", "max_connections = 0", 15, "server.max_connections", "between 1 and 65536"),
            ("drain_seconds = 10", "max_connections = 1e3", 15, "server.max_connections", "integer"),
            ("allowed_uids = [1000]", "allowed_uids = [-1]", 8, "server.allowed_uids", "0…4294967295"),
            ("allowed_groups = [\"pnn\"]", "allowed_groups = [\"\"]", 9, "server.allowed_groups", "non-empty"),
            ("socket = \"/run/pnn/pnnd.sock\"", "socket = \"pnnd.sock\"", 2, "server.socket", "absolute path"),
            ("socket = \"/run/pnn/pnnd.sock\"", "socket = \"/\(String(repeating: "s", count: 120))\"", 2, "server.socket", "107 bytes"),
            ("state_dir = \"/var/lib/pnn\"", "state_dir = \"\"", 7, "server.state_dir", "must not be empty"),
            ("socket_group = \"pnn\"", "socket_group = \"\"", 3, "server.socket_group", "must not be empty"),
        ]
        for c in cases {
            F.expectError(F.replacing(c.old, with: c.new), line: c.line, key: c.key, mentioning: [c.fragment])
        }
    }

    @Test func metricsMustListenOnLoopback() {
        for (listen, fragment) in [
            ("0.0.0.0:9464", "host '0.0.0.0' is not a loopback address (127.0.0.0/8 or ::1)"),
            ("192.168.1.20:9464", "not a loopback address"),
            ("localhost:9464", "write 127.0.0.1 or [::1]"),
            ("[::]:9464", "not a loopback address"),
            ("::1:9464", "brackets"),
            ("127.0.0.1", "expected host:port"),
            ("127.0.0.1:0", "port must be an integer in 1…65535"),
            ("127.0.0.1:http", "port must be"),
            ("128.0.0.1:9464", "not a loopback address"),
            ("127.0.0.256:9464", "not a loopback address"),
        ] {
            F.expectError(F.replacing("metrics_listen = \"127.0.0.1:9464\"", with: "metrics_listen = \"\(listen)\""),
                          line: 12, key: "server.metrics_listen", mentioning: [fragment, "(got \"\(listen)\")"])
        }
    }

    // MARK: Devices

    @Test func shapes() {
        F.expectError(F.replacing("inputs = 196", with: "inputs = 0"),
                      line: 20, key: "inputs", device: "mech0", mentioning: ["between 1 and 65536 (got 0)"])
        F.expectError(F.replacing("parameters = 196", with: "parameters = -1"),
                      line: 21, key: "parameters", device: "mech0", mentioning: ["between 0 and 65536"])
        F.expectError(F.replacing("outputs = 196", with: "outputs = 0"), line: 22, key: "outputs", device: "mech0")
        F.expectError(F.replacing("outputs = 196", with: "outputs = 100000"), line: 22, key: "outputs", device: "mech0")
        // Sizes the model cannot produce: SHG has 2(N+P)−1 = 127 SH bins at 48 + 16.
        let shg = """
            [[device]]
            name = "shg0"
            kind = "simulated-shg"
            outputs = 500
            """
        F.expectError(shg, line: 4, key: "outputs", device: "shg0", mentioning: ["does not fit a shg model", "127"])
    }

    @Test func incoherentLimits() {
        F.expectError(F.replacing("maximum = 1.0", with: "maximum = -2.0"),
                      line: 28, key: "limits.maximum", device: "mech0", mentioning: ["must be a number ≥ minimum (-1.0) (got -2.0)"])
        F.expectError(F.replacing("max_step = 2.0", with: "max_step = 0"),
                      line: 29, key: "limits.max_step", device: "mech0", mentioning: ["> 0"])
        F.expectError(F.replacing("max_mean_power = 1.0", with: "max_mean_power = -1.0"),
                      line: 30, key: "limits.max_mean_power", device: "mech0")
        F.expectError(F.replacing("minimum = -1.0", with: "minimum = nan"),
                      line: 27, key: "limits.minimum", device: "mech0", mentioning: ["finite"])
        // Only a minimum, above the kind's default maximum.
        let text = F.replacing("maximum = 1.0", with: "", in: F.replacing("minimum = -1.0", with: "minimum = 5"))
        F.expectError(text, line: 27, key: "limits.minimum", device: "mech0", mentioning: ["≤ maximum", "1.0"])
        // Inline tables point at their line.
        let inline = """
            [[device]]
            name = "a"
            kind = "echo"

            limits = { minimum = 0.0, maximum = -1.0 }
            """
        F.expectError(inline, line: 5, key: "limits.maximum", device: "a")
    }

    @Test func duplicateDeviceNames() {
        let text = ConfigFixtures.three + """

            [[device]]
            name = "shg0"
            kind = "echo"
            """
        F.expectError(text, line: 20, key: "name", device: "shg0",
                      mentioning: ["duplicate device name 'shg0' (first defined on line 9)"])
    }

    @Test func badNamesAndKinds() {
        F.expectError(F.replacing("name = \"mech0\"", with: "name = \"Mech 0\""),
                      line: 18, key: "name", device: "#1", mentioning: ["a–z, 0–9, '_' and '-'", "\"Mech 0\""])
        F.expectError(F.replacing("name = \"mech0\"", with: "name = \"\(String(repeating: "m", count: 33))\""),
                      line: 18, key: "name", device: "#1", mentioning: ["1–32 characters"])
        F.expectError(F.replacing("name = \"mech0\"", with: ""),
                      line: 17, key: "name", device: "#1", mentioning: ["missing"])
        F.expectError(F.replacing("kind = \"simulated-mechanical\"", with: "kind = \"simulated-mechanic\""),
                      line: 19, key: "kind", device: "mech0",
                      mentioning: ["unknown kind \"simulated-mechanic\"; valid kinds: simulated-mechanical, simulated-electronic, simulated-shg, echo",
                                   "did you mean 'simulated-mechanical'?"])
        F.expectError(F.replacing("kind = \"simulated-mechanical\"", with: "kind = \"simulated-electric\""),
                      line: 19, key: "kind", device: "mech0", mentioning: ["did you mean 'simulated-electronic'?"])
        F.expectError(F.replacing("kind = \"simulated-mechanical\"", with: "kind = \"laser\""),
                      line: 19, key: "kind", device: "mech0", mentioning: ["valid kinds: simulated-mechanical"])
        F.expectError(F.replacing("kind = \"simulated-mechanical\"", with: ""),
                      line: 17, key: "kind", device: "mech0", mentioning: ["missing; choose one of simulated-mechanical"])
        // A later device without a name is counted by position.
        F.expectError(ConfigFixtures.three + "[[device]]\nkind = \"echo\"\n",
                      line: 18, key: "name", device: "#4")
    }

    @Test func gaps() {
        F.expectError(F.replacing("gap = \"default\"", with: "gap = \"defualt\""),
                      line: 23, key: "gap", device: "mech0", mentioning: ["\"none\" or \"default\"", "did you mean 'default'?"])
        F.expectError(F.replacing("gap = \"default\"", with: "gap = 1"),
                      line: 23, key: "gap", device: "mech0", mentioning: ["(got 1)"])
        F.expectError(F.replacing("gap = \"default\"", with: "gap = { adc_bits = 30 }"),
                      line: 23, key: "gap.adc_bits", device: "mech0", mentioning: ["between 2 and 24"])
        F.expectError(F.replacing("gap = \"default\"", with: "") + "[device.gap]\nadditive_noise = -0.1\n",
                      line: 34, key: "gap.additive_noise", device: "mech0", mentioning: ["≥ 0 (got -0.1)"])
        F.expectError(F.replacing("gap = \"default\"", with: "") + "[device.gap]\nnoise = 0.1\n",
                      line: 34, key: "gap.noise", device: "mech0",
                      mentioning: ["unknown key 'noise' in [device.gap]"])
        // Written both as a string and as a table: TOML itself refuses it.
        F.expectError(F.full + "[device.gap]\nunmodelled = 1\n", line: 33, key: nil, mentioning: ["TOML syntax error"])
        // Keys after [device.model] belong to it.
        F.expectError(F.full + "gap.unmodelled = 1\n", line: 33, key: "model.gap", device: "mech0",
                      mentioning: ["unknown key 'gap' in [device.model]"])
        F.expectError("[[device]]\nname = \"e\"\nkind = \"echo\"\ngap = \"default\"\n",
                      line: 4, key: "gap", device: "e", mentioning: ["echo devices have no reality gap"])
    }

    @Test func echoConstraints() {
        F.expectError("[[device]]\nname = \"e\"\nkind = \"echo\"\ninputs = 4\noutputs = 5\n",
                      line: 5, key: "outputs", device: "e", mentioning: ["outputs must equal inputs (4)"])
        F.expectError("[[device]]\nname = \"e\"\nkind = \"echo\"\n[device.model]\nx = 1\n",
                      line: 4, key: "model", device: "e", mentioning: ["no physics model"])
    }

    @Test func modelOverrides() {
        F.expectError(F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "cubicStifnessPerSquareMetre = 2e6"),
                      line: 32, key: "model.cubicStifnessPerSquareMetre", device: "mech0",
                      mentioning: ["unknown key 'cubicStifnessPerSquareMetre' in [device.model]; did you mean 'cubicStiffnessPerSquareMetre'?"])
        F.expectError(F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "inductanceHenries = 1e-3"),
                      line: 32, key: "model.inductanceHenries", device: "mech0")
        F.expectError(F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "cubicStiffnessPerSquareMetre = \"stiff\""),
                      line: 32, key: "model.cubicStiffnessPerSquareMetre", device: "mech0", mentioning: ["must be a number"])
        // Values the model refuses are put on their key.
        F.expectError(F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "cubicStiffnessPerSquareMetre = -1"),
                      line: 32, key: "model.cubicStiffnessPerSquareMetre", device: "mech0", mentioning: ["γ ≥ 0"])
        F.expectError(F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "substeps = 2.5"),
                      line: 32, key: "model.substeps", device: "mech0", mentioning: ["whole number"])
        let nyquist = F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "segmentSeconds = 0.005")
        let error = F.expectError(nyquist, line: 32, key: "model.segmentSeconds", device: "mech0", mentioning: ["Nyquist"])
        #expect(error?.description
            == "pnnd.toml:32: device 'mech0' key 'model.segmentSeconds': mode at 419.0 Hz is above the Nyquist frequency 400.0 Hz of the 4 samples per segment")
        // Fine alone, wrong together: the whole table is named.
        let together = F.replacing("cubicStiffnessPerSquareMetre = 2e6", with: "segmentSeconds = 0.001\nsubsteps = 1")
        F.expectError(together, line: 31, key: "model", device: "mech0", mentioning: ["Nyquist"])
    }

    // MARK: File structure

    @Test func tomlSyntaxErrorsCarryTheirLineAndKey() {
        let error = F.expectError(F.replacing("queue_depth = 16", with: "queue_depth = "), line: 5,
                                  key: "server.queue_depth", mentioning: ["TOML syntax error at column 15", "expected value"])
        #expect(error?.device == nil)
        F.expectError(F.replacing("latency_seconds = 0.0", with: "seed = 2"), line: 25, key: "seed", device: "#1",
                      mentioning: ["TOML syntax error", "cannot redefine"])
        F.expectError("[server\n", line: 1, key: nil, mentioning: ["TOML syntax error", "expected ']'"])
        F.expectError("[server]\nsocket = \"a\0b\"\n", line: 2, key: nil, mentioning: ["NUL"])
    }

    /// Table headers without a name: the bundled toml++ aborts the process on these (an assertion in its
    /// key parser), so pnnd must catch them first — a typo in the file would otherwise kill a running
    /// pnnd on SIGHUP. Found by fuzzing `pnnd --check-config`.
    @Test func aTableHeaderWithoutANameIsAnErrorNotACrash() {
        let cases: [(text: String, line: Int, column: Int, found: String)] = [
            ("[\n", 1, 2, "the end of the line"),
            ("[ \r\n", 1, 3, "the end of the line"),
            ("[[\n", 1, 3, "the end of the line"),
            ("[=erver]\n", 1, 2, "'='"),
            ("[\t#x]\n", 1, 3, "'#'"),
            ("[[ =x]]\n", 1, 4, "'='"),
            ("[[[device]]]\n", 1, 3, "'['"),
            ("[[ [device]]\n", 1, 4, "'['"),
            ("[é]\n", 1, 2, "'é'"),
        ]
        for c in cases {
            F.expectError(F.full + c.text, line: F.full.count { $0 == "\n" } + c.line, key: nil,
                          mentioning: ["TOML syntax error at column \(c.column)", "needs a name", "found \(c.found)"])
        }
        // Where a `[` cannot start a header, nothing is reported: inside a multi-line array or string.
        for text in ["a = [\n  [ +1 ],\n]\n", "s = \"\"\"\n[\n\"\"\"\n", "t = '''\n[=x]\n'''\n"] {
            F.expectError(text, line: 1, key: text.hasPrefix("a") ? "a" : text.hasPrefix("s") ? "s" : "t",
                          mentioning: ["unknown key"])
        }
        // Spaced-out array brackets and an empty name stay toml++'s own errors.
        F.expectError("[ [device]]\n", line: 1, key: nil, mentioning: ["must be contiguous"])
        F.expectError("[]\n", line: 1, key: nil, mentioning: ["blank bare keys"])
    }

    @Test func devicesAreRequired() {
        F.expectError("[server]\nqueue_depth = 4\n", line: nil, key: nil, mentioning: ["no [[device]] defined"])
        F.expectError("", line: nil, key: nil, mentioning: ["no [[device]] defined"])
        F.expectError("[device]\nname = \"a\"\nkind = \"echo\"\n", line: 1, key: "device",
                      mentioning: ["write [[device]], not [device]"])
        F.expectError("device = []\n", line: 1, key: "device", mentioning: ["no [[device]] defined"])
        F.expectError("device = [1]\n", line: 1, key: nil, device: "#1", mentioning: ["must be a table"])
    }
}
