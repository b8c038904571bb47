@testable import PNNConfig
import Testing

@Suite struct CanonicalTextTests {
    struct Sample {
        enum Mode { case plain, tagged(Int) }
        var name: String
        var values: [Double]
        var table: [String: Double]
        var optional: Int?
        var mode: Mode
    }

    @Test func writesEveryFieldWithDictionariesSorted() {
        // Built in different orders and capacities, so their iteration orders differ within one process;
        // and Swift seeds hashing per process, so a fixed expected text also pins the order across runs.
        var big: [String: Double] = [:]
        big.reserveCapacity(64)
        for key in ["m", "b", "z", "a", "q"] { big[key] = Double(key.unicodeScalars.first!.value) }
        let small = Dictionary(uniqueKeysWithValues: ["q", "a", "z", "b", "m"].map { ($0, Double($0.unicodeScalars.first!.value)) })
        let a = Sample(name: "x\"y", values: [1, 0.1], table: big, optional: nil, mode: .tagged(3))
        let b = Sample(name: "x\"y", values: [1, 0.1], table: small, optional: nil, mode: .tagged(3))
        let expected = #"(name:"x\"y",values:[1.0,0.1],table:{(key:"a",value:97.0),(key:"b",value:98.0),(key:"m",value:109.0),(key:"q",value:113.0),(key:"z",value:122.0)},optional:nil,mode:tagged(3))"#
        #expect(CanonicalText.of(a) == expected)
        #expect(CanonicalText.of(b) == expected)
        #expect(CanonicalText.of(Sample(name: "", values: [], table: [:], optional: 2, mode: .plain))
            == #"(name:"",values:[],table:{},optional:2,mode:plain)"#)
    }
}
