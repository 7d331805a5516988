import ArmoryCore
import Testing

/// `Scenario.replay(bytes:)` decides each step as it is read, and must answer every file
/// exactly as reading it whole and then running it does: the same decisions, or the same
/// error (the file's JSON first, then the policy, the people, the steps), whatever the order
/// of the file's members.
struct StreamingReplayTests {
    /// What a reading came to: each decision, or the error's text.
    static func whole(_ bytes: [UInt8]) -> Result<[Decision], ScenarioError> {
        Result { () throws(ScenarioError) in try Scenario(bytes: bytes).run().steps.map(\.decision) }
    }

    /// Replayed from memory, and read a piece at a time in pieces of each of `pieces` bytes:
    /// every way must give the same answer, which is returned.
    static func streamed(_ bytes: [UInt8], pieces: [Int] = [1, 2, 3, 7, 64, 4096],
                         sourceLocation: SourceLocation = #_sourceLocation) -> Result<[Decision], ScenarioError> {
        func replay(_ run: ((Int, Step, Decision) -> Void) throws(ScenarioError) -> Void) -> Result<[Decision], ScenarioError> {
            var decisions: [Decision] = []
            var numbers: [Int] = []
            let result = Result { () throws(ScenarioError) in
                try run { number, _, decision in
                    numbers.append(number)
                    decisions.append(decision)
                }
            }
            #expect(numbers == Array(1..<(numbers.count + 1)), "each step numbered in order", sourceLocation: sourceLocation)
            return result.map { decisions }
        }
        let inMemory = replay { decided throws(ScenarioError) in _ = try Scenario.replay(bytes: bytes, decided: decided) }
        for size in pieces {
            var at = 0
            let read = replay { decided throws(ScenarioError) in
                _ = try Scenario.replay(reading: {
                    guard at < bytes.count else { return nil }
                    defer { at += size }
                    return Array(bytes[at..<min(at + size, bytes.count)])
                }, decided: decided)
            }
            #expect(read == inMemory, "read in pieces of \(size) bytes", sourceLocation: sourceLocation)
        }
        return inMemory
    }

    static func same(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array(text.utf8)
        let a = whole(bytes), b = streamed(bytes)
        #expect(a == b, "\(text.prefix(120))", sourceLocation: sourceLocation)
    }

    static let people = #"[{"id":"ana","name":"Ana","roles":["armorer"]},{"id":"pat","name":"Pat","roles":["producer"]}]"#
    static let steps = #"[{"at":"2026-03-02T07:00:00-07:00","by":"ana","do":"receive_firearm","firearm":"colt-1","serial":"S","make":"Colt","model":"SAA"},"#
        + #"{"at":"2026-03-02T07:05:00-07:00","by":"pat","do":"inspect_firearm","firearm":"colt-1","result":"clear"},"#
        + #"{"at":"2026-03-02T07:10:00-07:00","do":"report_concern","text":"the cart is open"}]"#
    static let policy = #"{"show_clear_window_min":10}"#

    @Test func everyOrderOfTheMembersGivesTheSameDecisions() {
        let members = [("\"production\"", #"{"title":"T","timezone":"UTC"}"#), ("\"policy\"", Self.policy),
                       ("\"people\"", Self.people), ("\"steps\"", Self.steps)]
        // Every order of the four members, and of the three without a policy.
        func orders<T>(_ xs: [T]) -> [[T]] {
            xs.count <= 1 ? [xs] : xs.indices.flatMap { k in orders(Array(xs[..<k] + xs[(k + 1)...])).map { [xs[k]] + $0 } }
        }
        for order in orders(members) + orders(members.filter { $0.0 != "\"policy\"" }) {
            let text = "{" + order.map { "\($0.0):\($0.1)" }.joined(separator: ",") + "}"
            Self.same(text)
            if case let .success(d) = Self.streamed(Array(text.utf8)) { #expect(d.count == 3) } else { Issue.record("\(text)") }
        }
    }

    @Test func everyFaultIsTheOneReadingTheFileWholeReports() {
        let p = Self.people, s = Self.steps, pol = Self.policy
        let bad = #"[{"at":"2026-03-02T07:00:00-07:00","by":"nobody","do":"wrap"},{"at":"x"}]"#
        for text in [
            "", "[]", "3", "{}", "{\"people\":\(p)}", "{\"steps\":\(s)}", "{\"people\":\(p),\"steps\":{}}", "{\"people\":\(p),\"steps\":[]}",
            "{\"people\":{},\"steps\":\(s)}", "{\"policy\":{\"nope\":1},\"people\":\(p),\"steps\":\(s)}",
            // A bad step, then a fault in the JSON after it: the JSON's fault is the one reported.
            "{\"policy\":\(pol),\"people\":\(p),\"steps\":\(bad)", "{\"policy\":\(pol),\"people\":\(p),\"steps\":\(bad)}x",
            "{\"policy\":\(pol),\"people\":\(p),\"steps\":\(bad),\"steps\":[]}",
            // A bad step, then a bad policy or people after it: those are reported first.
            "{\"people\":\(p),\"steps\":\(bad),\"policy\":{\"nope\":1}}", "{\"policy\":\(pol),\"steps\":\(bad),\"people\":[{\"id\":\"ana\"}]}",
            "{\"policy\":\(pol),\"people\":\(p),\"steps\":\(bad)}", "{\"people\":\(p),\"policy\":\(pol),\"steps\":\(s),\"people\":\(p)}",
            "{\"policy\":\(pol),\"people\":[{\"id\":\"ana\",\"name\":\"A\",\"roles\":[\"armorer\"]},{\"id\":\"ana\",\"name\":\"B\",\"roles\":[]}],\"steps\":\(s)}",
            "{\"policy\":\(pol),\"people\":\(p),\"steps\":[1,2]}", "{\"policy\":\(pol),\"people\":\(p),\"steps\":\(s.dropLast()),3]}",
            "\u{FEFF}{\"policy\":\(pol),\"people\":\(p),\"steps\":\(s)}",
        ] {
            Self.same(text)
        }
    }

    /// What the streaming reader handed over, in order, and how it ended.
    enum Read: Equatable {
        case member(String, JSON)
        case element(Int, JSON)
        case document(JSON?)
        case error(JSONSyntaxError)
    }

    static func read(_ parse: ((String, JSON) -> Void, (Int, JSON) -> Void) throws(JSONSyntaxError) -> JSON?) -> [Read] {
        var out: [Read] = []
        do throws(JSONSyntaxError) {
            let top = try parse({ out.append(.member($0, $1)) }, { out.append(.element($0, $1)) })
            out.append(.document(top))
        } catch {
            out.append(.error(error))
        }
        return out
    }

    /// Read a piece at a time, JSON is handed over exactly as from memory, errors included at
    /// the same byte offsets, wherever the pieces cut it: inside an escape, a surrogate pair,
    /// a multi-byte character, a number, a literal, the byte order mark.
    @Test func jsonReadInPiecesIsJSONReadWhole() {
        let texts = [
            #"{"a":1,"steps":[1,-2.5e+3,true,false,null,"x\u00e9\ud83d\ude00\n","é😀",[],{},[{"k":[1,{"z":0}]}]],"b":{"c":[]}}"#,
            "\u{FEFF} { \"steps\" : [ 12345678901234567890 , 0.000001 , 1E400 ] } ",
            #"{"steps":[1,2]"#, #"{"steps":[1,2]}x"#, #"{"steps":[1,2]} {"#, #"{"steps":[01]}"#, #"{"steps":["\ud83d"]}"#,
            #"{"steps":["\ud83d\u0041"]}"#, #"{"steps":["\u12"]}"#, #"{"steps":[tru]}"#, #"{"steps":[1.]}"#, #"{"steps":[1e]}"#,
            #"{"steps":["a\qb"]}"#, "{\"steps\":[\"\u{1}\"]}", "{\"steps\":[\"\u{FF}\"]}", #"{"a":1,"a":2}"#, #"{"steps":1,"steps":[2]}"#,
            #"[1,2,3]"#, #"  "x"  "#, "", " ", "{", "{}", "{}  ", #"{"steps":[]}"#, #"{"steps":[ ]}"#, #"{"steps":[1,]}"#,
            #"{"steps":[1 2]}"#, #"{"a" 1}"#, #"{"a":}"#, #"{1:2}"#, String(repeating: "[", count: 300),
            #"{"steps":["# + String(repeating: #"{"k":"v","n":[1,2,3]},"#, count: 200) + "0]}",
        ]
        for text in texts {
            let bytes = Array(text.utf8)
            let whole = Self.read { m, e throws(JSONSyntaxError) in try JSON.parse(bytes, streaming: "steps", member: m, element: e) }
            for size in [1, 2, 3, 4, 5, 6, 7, 11, 13, 100] {
                var at = 0
                let pieces = Self.read { m, e throws(JSONSyntaxError) in
                    try JSON.parse(reading: {
                        guard at < bytes.count else { return nil }
                        defer { at += size }
                        return Array(bytes[at..<min(at + size, bytes.count)])
                    }, streaming: "steps", member: m, element: e)
                }
                #expect(pieces == whole, "\(text.prefix(60)) in pieces of \(size)")
            }
        }
    }

    @Test func aGeneratedProductionAndEveryCutOfItAreAnsweredAlike() {
        let scenario = ScenarioGenerator(seed: 7).scenario(steps: 400)
        let bytes = Array(scenario.json.compactText.utf8)
        #expect(Self.whole(bytes) == Self.streamed(bytes))
        if case let .success(d) = Self.streamed(bytes) { #expect(d.count == scenario.steps.count && d.count >= 400) } else { Issue.record("the generated day does not replay") }
        // Cut anywhere, or with one byte changed: the same answer either way.
        var rng = SplitMix(seed: 11)
        for _ in 0..<300 {
            let at = Int(rng.next() % UInt64(bytes.count))
            #expect(Self.whole(Array(bytes[..<at])) == Self.streamed(Array(bytes[..<at]), pieces: [61]))
            var changed = bytes
            changed[at] = UInt8(truncatingIfNeeded: rng.next())
            #expect(Self.whole(changed) == Self.streamed(changed, pieces: [61]), "byte \(at)")
        }
    }
}

/// A small deterministic generator for the mutations.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
