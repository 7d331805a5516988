import ArmoryCore
import ArmoryLedger
import Foundation
import Testing

/// Old evidence stays valid: bundles written by an earlier main (d5fc985, every entry
/// `armory-entry/v1`, decided under protocol revision 1) verify with today's code, although
/// today's engine (revision 2, PROTOCOL.md's settled readings) decides some of their steps
/// otherwise. The fixtures were made with that main's own binary (Fixtures/README.md).
struct OldBundleTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// The log's published verifier key.
    static func logKey() throws -> NoteVerifierKey {
        let text = try #require(String(validating: try bytes("old-main.vkey"), as: UTF8.self))
        return try NoteVerifierKey(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The bundle's entries, decoded.
    static func entries(_ name: String) throws -> [LogEntry] {
        let archive = try BundleArchive(decoding: try bytes("\(name).tar"))
        return try EvidenceBundle.entries(in: archive).map { try LogEntry(decoding: $0) }
    }

    /// The fixture's scenario decided today (revision 2), step by step: the steps the bundle records.
    static func decidedToday(_ name: String) throws -> [(step: Step, decision: Decision)] {
        try Scenario(bytes: try bytes("\(name).json")).run().steps
    }

    /// One decision: outcome and rules.
    struct Said: Equatable, CustomStringConvertible {
        let outcome: Outcome
        let rules: [Rule]
        init(_ outcome: Outcome, _ rules: [Rule] = []) {
            self.outcome = outcome
            self.rules = rules
        }
        var description: String { "\(outcome.rawValue) \(rules.map(\.rawValue))" }
    }

    /// For each fixture: the steps (entry index = step number) whose decision changed, as the
    /// old main recorded it and as today's engine decides it.
    static let changed: [(name: String, index: Int, old: Said, today: Said)] = [
        // AMMO-4: talent's matching reconcile counted at wrap under revision 1, not under revision 2
        ("old-main-ammo4", 6, Said(.ok), Said(.ok)),
        ("old-main-ammo4", 7, Said(.ok), Said(.alarm, [.ammo4])),
        // ... and a crew member's mismatch after the armorer's match was the lot's latest reconcile
        ("old-main-ammo4", 10, Said(.alarm, [.ammo4]), Said(.ok)),
        // FA-2: only the latest show-clear counted under revision 1
        ("old-main-fa2", 9, Said(.refused, [.fa2]), Said(.ok)),
        // FA-4: cited for a never-accepted firearm under revision 1
        ("old-main-fa4", 3, Said(.refused, [.fa3, .fa4, .fa5]), Said(.refused, [.fa3, .fa5])),
        ("old-main-fa4", 4, Said(.refused, [.fa2, .fa3, .fa4, .fa5]), Said(.refused, [.fa2, .fa3, .fa5])),
    ]

    static let names = ["old-main-ammo4", "old-main-fa2", "old-main-fa4"]

    @Test(arguments: names)
    func anOldBundleVerifiesWithTodaysCode(_ name: String) throws {
        let summary = try EvidenceBundle.verify(try Self.bytes("\(name).tar"), trustedLogKey: try Self.logKey())
        #expect(summary.keyWasTrusted)
        #expect(summary.origin == "armory/\(name)")
        #expect(summary.coveredSize == summary.latestSize && summary.inScope == summary.entries)
        let entries = try Self.entries(name)
        #expect(entries.count == summary.entries)
        // Every entry was written by the old main: version 1, decided under revision 1, no receipt.
        #expect(entries.allSatisfy { $0.protocolRevision == 1 && $0.receipt == nil })
    }

    @Test(arguments: names)
    func theBundleRecordsTheFixturesScenario(_ name: String) throws {
        let entries = try Self.entries(name)
        let today = try Self.decidedToday(name)
        #expect(entries.count == today.count + 1)
        for (k, (step, _)) in today.enumerated() {
            #expect(entries[k + 1].kind == .step && entries[k + 1].body == step.json.compactText, "entry \(k + 1)")
        }
    }

    // The fixtures really exercise the change: the old main recorded the old decision, today's engine gives the
    // new one, and every other step is decided alike.
    @Test(arguments: names)
    func theChangedDecisionsAreTheOldOnesInTheBundleAndTheNewOnesToday(_ name: String) throws {
        let entries = try Self.entries(name)
        let today = try Self.decidedToday(name)
        let changes = Self.changed.filter { $0.name == name }
        #expect(changes.contains { $0.old != $0.today })
        for index in 1..<entries.count {
            let recorded = Said(entries[index].outcome, entries[index].rules)
            let decided = Said(today[index - 1].decision.outcome, today[index - 1].decision.rules)
            if let change = changes.first(where: { $0.index == index }) {
                #expect(recorded == change.old, "entry \(index) as the old main recorded it")
                #expect(decided == change.today, "entry \(index) as today's engine decides it")
            } else {
                #expect(recorded == decided, "entry \(index): no reading changed it")
            }
        }
    }

    // Were the old entries decided by today's rules, the bundle would not verify: the entry recorded under revision 1
    // is what verify re-decides by revision 1, and relabelling it as revision 2 is caught at the first changed step.
    @Test(arguments: names)
    func theOldEntriesRelabelledAsRevision2DoNotReplay(_ name: String) throws {
        let relabelled = try Self.entries(name).map { e in
            LogEntry(index: e.index, kind: e.kind, at: e.at, by: e.by, body: e.body, outcome: e.outcome, rules: e.rules,
                     message: e.message, protocolRevision: 2).encoded()
        }
        let firstChange = try #require(Self.changed.filter { $0.name == name && $0.old != $0.today }.map(\.index).min())
        let error = try #require(throws: LogReplayError.self) { try LogReplay(entryBytes: relabelled) }
        #expect(error.index == UInt64(firstChange))
    }

    // A log that spans the upgrade: the old main's entries up to the first wrap, then today's entries (version 2) of
    // the next day. Each is re-decided by its own revision: day 1's wrap stands on talent's reconcile (revision 1),
    // and day 2's wrap stands on the armorer's match despite the crew member's mismatch (revision 2).
    @Test func aLogMixingOldAndNewEntriesIsReDecidedEntryByEntry() throws {
        let old = try Self.entries("old-main-ammo4")
        let steps = try Self.decidedToday("old-main-ammo4").map(\.step)
        var state = ProductionState(people: [])
        var entries: [[UInt8]] = []
        for (k, e) in old.prefix(8).enumerated() {
            entries.append(e.encoded())
            if k == 0 { state = try ProductionHeader(json: try JSON.parse(e.body)).initialState }
            else { _ = try state.apply(steps[k - 1], revision: 1) }
        }
        for k in 8..<old.count {
            let d = try state.apply(steps[k - 1])
            entries.append(LogEntry(index: UInt64(k), step: steps[k - 1], decision: d,
                                    receipt: .init(received: steps[k - 1].at.text, via: .password)).encoded())
        }
        let replay = try LogReplay(entryBytes: entries)
        #expect(replay.entries.map(\.entry.protocolRevision) == Array(repeating: 1, count: 8) + Array(repeating: 2, count: 3))
        #expect(replay.entries[7].entry.outcome == .ok)  // day 1's wrap, revision 1: talent's reconcile counted
        #expect(replay.entries[10].entry.outcome == .ok)  // day 2's wrap, revision 2: the armorer's match stands

        // The old main's decision of day 2's wrap, written as a revision 2 entry, is caught.
        var forged = entries
        forged[10] = LogEntry(index: 10, step: steps[9], decision: Decision(outcome: .alarm, rules: [.ammo4], message: "x")).encoded()
        let error = try #require(throws: LogReplayError.self) { try LogReplay(entryBytes: forged) }
        #expect(error.index == 10)
    }

    // A revision this verifier does not know is refused, not decided by some other revision's rules.
    @Test func anEntryOfAnUnknownRevisionIsRefused() throws {
        var entries = try Self.entries("old-main-fa4").map { $0.encoded() }
        // Version 3 does not exist: the entry's magic names it.
        entries[2].replaceSubrange(0..<16, with: Array("armory-entry/v3\n".utf8))
        let error = try #require(throws: LogReplayError.self) { try LogReplay(entryBytes: entries) }
        #expect(error.index == 2)
    }
}

/// Old evidence stays valid: a bundle written by main at c3d1b0a (every entry after the
/// header `armory-entry/v2`, with the server's receipts: password, PIN and anonymous
/// senders), before entries named who recorded them, verifies with today's code.
struct Version2BundleTests {
    @Test func aVersion2BundleVerifiesWithTodaysCode() throws {
        let bytes = try OldBundleTests.bytes("v2-main-demo.tar")
        let key = try NoteVerifierKey(String(decoding: try OldBundleTests.bytes("v2-main.vkey"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
        let summary = try EvidenceBundle.verify(bytes, trustedLogKey: key)
        #expect(summary.keyWasTrusted && summary.origin == "armory/demo" && summary.entries == 75)
        let entries = try EvidenceBundle.entries(in: try BundleArchive(decoding: bytes)).map { try LogEntry(decoding: $0) }
        #expect(entries.allSatisfy { $0.version == 2 && $0.protocolRevision == 2 && $0.receipt?.recorder == nil })
        // The server's receipts it holds: a password sign-in, an anonymous concern, a PIN issued and a PIN session.
        #expect(Set(entries.compactMap { $0.receipt?.via }) == [.password, .anonymous, .pin])
        #expect(entries.contains { $0.kind == .pin })
        // Tampering with a v2 entry is still caught.
        var tampered = bytes
        let needle = Array("smoke near the trailer".utf8)
        let at = try #require((0...(tampered.count - needle.count)).first { Array(tampered[$0..<($0 + needle.count)]) == needle })
        tampered[at] = UInt8(ascii: "S")
        #expect(throws: (any Error).self) { try EvidenceBundle.verify(tampered, trustedLogKey: key) }
    }
}

/// A bundle in format 2, written by the first main to write it, verifies with today's code;
/// a whole log's bundle holds no proofs, and its manifest cannot be made to claim format 1
/// (which would need a proof for every entry) or a format no verifier knows.
struct Format2BundleTests {
    static func key() throws -> NoteVerifierKey {
        try NoteVerifierKey(String(decoding: try OldBundleTests.bytes("format2-main.vkey"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func aFormat2BundleVerifiesWithTodaysCode() throws {
        let bytes = try OldBundleTests.bytes("format2-main-rust.tar")
        let summary = try EvidenceBundle.verify(bytes, trustedLogKey: try Self.key())
        #expect(summary.entries == 17 && summary.steps == 16 && summary.refused == 6 && summary.alarms == 6 && summary.critical == 2)
        #expect(summary.proofs == 0)
        let archive = try BundleArchive(decoding: bytes)
        #expect(!archive.files.contains { $0.name.hasPrefix("proofs/") })
        #expect(String(decoding: archive.file("manifest.json")!, as: UTF8.self).contains("\"format\":\"armory-bundle/v2\""))
    }

    @Test func itsFormatCannotBeClaimedOtherwise() throws {
        let archive = try BundleArchive(decoding: try OldBundleTests.bytes("format2-main-rust.tar"))
        // (A whole log's bundle is the same in format 3, which differs only in a day's or a firearm's.)
        for claimed in ["armory-bundle/v1", "armory-bundle/v4", "armory-bundle/v02"] {
            var changed = archive
            changed.files = archive.files.map { f in
                guard f.name == "manifest.json" else { return f }
                return .init(name: f.name, contents: Array(String(decoding: f.contents, as: UTF8.self)
                    .replacingOccurrences(of: "armory-bundle/v2", with: claimed).utf8))
            }
            #expect(throws: BundleError.self, "\(claimed)") { try EvidenceBundle.verify(changed.encoded(), trustedLogKey: try Self.key()) }
        }
    }
}

/// A firearm's bundle written by the last main to prove each entry in scope with its own
/// tlog-proof (format 2), and by the first to prove each run of them with one range proof
/// (format 3), both verify with today's code; neither can claim the other's format.
struct Format3BundleTests {
    static func key(_ name: String) throws -> NoteVerifierKey {
        try NoteVerifierKey(String(decoding: try OldBundleTests.bytes(name), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static let cases = [("format2-main-rust-pietta.tar", "format2-firearm.vkey", "armory-bundle/v2"),
                        ("format3-main-rust-pietta.tar", "format3-main.vkey", "armory-bundle/v3")]

    @Test(arguments: cases)
    func aFirearmsBundleVerifiesWithTodaysCode(file: String, key: String, format: String) throws {
        let bytes = try OldBundleTests.bytes(file)
        let summary = try EvidenceBundle.verify(bytes, trustedLogKey: try Self.key(key))
        #expect(summary.entries == 17 && summary.inScope == 10 && summary.scope == .firearm("pietta-45"))
        let proofs = try BundleArchive(decoding: bytes).files.map(\.name).filter { $0.hasPrefix("proofs/") }
        if format.hasSuffix("v2") {
            #expect(summary.proofKind == .perEntry && proofs.count == 10 && proofs.allSatisfy { $0.hasSuffix(".tlog-proof") })
        } else {
            #expect(summary.proofKind == .perRange && proofs == ["proofs/0-0.range-proof", "proofs/2-2.range-proof",
                                                                 "proofs/6-11.range-proof", "proofs/14-15.range-proof"])
        }
        // Claimed in the other format, with nothing else changed: refused.
        var archive = try BundleArchive(decoding: bytes)
        let other = format.hasSuffix("v2") ? "armory-bundle/v3" : "armory-bundle/v2"
        archive.files = archive.files.map { f in
            guard f.name == "manifest.json" else { return f }
            return .init(name: f.name, contents: Array(String(decoding: f.contents, as: UTF8.self).replacingOccurrences(of: format, with: other).utf8))
        }
        #expect(throws: BundleError.self) { try EvidenceBundle.verify(archive.encoded(), trustedLogKey: try Self.key(key)) }
    }

    /// Every single byte of the format 3 bundle's range proofs, changed, is caught, and the
    /// run it proves is named.
    @Test func everyByteOfItsRangeProofsIsChecked() throws {
        let bytes = try OldBundleTests.bytes("format3-main-rust-pietta.tar")
        let archive = try BundleArchive(decoding: bytes)
        for file in archive.files where file.name.hasSuffix(".range-proof") {
            for k in file.contents.indices {
                var changed = archive
                changed.files = archive.files.map { f in
                    guard f.name == file.name else { return f }
                    var c = f.contents
                    c[k] ^= 0x20
                    return .init(name: f.name, contents: c)
                }
                let first = Int(file.name.dropFirst(7).prefix { $0.isNumber })!
                #expect(throws: BundleError(entry: first, "\(file.name) is not the range proof of those entries"), "\(file.name) byte \(k)") {
                    try EvidenceBundle.verify(changed.encoded())
                }
            }
        }
    }
}
