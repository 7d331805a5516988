import Testing

@testable import ArmoryCore

/// A store rewrites in its read models exactly the firearms and lots a run of steps changed.
struct ChangeJournalTests {
    /// Every firearm and lot changed after `revision`, read off every one of them.
    static func byScan(_ state: ProductionState, since revision: Int) -> (firearms: [String], lots: [String]) {
        (state.firearms.keys.filter { (state.firearmRevisions[$0] ?? 0) > revision }.sorted(),
         state.lots.keys.filter { (state.lotRevisions[$0] ?? 0) > revision }.sorted())
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func changesSinceAnyRevisionAreTheOnesAScanFinds(seed: UInt64) throws {
        var state = ScenarioGenerator.chaosStart
        var revisions: [Int] = [0]
        let steps = ScenarioGenerator(seed: seed).chaos(count: 6_000) + ScenarioGenerator(seed: seed).cleanDays(1..<200).map {
            Step(at: Timestamp(seconds: $0.at.seconds + 10 * 86_400, offsetMinutes: -420), by: $0.by, action: $0.action)
        }
        for (n, step) in steps.enumerated() {
            let before = state
            _ = try state.apply(step)
            revisions.append(state.revision)
            // The firearms and lots whose state differs are among those reported changed.
            let (f, l) = state.changed(since: before.revision)
            for (id, now) in state.firearms where before.firearm(id) != now { #expect(f.contains(id), "step \(n): \(id)") }
            for (id, now) in state.lots where before.lot(id).map({ $0 != now }) ?? true { #expect(l.contains(id), "step \(n): lot \(id)") }
        }
        #expect(state.recentChanges.count < steps.count, "the journal was trimmed at least once")
        var rng = SeededRandom(seed: seed)
        for _ in 0..<200 {
            let r = revisions[Int(rng.next() % UInt64(revisions.count))]
            let got = state.changed(since: r), want = Self.byScan(state, since: r)
            #expect(got.firearms == want.firearms && got.lots == want.lots, "since revision \(r)")
        }
    }
}
