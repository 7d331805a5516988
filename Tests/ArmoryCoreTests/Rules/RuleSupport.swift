import ArmoryCore
import Testing

/// Expectations the per-rule specifications share: a refusal that changes nothing, an alarm,
/// and the rounds of a firearm in the order they were loaded.
extension Day {
    /// Expects a command refused citing exactly `rules`, and (PROTOCOL.md) "it changes no state".
    mutating func refuse(_ by: String?, _ action: Action, _ rules: [Rule], after minutes: Double = 1,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        let before = state
        expect(by, action, .refused, rules, after: minutes, sourceLocation: sourceLocation)
        #expect(state.sameProtocolState(as: before), "refused \(action.name) by \(by ?? "-") changed the protocol state",
                sourceLocation: sourceLocation)
    }

    /// Expects an observation recorded with an alarm citing exactly `rules`.
    mutating func alarm(_ by: String?, _ action: Action, _ rules: [Rule], after minutes: Double = 1,
                        sourceLocation: SourceLocation = #_sourceLocation) {
        expect(by, action, .alarm, rules, after: minutes, sourceLocation: sourceLocation)
    }

    /// The rounds inside a firearm, oldest load first, as "lot:count".
    func rounds(_ f: String = "colt-1") -> [String] { gun(f).contents.map { "\($0.lot):\($0.count)" } }

    /// Reconciles every touched lot against its box, so a wrap is quiet about AMMO-4.
    mutating func reconcileAll(sourceLocation: SourceLocation = #_sourceLocation) {
        for id in state.lotOrder { ok("ana", A.reconcile(id, counted: box(id).box), sourceLocation: sourceLocation) }
    }
}
