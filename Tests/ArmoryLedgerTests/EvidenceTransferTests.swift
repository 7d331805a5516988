import ArmoryCore
import ArmoryLedger
import Testing

/// Handing evidence to investigators is a custody step in the log: who handed what to
/// whom under which case number, decided by the engine and replayed by `armory verify`.
struct EvidenceTransferTests {
    static let signer = try! NoteSigner(name: "armory.example/test", seed: Array(repeating: 6, count: 32))
    static let people = [
        Person(id: "ana", name: "Ana", roles: [.armorer]),
        Person(id: "ben", name: "Ben", roles: [.talent]),
        Person(id: "dee", name: "Dee", roles: [.firstAD]),
        Person(id: "pat", name: "Pat", roles: [.producer]),
    ]

    /// A day that ends in an unplanned discharge: colt-1 is frozen with lot D1.
    static func incident() throws -> ProductionLog {
        var clock: Int64 = 1_772_460_000
        func at() -> Timestamp { clock += 60; return Timestamp(seconds: clock, offsetMinutes: -420) }
        var log = ProductionLog(productionID: "test", header: ProductionHeader(title: "Test", timezone: "UTC", people: people), openedAt: at())
        let steps: [(String, Action)] = [
            ("ana", .receiveFirearm(firearm: "colt-1", serial: "S1", make: "Colt", model: "SAA", from: nil)),
            ("ana", .receiveFirearm(firearm: "colt-2", serial: "S2", make: "Colt", model: "SAA", from: nil)),
            ("ana", .inspectFirearm(firearm: "colt-1", result: .clear)),
            ("ana", .receiveAmmo(lot: "D1", kind: .dummy, count: 6, source: nil, caliber: nil)),
            ("ana", .inspectLot(lot: "D1", inspected: 6, liveFound: 0)),
            ("dee", .safetyMeeting(scene: "1", attendees: ["ana", "ben"], blanks: false)),
            ("ana", .load(firearm: "colt-1", lot: "D1", rounds: 6, scene: "1", rehearsal: false)),
            ("ana", .fire(firearm: "colt-1", scene: "1", rounds: 1, result: .projectile, shooter: nil, rehearsal: false, nearestPersonFeet: nil)),
        ]
        for (by, action) in steps { try log.record(Step(at: at(), by: by, action: action), signer: signer) }
        return log
    }

    static func transfer(_ log: ProductionLog, by: String = "ana", firearms: [String] = ["colt-1"], lots: [String] = ["D1"]) -> EvidenceTransfer {
        EvidenceTransfer(at: Timestamp(seconds: log.lastAt.seconds + 600, offsetMinutes: -420), by: by, caseNumber: "SFSO 2021-1021",
                         to: "Santa Fe County Sheriff's Office", firearms: firearms, lots: lots)
    }

    @Test func theArmorerHandsFrozenEvidenceToInvestigators() throws {
        var log = try Self.incident()
        let checkpoints = log.checkpoints.count
        let (index, d) = try log.transfer(Self.transfer(log), signer: Self.signer)
        #expect(d.outcome == .ok && d.message.contains("case SFSO 2021-1021"))
        #expect(log.state.firearm("colt-1")?.presence == .withInvestigators(caseNumber: "SFSO 2021-1021"))
        #expect(log.state.firearm("colt-1")?.frozen == true)
        #expect(log.state.lot("D1")?.withInvestigators == "SFSO 2021-1021")
        #expect(log.checkpoints.count == checkpoints + 1, "a checkpoint is signed at once")
        // The entry replays: verify reaches the same decision.
        let replay = try LogReplay(entryBytes: log.entries.all!)
        #expect(replay.entries[index].entry.kind == .transfer && replay.finalState == log.state)
        // And the bundle of that firearm holds it.
        let bundle = try EvidenceBundle.make(log: log, scope: .firearm("colt-1"), logKey: Self.signer.verifierKey).encoded()
        let summary = try EvidenceBundle.verify(bundle)
        #expect(summary.inScope == 6, "header, receipt, inspection, load, discharge, transfer: \(summary.inScope)")
    }

    @Test func afterwardsNoCommandTouchesTheEvidence() throws {
        var log = try Self.incident()
        try log.transfer(Self.transfer(log))
        let at = Timestamp(seconds: log.lastAt.seconds + 60, offsetMinutes: -420)
        #expect(try log.record(Step(at: at, by: "ana", action: .store(firearm: "colt-1", locked: true))).decision.rules == [.fa5])
        #expect(try log.record(Step(at: at, by: "pat", action: .unfreeze(firearm: "colt-1", reason: "x"))).decision.outcome == .ok)
        #expect(try log.record(Step(at: at, by: "ana", action: .unload(firearm: "colt-2", lot: "D1", rounds: 0))).decision.rules.contains(.evid2))
        // At wrap, the firearm with investigators is not asked for; colt-2 still is.
        let wrap = try log.record(Step(at: at, by: "dee", action: .wrap)).decision
        #expect(wrap.rules == [.fa6] && !wrap.message.contains("colt-1"))
    }

    @Test func onlyTheArmorerHandsOverAndOnlyWhatTheyHold() throws {
        var log = try Self.incident()
        #expect(try log.transfer(Self.transfer(log, by: "pat")).decision.rules == [.role2])
        var other = try Self.incident()
        let at = Timestamp(seconds: other.lastAt.seconds + 60, offsetMinutes: -420)
        try other.record(Step(at: at, by: "ana", action: .reportMissing(firearm: "colt-2")))
        #expect(try other.transfer(Self.transfer(other, firearms: ["colt-2"], lots: [])).decision.rules == [.fa5])
        // Refused transfers are recorded and replay to the same refusal.
        #expect(try LogReplay(entryBytes: log.entries.all!).finalState == log.state)
    }

    @Test func aForgedTransferDecisionIsCaughtOnReplay() throws {
        var log = try Self.incident()
        try log.transfer(Self.transfer(log, by: "pat"))
        var entries = log.entries.all!
        var e = try LogEntry(decoding: entries.last!)
        e.outcome = .ok
        e.rules = []
        entries[entries.count - 1] = e.encoded()
        #expect(throws: LogReplayError.self) { try LogReplay(entryBytes: entries) }
    }

    @Test func badTransfersAreInvalidInput() throws {
        var log = try Self.incident()
        #expect(throws: StepFormatError.self) { try log.transfer(Self.transfer(log, firearms: ["ghost"])) }
        let json = try JSON.parse(#"{"case":"1","to":"x","firearms":[],"lots":[]}"#)
        #expect(throws: StepFormatError.self) { try EvidenceTransfer(json: json, at: log.lastAt, by: "ana") }
        let extra = try JSON.parse(#"{"case":"1","to":"x","firearms":["colt-1"],"lots":[],"badge":"7"}"#)
        #expect(throws: StepFormatError.self) { try EvidenceTransfer(json: extra, at: log.lastAt, by: "ana") }
    }
}
