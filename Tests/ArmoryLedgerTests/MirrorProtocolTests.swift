import ArmoryCore
import Foundation
import Testing

@testable import ArmoryLedger

/// What mirroring a set's log to the studio rests on: the `add-entries` body as C2SP
/// tlog-mirror writes it (packages aligned at 256), the mirror-info answer, the root of a
/// tree with entries received appended, and entries taken one package at a time exactly
/// as a whole replay takes them.
struct MirrorProtocolTests {
    static let signer = try! NoteSigner(name: "armory.example/mirror-tests", seed: Array(repeating: 5, count: 32))

    /// A production of generated clean days and its log: the chaos of real sets is in the steps' decisions.
    static func log(steps: Int, seed: UInt64 = 1) throws -> ProductionLog {
        let steps = ScenarioGenerator(seed: seed).chaos(count: steps)
        var log = ProductionLog(productionID: "set", header: ProductionHeader(title: "Mirror", timezone: "America/Denver", people: ScenarioGenerator.people),
                                openedAt: Timestamp(seconds: 1_772_460_000 - 600, offsetMinutes: -420))
        for s in steps { _ = try log.record(s, signer: signer) }
        return log
    }

    /// The same state, as the rules see it (the journal of recent changes, kept for the
    /// read models, may list one revision's changes in another order).
    static func same(_ a: ProductionState, _ b: ProductionState) -> Bool {
        a.people == b.people && a.personOrder == b.personOrder && a.alarms == b.alarms && a.firearms == b.firearms
            && a.firearmOrder == b.firearmOrder && a.lots == b.lots && a.lotOrder == b.lotOrder && a.meetings == b.meetings
            && a.stepCount == b.stepCount && a.lastAt == b.lastAt && a.revision == b.revision
            && a.firearmRevisions == b.firearmRevisions && a.lotRevisions == b.lotRevisions && a.unacceptedFirearms == b.unacceptedFirearms
    }

    @Test func packagesAreTheCanonicalSequence() {
        func intervals(_ start: Int, _ end: Int) -> [Range<Int>] { Array(AddEntries.intervals(start: start, end: end)) }
        #expect(intervals(0, 0).isEmpty && intervals(512, 512).isEmpty && intervals(1, 1).isEmpty && intervals(12079, 12079).isEmpty)
        #expect(intervals(0, 10) == [0..<10])
        #expect(intervals(100, 600) == [100..<256, 256..<512, 512..<600])
        #expect(intervals(256, 512) == [256..<512])
        #expect(intervals(300, 301) == [300..<301])
        // Made as read: the sequence of the largest interval a request may name costs nothing until read.
        #expect(Array(AddEntries.intervals(start: 0, end: AddEntries.maximumSize).prefix(2)) == [0..<256, 256..<512])
    }

    @Test func aBodyReadsBackAsWrittenAndACutBodyKeepsItsWholePackages() throws {
        let entries = (0..<600).map { k in Array("entry \(k)".utf8) }
        let hash = Array(repeating: UInt8(7), count: 32)
        let packages = Array(AddEntries.intervals(start: 100, end: 600)).map { r in
            AddEntries.Package(first: r.lowerBound, entries: Array(entries[r]), proof: r.upperBound == 600 ? [] : [hash, hash])
        }
        let request = AddEntries(origin: "armory/set", start: 100, end: 600, ticket: [1, 2], packages: packages)
        let body = request.body
        let read = try AddEntries(body: body)
        #expect(read == request && !read.truncated)
        // Cut anywhere: the whole packages before the cut are kept, nothing after it.
        for cut in [body.count - 1, body.count - 40, body.count / 2, 40] {
            let partial = try AddEntries(body: Array(body.prefix(cut)))
            #expect(partial.truncated)
            #expect(partial.packages == Array(packages.prefix(partial.packages.count)))
            #expect(AddEntries(origin: "armory/set", start: 100, end: 600, ticket: [1, 2], packages: partial.packages).body.count <= cut)
        }
        // Heads that cannot be read: 400.
        for bad in [[UInt8](), [0, 3, 0x61], Array(AddEntries(origin: "armory/set", start: 9, end: 8, packages: []).body.prefix(20)),
                    Array(AddEntries(origin: "armory/set", start: 9, end: 8, packages: []).body),
                    Array(AddEntries(origin: "armory/set", start: 0, end: AddEntries.maximumSize + 1, packages: []).body),
                    Array(AddEntries(origin: "armory/set", start: Int.max - 1, end: Int.max, packages: []).body)] {
            #expect(throws: AddEntries.Malformed.self) { try AddEntries(body: bad) }
        }
    }

    @Test func mirrorInfoIsThreeLines() {
        let info = MirrorInfo(pendingSize: 600, nextEntry: 256, ticket: [9])
        #expect(info.text == "600\n256\nCQ==\n")
        #expect(MirrorInfo(text: info.text) == info)
        #expect(MirrorInfo(text: "600\n256\n\n") == MirrorInfo(pendingSize: 600, nextEntry: 256))
        for bad in ["600\n256\n", "600\n256\n\n\n", "0600\n256\n\n", "600\n-1\n\n", "600\n256\n\n x", ""] { #expect(MirrorInfo(text: bad) == nil, "\(bad)") }
    }

    @Test func theRootWithEntriesAppendedIsTheRootOfTheLongerTree() throws {
        for n in [0, 1, 2, 5, 8, 255, 256, 257, 1000] {
            var t = MerkleTree()
            for k in 0..<n { t.append(leafHash: MerkleHash.leaf([UInt8(k & 0xff), UInt8(k >> 8)])) }
            for extra in [0, 1, 3, 256, 300] {
                let leaves = (0..<extra).map { MerkleHash.leaf([0xee, UInt8($0 & 0xff), UInt8($0 >> 8)]) }
                var longer = t
                for l in leaves { longer.append(leafHash: l) }
                if n + extra > 0 { #expect(try t.rootHash(extendedBy: leaves) == longer.rootHash(), "\(n)+\(extra)") }
            }
        }
    }

    @Test func entriesTakenAPackageAtATimeAreTheLogReplayedWhole() throws {
        let whole = try Self.log(steps: 700)
        let bytes = whole.entries.all!
        var copy = try ProductionLog(origin: whole.origin, entries: [bytes[0]], checkpoints: [])
        for r in Array(AddEntries.intervals(start: 1, end: bytes.count)) { try copy.appendVerified(Array(bytes[r])) }
        #expect(copy.size == whole.size)
        #expect(try copy.tree.rootHash() == whole.tree.rootHash())
        // The state is the one a whole replay gives (its record of changes included).
        #expect(Self.same(copy.state, try LogReplay(entryBytes: bytes).finalState))
        // A checkpoint of that size and root is taken; one of another root is not.
        let note = try Checkpoint(origin: whole.origin, size: whole.size, rootHash: whole.tree.rootHash()).signed(by: Self.signer)
        let taken = copy.addCheckpoint(note)
        #expect(taken && copy.checkpoints.last == note)
        let wrong = try Checkpoint(origin: whole.origin, size: whole.size, rootHash: Array(repeating: 1, count: 32)).signed(by: Self.signer)
        let takenWrong = copy.addCheckpoint(wrong)
        #expect(!takenWrong && copy.checkpoints.last == note)
    }

    @Test func anEntryThatDoesNotStandUpChangesNothing() throws {
        let whole = try Self.log(steps: 300)
        let bytes = whole.entries.all!
        var copy = try ProductionLog(origin: whole.origin, entries: Array(bytes.prefix(100)), checkpoints: [])
        let before = (copy.size, try copy.tree.rootHash(), copy.state)
        // A step's recorded outcome changed: the engine decides otherwise.
        var batch = Array(bytes[100..<200])
        let k = try #require(batch.indices.first { (try? LogEntry(decoding: batch[$0]))?.kind == .step && (try? LogEntry(decoding: batch[$0]))?.outcome == .ok })
        let e = try LogEntry(decoding: batch[k])
        batch[k] = LogEntry(index: e.index, kind: e.kind, at: e.at, by: e.by, body: e.body, outcome: .refused, rules: [.fa1], message: e.message, receipt: e.receipt).encoded()
        var refused = 0
        do { try copy.appendVerified(batch) } catch { refused += 1 }
        #expect(refused == 1)
        let after = try copy.tree.rootHash()
        let unchanged = copy.size == before.0 && after == before.1 && Self.same(copy.state, before.2)
        #expect(unchanged)
        // Out of order, or repeated: refused too.
        for wrong in [Array(bytes[101..<150]), Array(bytes[99..<150])] {
            do { try copy.appendVerified(wrong) } catch { refused += 1 }
        }
        #expect(refused == 3 && copy.size == 100)
        try copy.appendVerified(Array(bytes[100..<200]))
        #expect(copy.size == 200)
    }
}
