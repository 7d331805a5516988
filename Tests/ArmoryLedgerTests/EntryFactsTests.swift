import ArmoryCore
import ArmoryLedger
import Testing

/// An entry's facts (what it names, its day) are worked out once, as it is recorded, from
/// the typed step or transfer; read back from its bytes they are the same.
struct EntryFactsTests {
    static func check(_ log: ProductionLog, recorded: Range<Int>) {
        for i in recorded {
            guard let facts = log.facts(at: i) else { Issue.record("entry \(i): no facts kept"); continue }
            guard let read = EntryFacts(decoding: log.entries.bytes(at: i)!) else { Issue.record("entry \(i) does not decode"); continue }
            #expect(facts.entry == read.entry && facts.subjects == read.subjects && facts.day == read.day, "entry \(i): \(facts.subjects) \(read.subjects)")
        }
    }

    @Test(arguments: 0..<20)
    func recordedFactsAreTheFactsReadBack(seed: Int) throws {
        let steps = ScenarioGenerator(seed: UInt64(seed)).chaos(count: 600)
        var log = ProductionLog(productionID: "p", header: ProductionHeader(title: "P", timezone: "UTC", policy: ScenarioGenerator.chaosPolicy,
                                                                             people: ScenarioGenerator.people), openedAt: steps[0].at)
        for step in steps { _ = try? log.record(step) }
        try log.correct(entry: 3, by: "pat", at: log.lastAt, text: "the serial was misread")
        try log.recordPIN(for: "ben", by: "pat", at: log.lastAt)
        // Only the most recent entries' facts are kept; those are checked.
        Self.check(log, recorded: max(0, log.size - 128)..<log.size)
        #expect(log.facts(at: 0) == nil, "the facts of the oldest entries are let go")
    }

    @Test func aTransferNamesItsFirearmsAndLots() throws {
        var log = try EvidenceTransferTests.incident()
        let (index, _) = try log.transfer(EvidenceTransferTests.transfer(log))
        Self.check(log, recorded: index..<(index + 1))
        #expect(log.facts(at: index)!.subjects == ["firearm:colt-1", "lot:D1"])
    }
}
