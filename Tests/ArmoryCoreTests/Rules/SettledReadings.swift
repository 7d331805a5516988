import ArmoryCore
import Testing

/// Two readings of PROTOCOL.md that were first decided the other way, settled by the
/// protocol's text: a load of 0 rounds moves no round, and a firearm whose receipt was
/// refused was never received.
struct SettledReadingTests {
    // AMMO-4: a wrap alarms when a touched lot "has no reconcile after the last step that moved rounds into or out of its box";
    // Precise "Rounds": a load of 0 rounds counts as loading only "(freezing, AMMO-1)" and moves no round.
    @Test
    func aLoadOfZeroRoundsAfterTheReconcileMovesNoRounds() {
        var day = AmmunitionRuleTests.storedDay()
        day.meeting("1")
        day.ok("ana", A.reconcile("D1", counted: 12))
        day.ok("ana", A.load(lot: "D1", rounds: 0, scene: "1"))
        day.ok("ana", A.store())
        day.ok("dee", A.wrap)
    }

    // Precise "Custody": a firearm whose receipt was refused "was never accepted and has no custodian either": its commands are
    // "refused, citing FA-5 whoever gives them". FA-4's unknown covers only "A firearm just received or handed back".
    @Test
    func loadingANeverAcceptedFirearmCitesOnlyFA5() {
        var day = Day()
        day.refuse("dee", A.receiveFirearm("colt-9"), [.role2])
        day.lot("D1")
        day.meeting("1")
        day.refuse("ana", A.load("colt-9", lot: "D1", rounds: 6, scene: "1"), [.fa5])
    }
}
